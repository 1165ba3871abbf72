package placement_test

import (
	"fmt"

	"github.com/ecskit/ecs/placement"
)

// Place five tasks of a service on the prod instances, spread across
// Availability Zones and then packed by memory; the fifth does not fit.
func Example() {
	instance := func(id, az, stack string, memory int64) placement.Instance {
		return placement.Instance{
			ARN: "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/" + id, ID: id,
			Status: placement.StatusActive, AgentConnected: true,
			RemainingCPU: 2048, RemainingMemory: memory,
			Attributes: map[string]string{"ecs.availability-zone": az, "stack": stack},
		}
	}
	snap := placement.Snapshot{Instances: []placement.Instance{
		instance("a-big", "us-east-1a", "prod", 2048),
		instance("a-small", "us-east-1a", "prod", 1024),
		instance("b-small", "us-east-1b", "prod", 1536),
		instance("b-dev", "us-east-1b", "dev", 8192),
	}}
	res, err := placement.Place(snap, placement.Request{
		Group: "service:web", Count: 5, CPU: 256, Memory: 1024,
		Constraints: []placement.Constraint{{Type: placement.MemberOf, Expression: "attribute:stack == prod"}},
		Strategies: []placement.Strategy{
			{Type: placement.Spread, Field: "attribute:ecs.availability-zone"},
			{Type: placement.Binpack, Field: "memory"},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range res.Decisions {
		fmt.Println("placed on", snap.Instances[d.Instance].ID)
	}
	for _, f := range res.Failures {
		fmt.Println(f.Reason, f.ARN)
		fmt.Println(f.Explanation)
	}
	// Output:
	// placed on a-small
	// placed on b-small
	// placed on a-big
	// placed on a-big
	// MemberOf placement constraint unsatisfied. arn:aws:ecs:us-east-1:123456789012:container-instance/prod/b-dev
	// no container instance met all requirements: 3 lacked memory, 1 failed memberOf(attribute:stack == prod)
}

// A memberOf expression, compiled once, also filters instances the way
// ListContainerInstances' filter does.
func ExampleParseExpression() {
	e, err := placement.ParseExpression("attribute:ecs.instance-type =~ t2.* and not(task:group == database)")
	if err != nil {
		fmt.Println(err)
		return
	}
	in := placement.Instance{Attributes: map[string]string{"ecs.instance-type": "t2.small"}}
	fmt.Println(e, e.Match(&in))

	_, err = placement.ParseExpression("attribute:stack prod")
	fmt.Println(err)
	// Output:
	// attribute:ecs.instance-type =~ t2.* and not(task:group == database) true
	// expected an operator (==, !=, >, >=, <, <=, exists, !exists, in, !in, =~, !~ or a word alias) at position 16, found 'p'
}

// A Scheduler keeps its state between requests: here a service's second
// deployment sees the tasks of the first.
func ExampleScheduler() {
	var snap placement.Snapshot
	for _, az := range []string{"us-east-1a", "us-east-1b"} {
		snap.Instances = append(snap.Instances, placement.Instance{
			ARN: "arn:aws:ecs:us-east-1:123456789012:container-instance/demo/" + az, ID: az,
			Status: placement.StatusActive, AgentConnected: true,
			RemainingCPU: 1024, RemainingMemory: 2048,
			Attributes: map[string]string{"ecs.availability-zone": az},
		})
	}
	s := placement.NewScheduler(snap)
	req := placement.Request{Group: "service:api", CPU: 512, Memory: 512, Strategies: placement.DefaultServiceStrategies()}
	for _, count := range []int{1, 1, 3} {
		req.Count = count
		res, err := s.Place(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(len(res.Decisions), "placed,", len(res.Failures), "failed")
	}
	for _, in := range s.Snapshot().Instances {
		fmt.Println(in.ID, in.Groups["service:api"], "tasks,", in.RemainingCPU, "CPU left")
	}
	// Output:
	// 1 placed, 0 failed
	// 1 placed, 0 failed
	// 2 placed, 1 failed
	// us-east-1a 2 tasks, 0 CPU left
	// us-east-1b 2 tasks, 0 CPU left
}

// Scaling a service in from 4 tasks to 2 stops tasks in the busiest
// Availability Zone first.
func ExampleSelectScaleIn() {
	snap := placement.Snapshot{Instances: []placement.Instance{
		{ID: "a1", Attributes: map[string]string{"ecs.availability-zone": "us-east-1a"}},
		{ID: "a2", Attributes: map[string]string{"ecs.availability-zone": "us-east-1a"}},
		{ID: "b1", Attributes: map[string]string{"ecs.availability-zone": "us-east-1b"}},
	}}
	tasks := []placement.RunningTask{{Instance: 0}, {Instance: 0}, {Instance: 1}, {Instance: 2}}
	for _, t := range placement.SelectScaleIn(snap, tasks, 2, nil, 1) {
		fmt.Println("stop task", t, "on", snap.Instances[tasks[t].Instance].ID)
	}
	// Output:
	// stop task 0 on a1
	// stop task 2 on a2
}
