package ecs_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/runtime/fake"
)

// Example runs a task on an in-process agent backed by the fake runtime.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	cp, err := ecs.Open()
	if err != nil {
		panic(err)
	}
	defer cp.Close()

	// One container instance: an agent driving an in-memory engine.
	ag := agent.New(agent.Config{
		ControlPlane: cp,
		Runtime:      fake.New(fake.WithImages("nginx:latest")),
		Attributes:   agent.Attributes{AvailabilityZone: "us-east-1a"},
	})
	agentCtx, stopAgent := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = ag.Run(agentCtx) }()
	defer func() { stopAgent(); <-done }()
	<-ag.Registered()

	mem := int64(128)
	if _, err := cp.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: "web",
		ContainerDefinitions: []ecs.ContainerDefinition{
			{Name: "nginx", Image: "nginx:latest", Memory: &mem},
		},
	}); err != nil {
		panic(err)
	}
	run, err := cp.RunTask(ctx, &ecs.RunTaskInput{TaskDefinition: "web"})
	if err != nil {
		panic(err)
	}
	arn := run.Tasks[0].TaskArn
	fmt.Println("placed:", run.Tasks[0].LastStatus)

	for {
		d, err := cp.DescribeTasks(ctx, &ecs.DescribeTasksInput{Tasks: []string{arn}})
		if err != nil {
			panic(err)
		}
		if d.Tasks[0].LastStatus == ecs.TaskStatusRunning {
			fmt.Println("task:", d.Tasks[0].LastStatus, "group:", d.Tasks[0].Group)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Output:
	// placed: PENDING
	// task: RUNNING group: family:web
}
