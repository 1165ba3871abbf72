package e2e_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/runtime/docker"
)

// Bounds of the waits; generous, since CI shares two cores between test
// binaries. They are limits, never assertions about speed.
const (
	registerTimeout = time.Minute
	taskTimeout     = 90 * time.Second
)

// instance is a container instance: an agent running on one engine.
type instance struct {
	rt  *docker.Runtime
	ag  *agent.Agent
	arn string
}

// openControlPlane opens a control plane closed when tb ends.
func openControlPlane(tb testing.TB) *ecs.ControlPlane {
	tb.Helper()
	cp, err := ecs.Open(ecs.WithLogger(testLogger(tb)))
	if err != nil {
		tb.Fatalf("open control plane: %v", err)
	}
	tb.Cleanup(func() {
		if err := cp.Close(); err != nil {
			tb.Errorf("close control plane: %v", err)
		}
	})
	return cp
}

// startAgent runs an agent for rt's engine in the Availability Zone az
// until tb ends, and waits until it registered. Unless a configure
// function says otherwise, stopped containers are removed a second after
// their task stopped.
func startAgent(tb testing.TB, cp *ecs.ControlPlane, rt *docker.Runtime, az string, configure ...func(*agent.Config)) *instance {
	tb.Helper()
	cfg := agent.Config{
		ControlPlane: cp,
		Runtime:      rt,
		Logger:       testLogger(tb),
		Attributes:   agent.Attributes{AvailabilityZone: az, InstanceType: "e2e"},
		PullBehavior: runtime.PullPreferCached, // the test images are in no registry
		CleanupWait:  time.Second,
		StopTimeout:  5 * time.Second,
	}
	for _, f := range configure {
		f(&cfg)
	}
	ag := agent.New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ag.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("agent on %s: %v", rt.Host(), err)
		}
	})
	select {
	case <-ag.Registered():
	case err := <-done:
		done <- err // for the cleanup
		tb.Fatalf("agent on %s stopped before registering: %v", rt.Host(), err)
	case <-time.After(registerTimeout):
		tb.Fatalf("agent on %s did not register within %v", rt.Host(), registerTimeout)
	}
	return &instance{rt: rt, ag: ag, arn: ag.ContainerInstanceArn()}
}

// taskDef describes the one container of a test task definition.
type taskDef struct {
	family      string
	image       string
	networkMode string // "" is bridge
	memoryMiB   int64
	cpu         int64
	labels      map[string]string
	healthCheck *ecs.HealthCheck
}

// register registers d and returns its ARN.
func (d taskDef) register(tb testing.TB, cp *ecs.ControlPlane) string {
	tb.Helper()
	out, err := cp.RegisterTaskDefinition(context.Background(), &ecs.RegisterTaskDefinitionInput{
		Family:      d.family,
		NetworkMode: d.networkMode,
		ContainerDefinitions: []ecs.ContainerDefinition{{
			Name:         "app",
			Image:        d.image,
			Cpu:          d.cpu,
			Memory:       ptr(d.memoryMiB),
			DockerLabels: maps.Clone(d.labels),
			HealthCheck:  d.healthCheck,
		}},
	})
	if err != nil {
		tb.Fatalf("register task definition %s: %v", d.family, err)
	}
	return out.TaskDefinition.TaskDefinitionArn
}

// runTasks runs count tasks and fails tb unless all were placed.
func runTasks(tb testing.TB, cp *ecs.ControlPlane, in ecs.RunTaskInput) []ecs.Task {
	tb.Helper()
	out, err := cp.RunTask(context.Background(), &in)
	if err != nil {
		tb.Fatalf("RunTask %s: %v", in.TaskDefinition, err)
	}
	if len(out.Failures) > 0 {
		tb.Fatalf("RunTask %s: not placed: %+v", in.TaskDefinition, out.Failures)
	}
	return out.Tasks
}

// waitTasks polls DescribeTasks every interval until every task satisfies
// done, and returns them. It fails tb when a task stops unless done
// accepts it, or after taskTimeout.
func waitTasks(tb testing.TB, cp *ecs.ControlPlane, arns []string, interval time.Duration, what string, done func(ecs.Task) bool) []ecs.Task {
	tb.Helper()
	deadline := time.Now().Add(taskTimeout)
	for {
		out, err := cp.DescribeTasks(context.Background(), &ecs.DescribeTasksInput{Tasks: arns})
		if err != nil {
			tb.Fatalf("DescribeTasks: %v", err)
		}
		if len(out.Failures) > 0 {
			tb.Fatalf("DescribeTasks: %+v", out.Failures)
		}
		all := true
		for _, t := range out.Tasks {
			if done(t) {
				continue
			}
			if t.LastStatus == ecs.TaskStatusStopped {
				tb.Fatalf("waiting for %s: task %s stopped: %s %s", what, t.TaskArn, t.StopCode, t.StoppedReason)
			}
			all = false
		}
		if all {
			return out.Tasks
		}
		if time.Now().After(deadline) {
			tb.Fatalf("tasks not %s after %v: %s", what, taskTimeout, statuses(out.Tasks))
		}
		time.Sleep(interval)
	}
}

// stopTasks stops the tasks and waits until they are STOPPED.
func stopTasks(tb testing.TB, cp *ecs.ControlPlane, arns []string, interval time.Duration) {
	tb.Helper()
	for _, arn := range arns {
		if _, err := cp.StopTask(context.Background(), &ecs.StopTaskInput{Task: arn, Reason: "e2e done"}); err != nil {
			tb.Fatalf("StopTask %s: %v", arn, err)
		}
	}
	waitTasks(tb, cp, arns, interval, "STOPPED", isStopped)
}

func isRunning(t ecs.Task) bool { return t.LastStatus == ecs.TaskStatusRunning }
func isStopped(t ecs.Task) bool { return t.LastStatus == ecs.TaskStatusStopped }

func taskArns(tasks []ecs.Task) []string {
	arns := make([]string, len(tasks))
	for i, t := range tasks {
		arns[i] = t.TaskArn
	}
	return arns
}

// statuses summarizes tasks for failure messages.
func statuses(tasks []ecs.Task) string {
	var b strings.Builder
	for _, t := range tasks {
		fmt.Fprintf(&b, "\n  %s %s/%s health=%s %s", short(t.TaskArn), t.LastStatus, t.DesiredStatus, t.HealthStatus, t.StoppedReason)
	}
	return b.String()
}

// short is the last part of an ARN.
func short(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

func ptr[T any](v T) *T { return &v }

// testLogger logs warnings and errors to tb.
func testLogger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
