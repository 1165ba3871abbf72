package ecs

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The updates of issue 10: made as soon as the service is stable by the
// ServicesStable waiter's measure (one deployment, runningCount equal to
// desiredCount), while its tasks are still young (RUNNING, not yet counted
// healthy).

// stable is the ServicesStable waiter's condition.
func (st *simState) stable(service string) bool {
	svc := st.services[service]
	return svc != nil && len(svc.Deployments) == 1 && svc.RunningCount == svc.DesiredCount
}

// running counts a service's RUNNING tasks that are desired RUNNING.
func (st *simState) running(service string) int {
	n := 0
	for _, t := range st.live(service) {
		if t.Task.LastStatus == TaskStatusRunning && t.Task.DesiredStatus == TaskStatusRunning {
			n++
		}
	}
	return n
}

func TestServiceBadUpdateRightAfterStableKeepsTheServiceUp(t *testing.T) {
	s := newSim(t, 3, 3, 2048, 4096)
	v1 := s.taskDef("web", false)
	s.createService("web", "web", 3, func(in *CreateServiceInput) {
		in.DeploymentConfiguration = &DeploymentConfiguration{
			DeploymentCircuitBreaker: &DeploymentCircuitBreaker{Enable: true, Rollback: true},
		}
	})
	s.runUntil(time.Minute, time.Second, "stable", func(st *simState) bool { return st.stable("web") })
	first := s.service("web").Deployments[0]
	require.Equal(t, RolloutStateInProgress, first.RolloutState, "the tasks are still young")

	v2 := s.taskDef("web", false, "ECSKIT_FAKE_START_ERROR", "boom")
	bad := s.update(&UpdateServiceInput{Service: "web", TaskDefinition: v2.TaskDefinitionArn}).Deployments[0].Id
	s.checks = append(s.checks, func(st *simState) {
		require.GreaterOrEqual(t, st.running("web"), 3, "runningCount dropped below 3 at %v", st.now)
	})
	start := s.clk.Now()
	s.runUntil(2*time.Minute, time.Second, "back on revision 1", func(st *simState) bool { return st.steady("web") })
	require.Less(t, s.clk.Now().Sub(start), 2*time.Minute)

	svc := s.service("web")
	require.Len(t, svc.Deployments, 1)
	require.Equal(t, RolloutStateCompleted, svc.Deployments[0].RolloutState)
	require.Equal(t, v1.TaskDefinitionArn, svc.Deployments[0].TaskDefinition)
	require.Equal(t, v1.TaskDefinitionArn, svc.TaskDefinition)
	require.EqualValues(t, 3, svc.RunningCount)
	require.True(t, hasEvent(svc, "(service web) (deployment "+bad+") deployment failed: tasks failed to start."))
	require.True(t, hasEvent(svc, "(service web) (deployment "+bad+") rolling back to (deployment "+first.Id+"), which was PRIMARY before it: no deployment of this service has completed yet."))
	for _, tk := range s.state().live("web") {
		require.Equal(t, v1.TaskDefinitionArn, tk.Task.TaskDefinitionArn)
	}
}

func TestServiceRollingUpdateRightAfterStableKeepsMinimumHealthy(t *testing.T) {
	s := newSim(t, 3, 3, 2048, 4096)
	s.taskDef("web", false)
	s.createService("web", "web", 4, func(in *CreateServiceInput) {
		in.DeploymentConfiguration = &DeploymentConfiguration{MinimumHealthyPercent: i64(50), MaximumPercent: i64(100)}
	})
	s.runUntil(time.Minute, time.Second, "stable", func(st *simState) bool { return st.stable("web") })
	v2 := s.taskDef("web", false, "VERSION", "2")
	s.update(&UpdateServiceInput{Service: "web", TaskDefinition: v2.TaskDefinitionArn})
	s.checks = append(s.checks, func(st *simState) {
		require.GreaterOrEqual(t, st.running("web"), 2, "fewer than 2 RUNNING at %v", st.now)
		require.LessOrEqual(t, len(st.live("web")), 4, "above maximumPercent at %v", st.now)
	})
	s.runUntil(5*time.Minute, time.Second, "deployment completed", func(st *simState) bool { return st.steady("web") })
	for _, tk := range s.state().live("web") {
		require.Equal(t, v2.TaskDefinitionArn, tk.Task.TaskDefinitionArn)
	}
}

func TestServiceDeploymentHistoryOfARollback(t *testing.T) {
	s := newSim(t, 3, 3, 2048, 4096)
	v1 := s.taskDef("web", false)
	s.createService("web", "web", 3, func(in *CreateServiceInput) {
		in.DeploymentConfiguration = &DeploymentConfiguration{
			DeploymentCircuitBreaker: &DeploymentCircuitBreaker{Enable: true, Rollback: true},
		}
	})
	s.runUntil(time.Minute, time.Second, "stable", func(st *simState) bool { return st.stable("web") })
	v2 := s.taskDef("web", false, "ECSKIT_FAKE_START_ERROR", "boom")
	s.update(&UpdateServiceInput{Service: "web", TaskDefinition: v2.TaskDefinitionArn})
	s.runUntil(2*time.Minute, time.Second, "back on revision 1", func(st *simState) bool { return st.steady("web") })

	list, err := s.cp.ListServiceDeployments(s.ctx, &ListServiceDeploymentsInput{Service: "web"})
	require.NoError(t, err)
	require.Len(t, list.ServiceDeployments, 2)
	failed, first := list.ServiceDeployments[0], list.ServiceDeployments[1]
	require.Equal(t, ServiceDeploymentRollbackSuccessful, failed.Status)
	require.Equal(t, ServiceDeploymentStopped, first.Status, "superseded before it completed")

	out, err := s.cp.DescribeServiceDeployments(s.ctx, &DescribeServiceDeploymentsInput{
		ServiceDeploymentArns: []string{failed.ServiceDeploymentArn, failed.ServiceDeploymentArn + "x"}})
	require.NoError(t, err)
	require.Len(t, out.ServiceDeployments, 1)
	require.Equal(t, []Failure{{Arn: failed.ServiceDeploymentArn + "x", Reason: "MISSING"}}, out.Failures)
	sd := out.ServiceDeployments[0]
	require.Equal(t, failed.TargetServiceRevisionArn, sd.TargetServiceRevision.Arn)
	require.Equal(t, []string{first.TargetServiceRevisionArn}, []string{sd.SourceServiceRevisions[0].Arn})
	require.NotNil(t, sd.Rollback)
	require.Equal(t, first.TargetServiceRevisionArn, sd.Rollback.ServiceRevisionArn, "rolled back to what ran before")
	require.Equal(t, &ServiceDeploymentCircuitBreaker{Status: RollbackMonitorTriggered, FailureCount: 3, Threshold: 3}, sd.DeploymentCircuitBreaker)
	require.EqualValues(t, 3, sd.SourceServiceRevisions[0].RunningTaskCount, "revision 1 runs the service again")

	svc := s.service("web")
	require.Equal(t, failed.ServiceDeploymentArn, svc.CurrentServiceDeployment)
	require.Equal(t, []ServiceCurrentRevisionSummary{{Arn: first.TargetServiceRevisionArn, RequestedTaskCount: 3, RunningTaskCount: 3}}, svc.CurrentServiceRevisions)

	revs, err := s.cp.DescribeServiceRevisions(s.ctx, &DescribeServiceRevisionsInput{
		ServiceRevisionArns: []string{first.TargetServiceRevisionArn, failed.TargetServiceRevisionArn}})
	require.NoError(t, err)
	require.Len(t, revs.ServiceRevisions, 2)
	require.Equal(t, v1.TaskDefinitionArn, revs.ServiceRevisions[0].TaskDefinition)
	require.Equal(t, v2.TaskDefinitionArn, revs.ServiceRevisions[1].TaskDefinition)
	require.Equal(t, []ContainerImage{{ContainerName: "app", Image: "busybox"}}, revs.ServiceRevisions[1].ContainerImages)

	_, err = s.cp.ListServiceDeployments(s.ctx, &ListServiceDeploymentsInput{Service: "nope"})
	require.ErrorIs(t, err, ErrServiceNotFound)
	ok, err := s.cp.ListServiceDeployments(s.ctx, &ListServiceDeploymentsInput{Service: "web", Status: []string{ServiceDeploymentStopped}})
	require.NoError(t, err)
	require.Equal(t, []ServiceDeploymentBrief{first}, ok.ServiceDeployments)
}
