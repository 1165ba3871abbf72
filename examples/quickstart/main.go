// Command quickstart is ecskit's main job in miniature: it opens a control
// plane, registers the local Docker engine as a container instance (or, when
// no engine answers, an in-memory fake one, and says so), registers a task
// definition, runs three tasks, waits for them to be RUNNING, prints them,
// stops them and prints them STOPPED.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/internal/testimage"
	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/runtime/docker"
	"github.com/ecskit/ecs/runtime/fake"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	rt, image, command, env := chooseRuntime(ctx)

	cp, err := ecs.Open(ecs.WithLogger(log))
	if err != nil {
		return fmt.Errorf("open control plane: %w", err)
	}
	defer cp.Close()

	ag := agent.New(agent.Config{
		ControlPlane: cp,
		Runtime:      rt,
		Logger:       log,
		Attributes:   agent.Attributes{AvailabilityZone: "us-east-1a", InstanceType: "local"},
		CleanupWait:  time.Second,
		StopTimeout:  2 * time.Second,
	})
	agentCtx, stopAgent := context.WithCancel(ctx)
	agentDone := make(chan error, 1)
	go func() { agentDone <- ag.Run(agentCtx) }()
	defer func() { stopAgent(); <-agentDone }()
	select {
	case <-ag.Registered():
	case err := <-agentDone:
		return fmt.Errorf("agent: %w", err)
	case <-ctx.Done():
		return ctx.Err()
	}
	fmt.Println("container instance:", ag.ContainerInstanceArn())

	mem := int64(32)
	td, err := cp.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: "quickstart",
		ContainerDefinitions: []ecs.ContainerDefinition{{
			Name:         "web",
			Image:        image,
			Memory:       &mem,
			Command:      command,
			Environment:  env,
			PortMappings: []ecs.PortMapping{{ContainerPort: ptr(int64(8080))}},
		}},
	})
	if err != nil {
		return fmt.Errorf("register task definition: %w", err)
	}
	fmt.Println("task definition:", td.TaskDefinition.TaskDefinitionArn)

	out, err := cp.RunTask(ctx, &ecs.RunTaskInput{TaskDefinition: "quickstart", Count: ptr(int64(3))})
	if err != nil {
		return fmt.Errorf("run task: %w", err)
	}
	if len(out.Failures) > 0 {
		return fmt.Errorf("tasks not placed: %+v", out.Failures)
	}
	var arns []string
	for _, t := range out.Tasks {
		arns = append(arns, t.TaskArn)
	}
	tasks, err := waitFor(ctx, cp, arns, ecs.TaskStatusRunning)
	if err != nil {
		return err
	}
	fmt.Println()
	printTasks(tasks)

	for _, arn := range arns {
		if _, err := cp.StopTask(ctx, &ecs.StopTaskInput{Task: arn, Reason: "quickstart done"}); err != nil {
			return fmt.Errorf("stop task: %w", err)
		}
	}
	tasks, err = waitFor(ctx, cp, arns, ecs.TaskStatusStopped)
	if err != nil {
		return err
	}
	fmt.Println()
	printTasks(tasks)
	return waitRemoved(ctx, rt, ag.ContainerInstanceArn())
}

// chooseRuntime picks the local Docker engine, building the demo image if
// it is absent, or falls back to the fake runtime when no engine answers.
func chooseRuntime(ctx context.Context) (rt runtime.Runtime, image string, command []string, env []ecs.KeyValuePair) {
	d, err := docker.New()
	if err == nil {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err = d.Info(pctx)
		cancel()
	}
	if err == nil {
		fmt.Println("runtime: the local Docker engine; building the demo image if it is absent…")
		tag, berr := testimage.Ensure(ctx, d)
		if berr == nil {
			return d, tag, []string{"-http", ":8080"}, nil
		}
		err = fmt.Errorf("building the demo image: %w", berr)
	}
	fmt.Printf("runtime: no Docker engine answered (%v)\n", err)
	fmt.Println("runtime: FALLING BACK to the in-memory fake runtime: no real containers will run")
	return fake.New(fake.WithImages("ecskit/demo:latest")), "ecskit/demo:latest", nil, nil
}

func waitFor(ctx context.Context, cp *ecs.ControlPlane, arns []string, status string) ([]ecs.Task, error) {
	for {
		d, err := cp.DescribeTasks(ctx, &ecs.DescribeTasksInput{Tasks: arns})
		if err != nil {
			return nil, err
		}
		done := true
		for _, t := range d.Tasks {
			if t.LastStatus == ecs.TaskStatusStopped && status != ecs.TaskStatusStopped {
				return nil, fmt.Errorf("task %s stopped: %s", t.TaskArn, t.StoppedReason)
			}
			done = done && t.LastStatus == status
		}
		if done {
			return d.Tasks, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for %s: %w", status, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func printTasks(tasks []ecs.Task) {
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TASK\tINSTANCE\tSTATUS\tCONTAINER\tHOST PORT\tREASON")
	for _, t := range tasks {
		c := t.Containers[0]
		port := "-"
		if len(c.NetworkBindings) > 0 {
			port = fmt.Sprint(c.NetworkBindings[0].HostPort)
		}
		id := c.RuntimeId
		if len(id) > 12 {
			id = id[:12]
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", last(t.TaskArn), last(t.ContainerInstanceArn), t.LastStatus, id, port, t.StoppedReason)
	}
	_ = w.Flush()
}

// waitRemoved waits (briefly) until the agent has removed the stopped
// containers, so the quickstart leaves nothing behind.
func waitRemoved(ctx context.Context, rt runtime.Runtime, instanceArn string) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		list, err := rt.List(ctx, map[string]string{"com.amazonaws.ecs.container-instance-arn": instanceArn})
		if err != nil || len(list) == 0 {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
	return nil
}

func last(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

func ptr[T any](v T) *T { return &v }
