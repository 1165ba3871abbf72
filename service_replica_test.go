package ecs

import (
	"strings"
	"testing"
	"time"

	"github.com/ecskit/ecs/internal/reconcile"
	"github.com/stretchr/testify/require"
)

func TestServiceReplicaKeepsDesiredCount(t *testing.T) {
	s := newSim(t, 3, 3, 1024, 2048)
	td := s.taskDef("web", false)
	s.createService("web", "web", 3)
	s.runUntil(5*time.Minute, 5*time.Second, "steady", func(st *simState) bool { return st.steady("web") })

	svc := s.service("web")
	require.Equal(t, StatusActive, svc.Status)
	require.EqualValues(t, 3, svc.RunningCount)
	require.Len(t, svc.Deployments, 1)
	dep := svc.Deployments[0]
	require.Regexp(t, `^ecs-svc/\d{19}$`, dep.Id)
	require.Equal(t, DeploymentStatusPrimary, dep.Status)
	require.Equal(t, RolloutStateCompleted, dep.RolloutState)
	require.Equal(t, "ECS deployment "+dep.Id+" completed.", dep.RolloutStateReason)
	require.Equal(t, td.TaskDefinitionArn, dep.TaskDefinition)
	require.True(t, hasEvent(svc, "(service web) has reached a steady state."))
	require.True(t, hasEvent(svc, "(service web) (deployment "+dep.Id+") deployment completed."))
	require.True(t, strings.HasPrefix(svc.Events[len(svc.Events)-1].Message, "(service web) has started 3 tasks: (task "), svc.Events[len(svc.Events)-1].Message)

	// The default strategy spreads over the three AZs, one task each.
	st := s.state()
	azs := map[string]int{}
	for _, tk := range st.live("web") {
		require.Equal(t, "service:web", tk.Task.Group)
		require.Equal(t, dep.Id, tk.Task.StartedBy)
		azs[tk.Task.AvailabilityZone]++
	}
	require.Equal(t, map[string]int{"us-east-1a": 1, "us-east-1b": 1, "us-east-1c": 1}, azs)

	// A task that exits is replaced.
	victim := st.live("web")[0]
	s.killed[victim.Task.TaskArn] = true
	s.settle()
	s.runUntil(2*time.Minute, 5*time.Second, "replacement", func(st *simState) bool { return st.steady("web") })
	svc = s.service("web")
	require.Len(t, svc.Deployments, 1, "a replacement starts no deployment")
	require.Equal(t, dep.Id, svc.Deployments[0].Id)
	require.EqualValues(t, 0, svc.Deployments[0].FailedTasks, "a healthy task that exits is no failed task")

	// Scaling out and in starts no deployment.
	s.update(&UpdateServiceInput{Service: "web", DesiredCount: i64(5)})
	s.runUntil(2*time.Minute, 5*time.Second, "scale out", func(st *simState) bool { return st.steady("web") && st.services["web"].DesiredCount == 5 })
	svc = s.update(&UpdateServiceInput{Service: "web", DesiredCount: i64(1),
		PlacementStrategy: []PlacementStrategy{{Type: "binpack", Field: "memory"}}})
	require.Len(t, svc.Deployments, 1)
	require.Equal(t, dep.Id, svc.Deployments[0].Id)
	s.runUntil(2*time.Minute, 5*time.Second, "scale in", func(st *simState) bool { return st.steady("web") && st.services["web"].DesiredCount == 1 })
	svc = s.service("web")
	require.True(t, strings.HasPrefix(svc.Events[0].Message, "(service web) has reached a steady state."), svc.Events[0].Message)
	stopped := 0
	for _, tk := range s.state().tasks {
		if tk.Task.StopCode == StopCodeServiceSchedulerInitiated {
			require.Equal(t, "Scaling activity initiated by (deployment "+dep.Id+")", tk.Task.StoppedReason)
			stopped++
		}
	}
	require.Equal(t, 4, stopped)
}

func TestServiceScaleInSelection(t *testing.T) {
	// Two tasks in us-east-1a, one in us-east-1b: scale-in to 2 stops one
	// in us-east-1a, keeping the AZs balanced.
	s := newSim(t, 0, 1, 0, 0)
	s.addInstance("us-east-1a", 1024, 1024)
	s.addInstance("us-east-1a", 1024, 1024)
	s.taskDef("web", false)
	s.createService("web", "web", 2)
	s.runUntil(2*time.Minute, 5*time.Second, "steady", func(st *simState) bool { return st.steady("web") })
	s.addInstance("us-east-1b", 1024, 1024)
	s.update(&UpdateServiceInput{Service: "web", DesiredCount: i64(3)})
	s.runUntil(2*time.Minute, 5*time.Second, "steady at 3", func(st *simState) bool {
		return st.steady("web") && st.services["web"].DesiredCount == 3
	})
	s.update(&UpdateServiceInput{Service: "web", DesiredCount: i64(2)})
	s.runUntil(2*time.Minute, 5*time.Second, "steady at 2", func(st *simState) bool {
		return st.steady("web") && st.services["web"].DesiredCount == 2
	})
	azs := map[string]int{}
	for _, tk := range s.state().live("web") {
		azs[tk.Task.AvailabilityZone]++
	}
	require.Equal(t, map[string]int{"us-east-1a": 1, "us-east-1b": 1}, azs)
}

func TestServiceReplacesUnhealthyAfterGracePeriod(t *testing.T) {
	s := newSim(t, 2, 2, 1024, 2048)
	s.taskDef("web", true)
	s.createService("web", "web", 2)
	s.runUntil(2*time.Minute, 5*time.Second, "steady", func(st *simState) bool { return st.steady("web") })

	// The new revision's containers turn UNHEALTHY at their first check
	// (10 s): with a 60 s grace period they are kept until then.
	s.taskDef("web", true, "ECSKIT_FAKE_HEALTH", "unhealthy")
	s.update(&UpdateServiceInput{Service: "web", TaskDefinition: "web", HealthCheckGracePeriodSeconds: i64(60)})
	s.checkAll = true
	var firstUnhealthy time.Time
	s.checks = append(s.checks, func(st *simState) {
		for _, tk := range st.tasks {
			if tk.Task.HealthStatus == HealthUnhealthy && firstUnhealthy.IsZero() {
				firstUnhealthy = st.now
			}
			if tk.Task.StoppedReason == reconcile.ReasonUnhealthy {
				require.False(t, st.now.Before(tk.Task.StartedAt.Add(60*time.Second)), "stopped within the grace period")
			}
		}
	})
	s.runUntil(5*time.Minute, 5*time.Second, "an unhealthy task replaced", func(st *simState) bool {
		for _, tk := range st.tasks {
			if tk.Task.StoppedReason == reconcile.ReasonUnhealthy && tk.Task.StopCode == StopCodeServiceSchedulerInitiated {
				return true
			}
		}
		return false
	})
	require.False(t, firstUnhealthy.IsZero())
	svc := s.service("web")
	require.True(t, hasEventPrefix(svc, "(service web) (task "), "health check event")
	// The old deployment stays healthy throughout (min 100%).
	require.GreaterOrEqual(t, s.state().healthy("web"), 2)
}

func hasEventPrefix(svc *Service, prefix string) bool {
	for _, e := range svc.Events {
		if strings.HasPrefix(e.Message, prefix) {
			return true
		}
	}
	return false
}

func TestServicePlacementFailureEvent(t *testing.T) {
	s := newSim(t, 1, 1, 1024, 200)
	s.taskDef("web", false)
	s.createService("web", "web", 1)
	s.run(30*time.Second, 5*time.Second)
	svc := s.service("web")
	id := s.insts[0][strings.LastIndex(s.insts[0], "/")+1:]
	want := "(service web) was unable to place a task because no container instance met all of its requirements. " +
		"The closest matching (container-instance " + id + ") has insufficient memory available. " +
		"For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
	require.Equal(t, want, svc.Events[0].Message)
	n := 0
	for _, e := range svc.Events {
		if e.Message == want {
			n++
		}
	}
	require.Equal(t, 1, n, "a repeated placement failure is reported once")
}

func TestServiceStartsReplacementBeforeStoppingUnhealthy(t *testing.T) {
	s := newSim(t, 2, 2, 1024, 2048)
	s.taskDef("web", true)
	s.createService("web", "web", 2)
	s.runUntil(2*time.Minute, 5*time.Second, "steady", func(st *simState) bool { return st.steady("web") })
	sickTask := s.state().live("web")[0]
	s.submit(&SubmitTaskStateChangeInput{Task: sickTask.Task.TaskArn, Status: TaskStatusRunning,
		Containers: []ContainerStateChange{{ContainerName: "app", Status: TaskStatusRunning, HealthStatus: HealthUnhealthy}}})
	s.settle()
	st := s.state()
	require.Len(t, st.live("web"), 3, "the replacement starts first (maximumPercent 200)")
	for _, tk := range st.live("web") {
		require.Equal(t, TaskStatusRunning, tk.Task.DesiredStatus)
	}
	s.runUntil(2*time.Minute, 5*time.Second, "replaced", func(st *simState) bool { return st.steady("web") })
	dt, err := s.cp.DescribeTasks(s.ctx, &DescribeTasksInput{Tasks: []string{sickTask.Task.TaskArn}})
	require.NoError(t, err)
	require.Equal(t, reconcile.ReasonUnhealthy, dt.Tasks[0].StoppedReason)
	require.Equal(t, StopCodeServiceSchedulerInitiated, dt.Tasks[0].StopCode)
	svc := s.service("web")
	require.True(t, hasEvent(svc, reconcile.MsgUnhealthy("web", sickTask.ID)))
}

func TestServiceSteadyStateReportedEverySixHours(t *testing.T) {
	s := newSim(t, 1, 1, 1024, 2048)
	s.taskDef("web", false)
	s.createService("web", "web", 1)
	s.runUntil(2*time.Minute, 5*time.Second, "steady", func(st *simState) bool { return st.steady("web") })
	s.run(13*time.Hour, 2*time.Minute) // steps within the agent timeout
	n := 0
	for _, e := range s.service("web").Events {
		if e.Message == reconcile.MsgSteady("web") {
			n++
		}
	}
	require.Equal(t, 3, n, "at steady state and after 6 and 12 hours")
}
