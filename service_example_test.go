package ecs_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/runtime/fake"
)

// ExampleControlPlane_CreateService keeps two tasks of a task definition
// running on an in-process agent backed by the fake runtime.
func ExampleControlPlane_CreateService() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cp, err := ecs.Open()
	if err != nil {
		panic(err)
	}
	defer cp.Close()

	ag := agent.New(agent.Config{ControlPlane: cp, Runtime: fake.New(fake.WithImages("nginx:latest"))})
	agentCtx, stopAgent := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = ag.Run(agentCtx) }()
	defer func() { stopAgent(); <-done }()
	<-ag.Registered()

	mem := int64(128)
	if _, err := cp.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family:               "web",
		ContainerDefinitions: []ecs.ContainerDefinition{{Name: "nginx", Image: "nginx:latest", Memory: &mem}},
	}); err != nil {
		panic(err)
	}
	desired := int64(2)
	out, err := cp.CreateService(ctx, &ecs.CreateServiceInput{ServiceName: "web", TaskDefinition: "web", DesiredCount: &desired})
	if err != nil {
		panic(err)
	}
	fmt.Println(out.Service.Status, out.Service.Deployments[0].Status, out.Service.Deployments[0].RolloutState)

	// The service scheduler places the tasks; the agent starts them.
	for {
		d, err := cp.DescribeServices(ctx, &ecs.DescribeServicesInput{Services: []string{"web"}})
		if err != nil {
			panic(err)
		}
		if s := d.Services[0]; s.RunningCount == desired {
			fmt.Printf("running %d of %d\n", s.RunningCount, s.DesiredCount)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Output:
	// ACTIVE PRIMARY IN_PROGRESS
	// running 2 of 2
}
