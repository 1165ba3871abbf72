package ecs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/runtime/fake"
	"github.com/stretchr/testify/require"
)

// TestServiceRollbackWithAgents runs a service on three in-process agents
// driving fake runtimes under a fake clock: a new revision whose container
// exits at once trips the circuit breaker, and the service rolls back to its
// last good task definition.
func TestServiceRollbackWithAgents(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk := clock.NewFake(time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC))
	cp, err := ecs.Open(ecs.WithClock(clk), ecs.WithRandSeed(3))
	require.NoError(t, err)
	t.Cleanup(func() { _ = cp.Close() })
	_, err = cp.CreateCluster(ctx, &ecs.CreateClusterInput{})
	require.NoError(t, err)

	for i := range 3 {
		rt := fake.New(fake.WithClock(clk), fake.WithResources(2, 4<<30), fake.WithImages("busybox"))
		t.Cleanup(func() { rt.Close() })
		a := agent.New(agent.Config{ControlPlane: cp, Runtime: rt, Clock: clk, StopTimeout: time.Second,
			Attributes: agent.Attributes{AvailabilityZone: fmt.Sprintf("us-east-1%c", 'a'+i)}})
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		select {
		case <-a.Registered():
		case <-time.After(10 * time.Second):
			t.Fatal("agent did not register")
		}
	}

	register := func(env ...ecs.KeyValuePair) string {
		mem := int64(128)
		out, err := cp.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: "web",
			ContainerDefinitions: []ecs.ContainerDefinition{{Name: "app", Image: "busybox", Cpu: 128, Memory: &mem, Environment: env}}})
		require.NoError(t, err)
		return out.TaskDefinition.TaskDefinitionArn
	}
	good := register()
	desired := int64(3)
	_, err = cp.CreateService(ctx, &ecs.CreateServiceInput{ServiceName: "web", TaskDefinition: good, DesiredCount: &desired,
		DeploymentConfiguration: &ecs.DeploymentConfiguration{
			DeploymentCircuitBreaker: &ecs.DeploymentCircuitBreaker{Enable: true, Rollback: true}}})
	require.NoError(t, err)

	describe := func() ecs.Service {
		out, err := cp.DescribeServices(ctx, &ecs.DescribeServicesInput{Services: []string{"web"}})
		require.NoError(t, err)
		return out.Services[0]
	}
	// advanceUntil moves the fake clock in 5 s steps, giving the agents and
	// the scheduler a moment of real time after each.
	advanceUntil := func(what string, limit time.Duration, cond func(ecs.Service) bool) ecs.Service {
		t.Helper()
		for end := clk.Now().Add(limit); ; {
			for range 50 {
				if svc := describe(); cond(svc) {
					return svc
				}
				time.Sleep(time.Millisecond)
			}
			if !clk.Now().Before(end) {
				t.Fatalf("%s: not within %v of fake time; service: %+v", what, limit, describe())
			}
			clk.Advance(5 * time.Second)
		}
	}
	steadyOn := func(td string) func(ecs.Service) bool {
		return func(s ecs.Service) bool {
			return len(s.Deployments) == 1 && s.Deployments[0].TaskDefinition == td &&
				s.Deployments[0].RolloutState == ecs.RolloutStateCompleted && s.RunningCount == desired
		}
	}
	first := advanceUntil("first deployment", 10*time.Minute, steadyOn(good))

	bad := register(ecs.KeyValuePair{Name: fake.EnvRunFor, Value: "0s"}, ecs.KeyValuePair{Name: fake.EnvExitCode, Value: "1"})
	up, err := cp.UpdateService(ctx, &ecs.UpdateServiceInput{Service: "web", TaskDefinition: bad})
	require.NoError(t, err)
	failedID := up.Service.Deployments[0].Id

	svc := advanceUntil("rollback", 30*time.Minute, func(s ecs.Service) bool {
		return s.Deployments[0].TaskDefinition == good && s.Deployments[0].Id != first.Deployments[0].Id
	})
	rollback := svc.Deployments[0].Id
	require.Equal(t, "ECS deployment circuit breaker: rolling back to deploymentId "+first.Deployments[0].Id+".", svc.Deployments[0].RolloutStateReason)
	require.Equal(t, ecs.RolloutStateFailed, svc.Deployments[1].RolloutState)
	require.Equal(t, "ECS deployment circuit breaker: tasks failed to start.", svc.Deployments[1].RolloutStateReason)
	require.EqualValues(t, 3, svc.Deployments[1].FailedTasks)
	svc = advanceUntil("rolled back", 30*time.Minute, steadyOn(good))
	require.Equal(t, rollback, svc.Deployments[0].Id)
	require.Equal(t, good, svc.TaskDefinition)
	found := false
	for _, e := range svc.Events {
		found = found || e.Message == "(service web) (deployment "+failedID+") deployment failed: tasks failed to start."
	}
	require.True(t, found, "circuit breaker event")

	// Every task of the bad revision is stopped; the good ones run.
	list, err := cp.ListTasks(ctx, &ecs.ListTasksInput{ServiceName: "web"})
	require.NoError(t, err)
	tasks, err := cp.DescribeTasks(ctx, &ecs.DescribeTasksInput{Tasks: list.TaskArns})
	require.NoError(t, err)
	require.Len(t, tasks.Tasks, int(desired))
	for _, tk := range tasks.Tasks {
		require.Equal(t, good, tk.TaskDefinitionArn)
		require.Equal(t, ecs.TaskStatusRunning, tk.LastStatus)
	}
}
