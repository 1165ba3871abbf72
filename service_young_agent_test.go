package ecs_test

import (
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/runtime/fake"
	"github.com/stretchr/testify/require"
)

// The updates of issue 10 on real agents: made as soon as the service is
// stable by the ServicesStable waiter's measure (one deployment,
// runningCount equal to desiredCount), while its tasks are still young
// (RUNNING, not yet counted healthy). The same scenarios run on the
// simulated agent in service_young_test.go.

func TestServiceBadUpdateRightAfterStableWithAgents(t *testing.T) {
	h := newHarness(t, 3)
	// Revision 1's containers take their stop timeout (1 s of fake time)
	// to stop: a task of it the scheduler stopped would show at the next
	// settled moment even if a replacement ran in the same instant.
	v1 := h.registerWeb(fake.EnvIgnoreSigterm, "1")
	_, err := h.cp.CreateService(h.ctx, &ecs.CreateServiceInput{ServiceName: "web", TaskDefinition: v1, DesiredCount: ptr(int64(3)),
		DeploymentConfiguration: &ecs.DeploymentConfiguration{
			DeploymentCircuitBreaker: &ecs.DeploymentCircuitBreaker{Enable: true, Rollback: true}}})
	require.NoError(t, err)
	h.RunUntil("stable", time.Minute, time.Second, func() bool { return stable(h.service("web")) })
	first := h.service("web").Deployments[0]
	require.Equal(t, ecs.RolloutStateInProgress, first.RolloutState, "the tasks are still young")

	v2 := h.registerWeb(fake.EnvStartError, "boom")
	up, err := h.cp.UpdateService(h.ctx, &ecs.UpdateServiceInput{Service: "web", TaskDefinition: v2})
	require.NoError(t, err)
	bad := up.Service.Deployments[0].Id
	require.Equal(t, v2, up.Service.Deployments[0].TaskDefinition)

	// At every settled moment: the service keeps 3 tasks running, and
	// what revision 2's deployment went through is noted.
	var failed *ecs.Deployment
	h.checks = append(h.checks, func() {
		svc := h.service("web")
		require.GreaterOrEqual(t, svc.RunningCount, int64(3), "runningCount dropped below 3 at %v", h.clk.Now())
		require.GreaterOrEqual(t, h.running("web"), 3, "fewer than 3 tasks RUNNING and desired RUNNING at %v", h.clk.Now())
		for _, d := range svc.Deployments {
			if d.Id == bad && d.RolloutState == ecs.RolloutStateFailed && failed == nil {
				failed = &d
			}
		}
	})
	took := h.RunUntil("back on revision 1", 2*time.Minute, time.Second, func() bool { return steadyOn(h.service("web"), v1) })
	require.LessOrEqual(t, took, 2*time.Minute)

	require.NotNil(t, failed, "revision 2's deployment was never seen FAILED")
	require.Equal(t, "ECS deployment circuit breaker: tasks failed to start.", failed.RolloutStateReason)
	require.EqualValues(t, 3, failed.FailedTasks)

	// And it stays so: 5 more minutes change nothing (the checks still run).
	h.Advance(5*time.Minute, 5*time.Second)
	svc := h.service("web")
	require.Len(t, svc.Deployments, 1)
	require.Equal(t, ecs.RolloutStateCompleted, svc.Deployments[0].RolloutState)
	require.Equal(t, v1, svc.Deployments[0].TaskDefinition)
	require.Equal(t, v1, svc.TaskDefinition)
	require.EqualValues(t, 3, svc.RunningCount)
	require.True(t, hasEvent(svc, "(service web) (deployment "+bad+") deployment failed: tasks failed to start."))
	tasks := h.tasks("web")
	require.Len(t, tasks, 3)
	for _, tk := range tasks {
		require.Equal(t, v1, tk.TaskDefinitionArn)
		require.Equal(t, ecs.TaskStatusRunning, tk.LastStatus)
	}
}

func TestServiceRollingUpdateRightAfterStableWithAgents(t *testing.T) {
	h := newHarness(t, 3)
	// Revision 1's containers take their stop timeout (1 s of fake time)
	// to stop, so a settled moment sees the tasks the scheduler has told
	// to stop before their replacements could run in the same instant.
	v1 := h.registerWeb(fake.EnvIgnoreSigterm, "1")
	_, err := h.cp.CreateService(h.ctx, &ecs.CreateServiceInput{ServiceName: "web", TaskDefinition: v1, DesiredCount: ptr(int64(4)),
		DeploymentConfiguration: &ecs.DeploymentConfiguration{MinimumHealthyPercent: ptr(int64(50)), MaximumPercent: ptr(int64(100))}})
	require.NoError(t, err)
	h.RunUntil("stable", time.Minute, time.Second, func() bool { return stable(h.service("web")) })

	v2 := h.registerWeb("VERSION", "2")
	_, err = h.cp.UpdateService(h.ctx, &ecs.UpdateServiceInput{Service: "web", TaskDefinition: v2})
	require.NoError(t, err)
	least := 4
	h.checks = append(h.checks, func() {
		n := h.running("web")
		least = min(least, n)
		require.GreaterOrEqual(t, n, 2, "fewer than 2 RUNNING at %v", h.clk.Now())
		require.LessOrEqual(t, len(h.tasks("web")), 4, "above maximumPercent at %v", h.clk.Now())
	})
	h.RunUntil("deployment completed", 5*time.Minute, time.Second, func() bool { return steadyOn(h.service("web"), v2) })
	require.Equal(t, 2, least, "the checks saw the deployment replace 2 tasks at a time")

	tasks := h.tasks("web")
	require.Len(t, tasks, 4)
	for _, tk := range tasks {
		require.Equal(t, v2, tk.TaskDefinitionArn)
		require.Equal(t, ecs.TaskStatusRunning, tk.LastStatus)
	}
}
