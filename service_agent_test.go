package ecs_test

import (
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/runtime/fake"
	"github.com/stretchr/testify/require"
)

// TestServiceRollbackWithAgents runs a service on three in-process agents
// driving fake runtimes under a fake clock: a new revision whose container
// exits at once trips the circuit breaker, and the service rolls back to its
// last good task definition.
func TestServiceRollbackWithAgents(t *testing.T) {
	h := newHarness(t, 3)
	ctx, cp := h.ctx, h.cp
	good := h.registerWeb()
	desired := int64(3)
	_, err := cp.CreateService(ctx, &ecs.CreateServiceInput{ServiceName: "web", TaskDefinition: good, DesiredCount: &desired,
		DeploymentConfiguration: &ecs.DeploymentConfiguration{
			DeploymentCircuitBreaker: &ecs.DeploymentCircuitBreaker{Enable: true, Rollback: true}}})
	require.NoError(t, err)

	h.RunUntil("first deployment", 10*time.Minute, 5*time.Second, func() bool { return steadyOn(h.service("web"), good) })
	first := h.service("web")

	bad := h.registerWeb(fake.EnvRunFor, "0s", fake.EnvExitCode, "1")
	up, err := cp.UpdateService(ctx, &ecs.UpdateServiceInput{Service: "web", TaskDefinition: bad})
	require.NoError(t, err)
	failedID := up.Service.Deployments[0].Id

	var svc ecs.Service
	h.RunUntil("rollback", 30*time.Minute, 5*time.Second, func() bool {
		svc = h.service("web")
		return svc.Deployments[0].TaskDefinition == good && svc.Deployments[0].Id != first.Deployments[0].Id
	})
	rollback := svc.Deployments[0].Id
	require.Equal(t, "ECS deployment circuit breaker: rolling back to deploymentId "+first.Deployments[0].Id+".", svc.Deployments[0].RolloutStateReason)
	require.Equal(t, ecs.RolloutStateFailed, svc.Deployments[1].RolloutState)
	require.Equal(t, "ECS deployment circuit breaker: tasks failed to start.", svc.Deployments[1].RolloutStateReason)
	require.EqualValues(t, 3, svc.Deployments[1].FailedTasks)
	h.RunUntil("rolled back", 30*time.Minute, 5*time.Second, func() bool { return steadyOn(h.service("web"), good) })
	svc = h.service("web")
	require.Equal(t, rollback, svc.Deployments[0].Id)
	require.Equal(t, good, svc.TaskDefinition)
	require.True(t, hasEvent(svc, "(service web) (deployment "+failedID+") deployment failed: tasks failed to start."), "circuit breaker event")

	// Every task of the bad revision is stopped; the good ones run.
	tasks := h.tasks("web")
	require.Len(t, tasks, int(desired))
	for _, tk := range tasks {
		require.Equal(t, good, tk.TaskDefinitionArn)
		require.Equal(t, ecs.TaskStatusRunning, tk.LastStatus)
	}
}
