package ecs

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// daemonsByInstance counts a service's tasks desired RUNNING per instance.
func daemonsByInstance(st *simState, service string) map[string]int {
	out := map[string]int{}
	for _, tk := range st.live(service) {
		if tk.Task.DesiredStatus == TaskStatusRunning {
			out[tk.InstanceID]++
		}
	}
	return out
}

func instID(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

func TestServiceDaemon(t *testing.T) {
	s := newSim(t, 3, 3, 1024, 2048)
	s.taskDef("agent", false)
	// Only instances with role=worker take the daemon.
	for _, arn := range s.insts {
		_, err := s.cp.PutAttributes(s.ctx, &PutAttributesInput{Attributes: []Attribute{{Name: "role", Value: "worker", TargetId: arn}}})
		require.NoError(t, err)
	}
	other := s.addInstance("us-east-1a", 1024, 2048, Attribute{Name: "role", Value: "db"})
	svc, err := s.cp.CreateService(s.ctx, &CreateServiceInput{ServiceName: "agent", TaskDefinition: "agent",
		SchedulingStrategy:   SchedulingStrategyDaemon,
		PlacementConstraints: []PlacementConstraint{{Type: "memberOf", Expression: "attribute:role == worker"}}})
	require.NoError(t, err)
	require.EqualValues(t, 100, *svc.Service.DeploymentConfiguration.MaximumPercent)
	require.EqualValues(t, 0, *svc.Service.DeploymentConfiguration.MinimumHealthyPercent)

	// Never two daemon tasks on one instance.
	s.checks = append(s.checks, func(st *simState) {
		for inst, n := range daemonsByInstance(st, "agent") {
			require.LessOrEqual(t, n, 1, "instance %s", inst)
		}
	})
	s.runUntil(3*time.Minute, 5*time.Second, "steady", func(st *simState) bool { return st.steady("agent") })
	st := s.state()
	require.EqualValues(t, 3, st.services["agent"].DesiredCount)
	require.Zero(t, daemonsByInstance(st, "agent")[instID(other)], "the db instance does not match")

	// A new matching instance gets one.
	added := s.addInstance("us-east-1b", 1024, 2048, Attribute{Name: "role", Value: "worker"})
	s.runUntil(3*time.Minute, 5*time.Second, "new instance", func(st *simState) bool {
		return st.steady("agent") && st.services["agent"].DesiredCount == 4
	})
	require.Equal(t, 1, daemonsByInstance(s.state(), "agent")[instID(added)])

	// A DRAINING instance loses its task; so does one that stops matching.
	_, err = s.cp.UpdateContainerInstancesState(s.ctx, &UpdateContainerInstancesStateInput{ContainerInstances: []string{s.insts[0]}, Status: StatusDraining})
	require.NoError(t, err)
	_, err = s.cp.PutAttributes(s.ctx, &PutAttributesInput{Attributes: []Attribute{{Name: "role", Value: "db", TargetId: s.insts[1]}}})
	require.NoError(t, err)
	s.runUntil(3*time.Minute, 5*time.Second, "shrink", func(st *simState) bool {
		return st.steady("agent") && st.services["agent"].DesiredCount == 2
	})
	by := daemonsByInstance(s.state(), "agent")
	require.Zero(t, by[instID(s.insts[0])])
	require.Zero(t, by[instID(s.insts[1])])

	// A new task definition replaces the tasks instance by instance.
	s.taskDef("agent", false)
	dep := s.update(&UpdateServiceInput{Service: "agent", TaskDefinition: "agent"}).Deployments[0].Id
	s.runUntil(5*time.Minute, 5*time.Second, "daemon deployment", func(st *simState) bool {
		return st.steady("agent") && st.services["agent"].Deployments[0].Id == dep
	})
	for _, tk := range s.state().live("agent") {
		require.Equal(t, dep, tk.Task.StartedBy)
	}
}

func TestServiceDaemonValidation(t *testing.T) {
	s := newSim(t, 1, 1, 1024, 2048)
	s.taskDef("agent", false)
	_, err := s.cp.CreateService(s.ctx, &CreateServiceInput{ServiceName: "agent", TaskDefinition: "agent",
		SchedulingStrategy:      SchedulingStrategyDaemon,
		DeploymentConfiguration: &DeploymentConfiguration{MaximumPercent: i64(200)}})
	require.Equal(t, InvalidParameterException, ErrorCode(err))
	_, err = s.cp.CreateService(s.ctx, &CreateServiceInput{ServiceName: "agent", TaskDefinition: "agent",
		SchedulingStrategy: SchedulingStrategyDaemon,
		PlacementStrategy:  []PlacementStrategy{{Type: "random"}}})
	require.Equal(t, InvalidParameterException, ErrorCode(err))
	_, err = s.cp.CreateService(s.ctx, &CreateServiceInput{ServiceName: "agent", TaskDefinition: "agent", SchedulingStrategy: SchedulingStrategyDaemon})
	require.NoError(t, err)
	_, err = s.cp.UpdateService(s.ctx, &UpdateServiceInput{Service: "agent", DesiredCount: i64(3)})
	require.Equal(t, InvalidParameterException, ErrorCode(err))
	// A DAEMON service needs no force to be deleted.
	out, err := s.cp.DeleteService(s.ctx, &DeleteServiceInput{Service: "agent"})
	require.NoError(t, err)
	require.Equal(t, StatusDraining, out.Service.Status)
}

// follower never leads: a control plane opened with it runs no
// controllers of its own, so a test's rounds are the only ones.
type follower struct{}

func (follower) Lead(ctx context.Context) (context.Context, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestServiceDaemonTasksGoFirstOnANewInstance(t *testing.T) {
	// The instance has room for four tasks; the REPLICA service wants
	// four and sorts first, but the DAEMON task is placed first. Only the
	// test's own rounds run, so that none straddles the registration.
	s := newSim(t, 0, 1, 1024, 2048, WithElector(follower{}))
	s.taskDef("web", false)
	s.taskDef("agent", false)
	s.createService("a-web", "web", 4)
	_, err := s.cp.CreateService(s.ctx, &CreateServiceInput{ServiceName: "z-agent", TaskDefinition: "agent", SchedulingStrategy: SchedulingStrategyDaemon})
	require.NoError(t, err)
	s.settle()
	inst := instID(s.addInstance("us-east-1a", 1024, 2048))
	s.run(time.Minute, 5*time.Second)
	st := s.state()
	require.Equal(t, 1, daemonsByInstance(st, "z-agent")[inst], "the daemon task got the instance")
	require.Len(t, st.live("a-web"), 3, "the replicas took what was left")
}
