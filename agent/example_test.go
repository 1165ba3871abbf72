package agent_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/runtime/fake"
)

// Example runs one container instance: an agent driving an in-memory
// engine for an in-process control plane. The container is scripted to
// exit after 50 ms; being essential, its exit stops the task.
func Example() {
	ctx := context.Background()
	cp, err := ecs.Open()
	if err != nil {
		panic(err)
	}
	defer cp.Close()

	ag := agent.New(agent.Config{
		ControlPlane: cp,
		Runtime:      fake.New(fake.WithRegistry("busybox")),
		Attributes:   agent.Attributes{AvailabilityZone: "us-east-1a", InstanceType: "m5.large"},
		StopTimeout:  5 * time.Second,
	})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- ag.Run(runCtx) }()
	defer func() { stop(); <-done }()
	<-ag.Registered()

	mem := int64(64)
	if _, err := cp.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: "batch",
		ContainerDefinitions: []ecs.ContainerDefinition{{
			Name: "job", Image: "busybox", Memory: &mem,
			Environment: []ecs.KeyValuePair{{Name: "ECSKIT_FAKE_RUN_FOR", Value: "50ms"}},
		}},
	}); err != nil {
		panic(err)
	}
	run, err := cp.RunTask(ctx, &ecs.RunTaskInput{TaskDefinition: "batch"})
	if err != nil {
		panic(err)
	}
	for {
		d, err := cp.DescribeTasks(ctx, &ecs.DescribeTasksInput{Tasks: []string{run.Tasks[0].TaskArn}})
		if err != nil {
			panic(err)
		}
		if t := d.Tasks[0]; t.LastStatus == ecs.TaskStatusStopped {
			fmt.Println(t.LastStatus, t.StopCode, *t.Containers[0].ExitCode)
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Output:
	// STOPPED EssentialContainerExited 0
}
