package agent_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/runtime/fake"
)

// TestWithControlPlane runs the real control plane (memory store) with an
// agent on the fake runtime: RunTask, RUNNING with a dynamic port, StopTask,
// STOPPED.
func TestWithControlPlane(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(t0)
	cp, err := ecs.Open(ecs.WithClock(clk), ecs.WithRandSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	rt := fake.New(fake.WithClock(clk), fake.WithRegistry("nginx"))
	defer rt.Close()

	ag := agent.New(agent.Config{Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})), ControlPlane: cp, Runtime: rt, Clock: clk, Attributes: agent.Attributes{AvailabilityZone: "us-east-1a"}})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- ag.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	<-ag.Registered()

	web := ctr("web", "ECSKIT_FAKE_IGNORE_SIGTERM=1")
	web.Image = "nginx"
	web.PortMappings = []ecs.PortMapping{{ContainerPort: ptr(int64(80))}}
	if _, err := cp.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: "web", ContainerDefinitions: []ecs.ContainerDefinition{web},
	}); err != nil {
		t.Fatal(err)
	}
	run, err := cp.RunTask(ctx, &ecs.RunTaskInput{TaskDefinition: "web"})
	if err != nil || len(run.Tasks) != 1 {
		t.Fatalf("RunTask: %v %+v", err, run)
	}
	arn := run.Tasks[0].TaskArn

	describe := func() ecs.Task {
		d, err := cp.DescribeTasks(ctx, &ecs.DescribeTasksInput{Tasks: []string{arn}})
		if err != nil || len(d.Tasks) != 1 {
			t.Fatalf("DescribeTasks: %v %+v", err, d)
		}
		return d.Tasks[0]
	}
	waitStatus := func(status string) ecs.Task {
		for i := 0; i < 5000; i++ {
			if task := describe(); task.LastStatus == status {
				return task
			}
			if i%10 == 9 {
				clk.Advance(time.Second) // lets long polls and the stop grace period run out
			}
			time.Sleep(time.Millisecond)
		}
		t.Fatalf("task never reached %s: %+v", status, describe())
		return ecs.Task{}
	}

	task := waitStatus(ecs.TaskStatusRunning)
	if c := task.Containers[0]; c.RuntimeId == "" || len(c.NetworkBindings) != 1 || c.NetworkBindings[0].HostPort != 49153 {
		t.Errorf("running container = %+v, want a runtime ID and host port 49153", c)
	}
	if task.PullStartedAt.IsZero() || task.StartedAt.IsZero() {
		t.Errorf("timestamps not set: pullStartedAt %v startedAt %v", task.PullStartedAt, task.StartedAt)
	}

	if _, err := cp.StopTask(ctx, &ecs.StopTaskInput{Task: arn, Reason: "done here"}); err != nil {
		t.Fatal(err)
	}
	task = waitStatus(ecs.TaskStatusStopped)
	if task.StopCode != ecs.StopCodeUserInitiated || task.StoppedReason != "done here" {
		t.Errorf("stop code/reason = %q/%q", task.StopCode, task.StoppedReason)
	}
	if c := task.Containers[0]; c.ExitCode == nil || *c.ExitCode != 137 {
		t.Errorf("container after stop = %+v, want exit code 137 (SIGKILL after the grace period)", c)
	}
}
