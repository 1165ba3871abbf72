package sim_test

import (
	"fmt"

	"github.com/ecskit/ecs/placement/sim"
)

// Describe a cluster, place a service's tasks, and look at where they
// landed.
func Example() {
	m5 := sim.InstanceType{Name: "m5.large", CPU: 2048, Memory: 7680}
	c := sim.NewCluster("demo").
		Add(2, m5, "us-east-1a", sim.Attribute("stack", "prod")).
		Add(2, m5, "us-east-1b", sim.Attribute("stack", "prod")).
		Add(1, m5, "us-east-1c", sim.Attribute("stack", "dev"))
	web := sim.Task{Family: "web", CPU: 512, Memory: 1024, Ports: []int{80}}

	out, err := c.Run(web, 6, sim.AsService("web"), sim.Constraints(sim.MemberOf("attribute:stack == prod")))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.CountBy("ecs.availability-zone"))
	fmt.Println(out)
	// Output:
	// map[us-east-1a:2 us-east-1b:2]
	// placed 4 of 6 tasks
	//   by ecs.availability-zone: us-east-1a=2 us-east-1b=2
	//   by ecs.instance-type: m5.large=4
	// 2 not placed: MemberOf placement constraint unsatisfied. (closest: arn:aws:ecs:us-east-1:123456789012:container-instance/demo/00000000000000000000000000000005)
	//   no container instance met all requirements: 4 had a TCP host port in use, 1 failed memberOf(attribute:stack == prod)
}
