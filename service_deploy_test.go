package ecs

import (
	"strings"
	"testing"
	"time"

	"github.com/ecskit/ecs/internal/reconcile"
	"github.com/stretchr/testify/require"
)

func TestServiceRollingDeploymentLimits(t *testing.T) {
	s := newSim(t, 4, 2, 1024, 2048)
	v1 := s.taskDef("web", false)
	s.createService("web", "web", 4, func(in *CreateServiceInput) {
		in.DeploymentConfiguration = &DeploymentConfiguration{MinimumHealthyPercent: i64(50), MaximumPercent: i64(100)}
	})
	s.runUntil(3*time.Minute, 5*time.Second, "steady", func(st *simState) bool { return st.steady("web") })
	first := s.service("web").Deployments[0].Id

	// From now on: never fewer than ceil(4 × 50%) = 2 healthy tasks, never
	// more than floor(4 × 100%) = 4 tasks not yet STOPPED.
	minSeen := 4
	s.checks = append(s.checks, func(st *simState) {
		h := st.healthy("web")
		minSeen = min(minSeen, h)
		require.GreaterOrEqual(t, h, 2, "healthy tasks at %v", st.now)
		require.LessOrEqual(t, len(st.live("web")), 4, "active tasks at %v", st.now)
	})
	v2 := s.taskDef("web", false)
	svc := s.update(&UpdateServiceInput{Service: "web", TaskDefinition: v2.TaskDefinitionArn})
	require.Len(t, svc.Deployments, 2)
	second := svc.Deployments[0].Id
	require.Equal(t, DeploymentStatusPrimary, svc.Deployments[0].Status)
	require.Equal(t, RolloutStateInProgress, svc.Deployments[0].RolloutState)
	require.Equal(t, "ECS deployment "+second+" in progress.", svc.Deployments[0].RolloutStateReason)
	require.Equal(t, DeploymentStatusActive, svc.Deployments[1].Status)
	require.Equal(t, first, svc.Deployments[1].Id)
	require.Equal(t, v1.TaskDefinitionArn, svc.Deployments[1].TaskDefinition)
	require.EqualValues(t, 4, svc.Deployments[1].RunningCount)

	s.runUntil(5*time.Minute, 5*time.Second, "deployment", func(st *simState) bool {
		return st.steady("web") && st.services["web"].Deployments[0].Id == second
	})
	require.Equal(t, 2, minSeen, "the deployment used the room minimumHealthyPercent gives")
	svc = s.service("web")
	require.Equal(t, v2.TaskDefinitionArn, svc.TaskDefinition)
	require.Equal(t, RolloutStateCompleted, svc.Deployments[0].RolloutState)
	require.True(t, hasEvent(svc, "(service web) (deployment "+second+") deployment completed."))
	for _, tk := range s.state().live("web") {
		require.Equal(t, second, tk.Task.StartedBy)
	}

	// Updating the count, strategies or constraints starts no deployment.
	svc = s.update(&UpdateServiceInput{Service: "web", DesiredCount: i64(2),
		PlacementConstraints: []PlacementConstraint{{Type: "distinctInstance"}},
		PlacementStrategy:    []PlacementStrategy{{Type: "spread", Field: "instanceId"}}})
	require.Len(t, svc.Deployments, 1)
	require.Equal(t, second, svc.Deployments[0].Id)
	// forceNewDeployment does, with the same task definition.
	svc = s.update(&UpdateServiceInput{Service: "web", ForceNewDeployment: true})
	require.Len(t, svc.Deployments, 2)
	require.Equal(t, v2.TaskDefinitionArn, svc.Deployments[0].TaskDefinition)
}

func TestServiceDefaultDeploymentStartsBeforeStopping(t *testing.T) {
	// min 100 / max 200: the new tasks start first; old ones stop only
	// once new ones are healthy.
	s := newSim(t, 3, 3, 2048, 4096)
	s.taskDef("web", true)
	s.createService("web", "web", 3)
	s.runUntil(3*time.Minute, 5*time.Second, "steady", func(st *simState) bool { return st.steady("web") })
	s.checks = append(s.checks, func(st *simState) {
		require.GreaterOrEqual(t, st.healthy("web"), 3)
		require.LessOrEqual(t, len(st.live("web")), 6)
	})
	s.taskDef("web", true)
	second := s.update(&UpdateServiceInput{Service: "web", TaskDefinition: "web"}).Deployments[0].Id
	s.runUntil(5*time.Minute, 5*time.Second, "deployment", func(st *simState) bool {
		return st.steady("web") && st.services["web"].Deployments[0].Id == second
	})
}

func TestServiceStuckDeploymentEvent(t *testing.T) {
	s := newSim(t, 2, 2, 1024, 2048)
	s.taskDef("web", false)
	s.createService("web", "web", 2, func(in *CreateServiceInput) {
		in.DeploymentConfiguration = &DeploymentConfiguration{MinimumHealthyPercent: i64(100), MaximumPercent: i64(100)}
	})
	s.runUntil(3*time.Minute, 5*time.Second, "steady", func(st *simState) bool { return st.steady("web") })
	s.taskDef("web", false)
	s.update(&UpdateServiceInput{Service: "web", TaskDefinition: "web"})
	s.run(time.Minute, 5*time.Second)
	svc := s.service("web")
	require.Equal(t, reconcile.MsgStuck("web"), svc.Events[0].Message)
	require.Len(t, svc.Deployments, 2)
	require.EqualValues(t, 2, svc.RunningCount)
}

func TestServiceCircuitBreakerRollsBack(t *testing.T) {
	s := newSim(t, 3, 3, 2048, 4096)
	v1 := s.taskDef("web", false)
	s.createService("web", "web", 4, func(in *CreateServiceInput) {
		in.DeploymentConfiguration = &DeploymentConfiguration{
			DeploymentCircuitBreaker: &DeploymentCircuitBreaker{Enable: true, Rollback: true},
		}
	})
	s.runUntil(3*time.Minute, 5*time.Second, "steady", func(st *simState) bool { return st.steady("web") })
	good := s.service("web").Deployments[0].Id

	// v2's container exits as soon as it starts.
	v2 := s.taskDef("web", false, "ECSKIT_FAKE_RUN_FOR", "0s", "ECSKIT_FAKE_EXIT_CODE", "1")
	bad := s.update(&UpdateServiceInput{Service: "web", TaskDefinition: v2.TaskDefinitionArn}).Deployments[0].Id
	s.runUntil(10*time.Minute, 5*time.Second, "rollback", func(st *simState) bool {
		svc := st.services["web"]
		return svc.Deployments[0].Id != bad && svc.Deployments[0].Id != good
	})
	svc := s.service("web")
	var failed *Deployment
	for i := range svc.Deployments {
		if svc.Deployments[i].Id == bad {
			failed = &svc.Deployments[i]
		}
	}
	require.NotNil(t, failed)
	require.Equal(t, RolloutStateFailed, failed.RolloutState)
	require.Equal(t, "ECS deployment circuit breaker: tasks failed to start.", failed.RolloutStateReason)
	require.EqualValues(t, 3, failed.FailedTasks, "threshold clamp(ceil(0.5 × 4), 3, 200) = 3")
	rollback := svc.Deployments[0]
	require.Equal(t, v1.TaskDefinitionArn, rollback.TaskDefinition)
	require.Equal(t, "ECS deployment circuit breaker: rolling back to deploymentId "+good+".", rollback.RolloutStateReason)
	require.Equal(t, v1.TaskDefinitionArn, svc.TaskDefinition)
	require.True(t, hasEvent(svc, "(service web) (deployment "+bad+") deployment failed: tasks failed to start."))

	s.runUntil(5*time.Minute, 5*time.Second, "rolled back", func(st *simState) bool { return st.steady("web") })
	svc = s.service("web")
	require.Equal(t, rollback.Id, svc.Deployments[0].Id)
	require.Equal(t, RolloutStateCompleted, svc.Deployments[0].RolloutState)
	for _, tk := range s.state().live("web") {
		require.Equal(t, v1.TaskDefinitionArn, tk.Task.TaskDefinitionArn)
	}
}

func TestServiceCircuitBreakerWithoutRollback(t *testing.T) {
	s := newSim(t, 2, 2, 2048, 4096)
	s.taskDef("web", false, "ECSKIT_FAKE_START_ERROR", "no such image")
	s.createService("web", "web", 2, func(in *CreateServiceInput) {
		in.DeploymentConfiguration = &DeploymentConfiguration{
			DeploymentCircuitBreaker: &DeploymentCircuitBreaker{Enable: true},
		}
	})
	s.runUntil(30*time.Minute, 5*time.Second, "breaker", func(st *simState) bool {
		return st.services["web"].Deployments[0].RolloutState == RolloutStateFailed
	})
	// A FAILED deployment launches nothing more.
	n := len(s.state().tasks)
	s.run(30*time.Minute, 30*time.Second)
	require.Len(t, s.state().tasks, n)
	svc := s.service("web")
	require.Len(t, svc.Deployments, 1)
	require.EqualValues(t, 3, svc.Deployments[0].FailedTasks)
}

func TestServiceLaunchThrottle(t *testing.T) {
	s := newSim(t, 1, 1, 2048, 4096)
	s.taskDef("web", false, "ECSKIT_FAKE_START_ERROR", "boom")
	s.createService("web", "web", 1)
	s.checkAll = true
	var launches []time.Time
	seen := map[string]bool{}
	s.checks = append(s.checks, func(st *simState) {
		for _, tk := range st.tasks {
			if !seen[tk.ID] {
				seen[tk.ID] = true
				launches = append(launches, tk.Task.CreatedAt.Time)
			}
		}
	})
	// 5 s, 10 s, 20 s, … 640 s, then 15 min: the cap is reached after
	// about 36 minutes.
	s.run(time.Hour, 10*time.Second)
	require.Greater(t, len(launches), 8)
	var gaps []time.Duration
	for i := 1; i < len(launches); i++ {
		gaps = append(gaps, launches[i].Sub(launches[i-1]))
	}
	for i := 1; i < len(gaps); i++ {
		require.GreaterOrEqual(t, gaps[i], gaps[i-1], "the delay grows: %v", gaps)
		require.LessOrEqual(t, gaps[i], reconcile.ThrottleMax+10*time.Second, "at most 15 minutes: %v", gaps)
	}
	require.GreaterOrEqual(t, gaps[len(gaps)-1], reconcile.ThrottleMax, "reaches 15 minutes: %v", gaps)
	svc := s.service("web")
	require.True(t, hasEvent(svc, "(service web) is unable to consistently start tasks successfully."))

	// A new deployment resets the throttle: the next launch is immediate.
	s.taskDef("web", false)
	before := len(launches)
	s.update(&UpdateServiceInput{Service: "web", TaskDefinition: "web"})
	s.settle()
	require.Greater(t, len(launches), before)
	s.runUntil(2*time.Minute, 5*time.Second, "steady", func(st *simState) bool { return st.steady("web") })
}

func TestServiceDrainingInstance(t *testing.T) {
	s := newSim(t, 3, 3, 1024, 2048)
	s.taskDef("web", false)
	s.taskDef("batch", false)
	s.createService("web", "web", 3)
	s.runUntil(3*time.Minute, 5*time.Second, "steady", func(st *simState) bool { return st.steady("web") })
	drained := s.insts[0]
	drainedID := drained[strings.LastIndex(drained, "/")+1:]
	rt, err := s.cp.StartTask(s.ctx, &StartTaskInput{TaskDefinition: "batch", ContainerInstances: []string{drained}})
	require.NoError(t, err)
	require.Len(t, rt.Tasks, 1)
	standalone := rt.Tasks[0].TaskArn
	s.settle()

	s.checkAll = true
	placedOnDrained := 0
	seen := map[string]bool{}
	for _, tk := range s.state().tasks {
		seen[tk.ID] = true
	}
	s.checks = append(s.checks, func(st *simState) {
		require.GreaterOrEqual(t, st.healthy("web"), 3, "min 100%% at %v", st.now)
		require.LessOrEqual(t, len(st.live("web")), 6, "max 200%%")
		for _, tk := range st.tasks {
			if !seen[tk.ID] {
				seen[tk.ID] = true
				if tk.InstanceID == drainedID {
					placedOnDrained++
				}
			}
		}
	})
	_, err = s.cp.UpdateContainerInstancesState(s.ctx, &UpdateContainerInstancesStateInput{ContainerInstances: []string{drained}, Status: StatusDraining})
	require.NoError(t, err)
	s.runUntil(5*time.Minute, 5*time.Second, "drained", func(st *simState) bool {
		for _, tk := range st.live("web") {
			if tk.InstanceID == drainedID {
				return false
			}
		}
		return st.steady("web")
	})
	require.Zero(t, placedOnDrained, "no placement on a DRAINING instance")
	dt, err := s.cp.DescribeTasks(s.ctx, &DescribeTasksInput{Tasks: []string{standalone}})
	require.NoError(t, err)
	require.Equal(t, TaskStatusRunning, dt.Tasks[0].LastStatus, "standalone tasks are left alone")
	require.Equal(t, TaskStatusRunning, dt.Tasks[0].DesiredStatus)
	require.Len(t, s.service("web").Deployments, 1, "draining starts no deployment")
}

func TestServiceNoThrottleAfterRunning(t *testing.T) {
	// Tasks that reach RUNNING and then exit are replaced at once, however
	// often: the throttle is for tasks that never start.
	s := newSim(t, 1, 1, 2048, 4096)
	s.taskDef("web", false, "ECSKIT_FAKE_RUN_FOR", "5s")
	s.createService("web", "web", 1)
	s.run(4*time.Minute, 5*time.Second)
	st := s.state()
	require.Greater(t, len(st.tasks), 20)
	svc := st.services["web"]
	require.False(t, hasEvent(svc, reconcile.MsgThrottled("web")))
}
