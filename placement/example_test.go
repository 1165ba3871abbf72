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
