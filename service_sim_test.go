package ecs

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/internal/reconcile"
	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/internal/services"
	"github.com/ecskit/ecs/store"
	"github.com/stretchr/testify/require"
)

// The service tests run the control plane on a fake clock with a stand-in
// agent per instance: simAgentStep polls each instance's tasks (which keeps
// its agent connected) and moves them along as the runtime/fake
// environment variables script them (ECSKIT_FAKE_RUN_FOR,
// ECSKIT_FAKE_EXIT_CODE, ECSKIT_FAKE_HEALTH, ECSKIT_FAKE_START_ERROR).
// A task starts at the first step after it is placed and stops at the first
// step after it is told to.

// sim is a simulated cluster.
type sim struct {
	t      *testing.T
	ctx    context.Context
	cp     *ControlPlane
	clk    *clock.Fake
	insts  []string
	killed map[string]bool
	// checks run after every settle step; they see STOPPED tasks too if
	// checkAll is set.
	checks   []func(*simState)
	checkAll bool
	// planes are every control plane opened on the sim's store; agents
	// count as connected to all of them.
	planes []*ControlPlane
}

var simStart = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// newSim opens a control plane with n instances of cpu/mem spread over azs
// Availability Zones.
func newSim(t *testing.T, n, azs int, cpu, mem int64, opts ...Option) *sim {
	t.Helper()
	clk := clock.NewFake(simStart)
	s := &sim{t: t, ctx: context.Background(), clk: clk, killed: map[string]bool{}}
	s.cp = s.open(opts...)
	_, err := s.cp.CreateCluster(s.ctx, &CreateClusterInput{})
	require.NoError(t, err)
	for i := range n {
		s.addInstance(fmt.Sprintf("us-east-1%c", 'a'+i%azs), cpu, mem)
	}
	return s
}

// open opens a control plane on the sim's clock (and, with WithStore, on a
// shared store).
func (s *sim) open(opts ...Option) *ControlPlane {
	s.t.Helper()
	var ids atomic.Int64
	prefix := len(s.planes)
	cp, err := Open(append([]Option{WithClock(s.clk), WithRandSeed(uint64(7 + prefix)), WithIDGenerator(func() string {
		return fmt.Sprintf("%02x%030x", prefix, ids.Add(1))
	})}, opts...)...)
	require.NoError(s.t, err)
	s.t.Cleanup(func() { _ = cp.Close() })
	s.planes = append(s.planes, cp)
	return cp
}

// addInstance registers one more instance.
func (s *sim) addInstance(az string, cpu, mem int64, attrs ...Attribute) string {
	s.t.Helper()
	doc := fmt.Sprintf(`{"availabilityZone":%q}`, az)
	out, err := s.cp.RegisterContainerInstance(s.ctx, &RegisterContainerInstanceInput{
		InstanceIdentityDocument: doc,
		TotalResources: []Resource{
			{Name: ResourceCPU, Type: "INTEGER", IntegerValue: cpu},
			{Name: ResourceMemory, Type: "INTEGER", IntegerValue: mem},
		},
		Attributes: append([]Attribute{{Name: "ecs.capability.container-health-check"}}, attrs...),
	})
	require.NoError(s.t, err)
	s.insts = append(s.insts, out.ContainerInstance.ContainerInstanceArn)
	return out.ContainerInstance.ContainerInstanceArn
}

// taskDef registers a one-container task definition scripted by env;
// health adds a container health check.
func (s *sim) taskDef(family string, health bool, env ...string) *TaskDefinition {
	s.t.Helper()
	mem := int64(256)
	cd := ContainerDefinition{Name: "app", Image: "busybox", Cpu: 256, Memory: &mem}
	for i := 0; i+1 < len(env); i += 2 {
		cd.Environment = append(cd.Environment, KeyValuePair{Name: env[i], Value: env[i+1]})
	}
	if health {
		iv := int64(10)
		cd.HealthCheck = &HealthCheck{Command: []string{"CMD-SHELL", "true"}, Interval: &iv}
	}
	out, err := s.cp.RegisterTaskDefinition(s.ctx, &RegisterTaskDefinitionInput{Family: family, ContainerDefinitions: []ContainerDefinition{cd}})
	require.NoError(s.t, err)
	return out.TaskDefinition
}

func simEnv(td *TaskDefinition, name string) string {
	for _, kv := range td.ContainerDefinitions[0].Environment {
		if kv.Name == name {
			return kv.Value
		}
	}
	return ""
}

// agentStep lets every instance's agent act once. It reads all tasks in
// one snapshot rather than polling each instance (that would list the
// cluster's tasks once per instance), and keeps every registered agent
// connected as a poll would.
func (s *sim) agentStep() {
	now := s.clk.Now()
	type assigned struct {
		task *Task
		td   *TaskDefinition
	}
	var work []assigned
	require.NoError(s.t, s.cp.store.View(s.ctx, func(tx store.Tx) error {
		insts, err := record.List[record.Instance](tx, record.InstancePrefix(DefaultCluster))
		if err != nil {
			return err
		}
		active := map[string]bool{}
		for _, in := range insts {
			if in.Status != StatusInactive {
				active[in.ID] = true
				for _, cp := range s.planes {
					cp.agents.Touch(cp.instanceARN(DefaultCluster, in.ID))
				}
			}
		}
		tasks, err := liveTasks(tx, false)
		if err != nil {
			return err
		}
		tds := map[string]*TaskDefinition{}
		for _, t := range tasks {
			if t.Task.LastStatus == TaskStatusStopped || !active[t.InstanceID] {
				continue
			}
			k := record.TaskDefinitionKey(t.Family, t.Revision)
			if tds[k] == nil {
				var rec record.TaskDefinition
				if _, err := record.Get(tx, k, &rec); err != nil {
					return err
				}
				tds[k] = &rec.TaskDefinition
			}
			work = append(work, assigned{&t.Task, tds[k]})
		}
		return nil
	}))
	for _, w := range work {
		s.drive(w.task, w.td, now)
	}
}

func (s *sim) drive(t *Task, td *TaskDefinition, now time.Time) {
	stop := func(code, reason string, exit int64) {
		s.submit(&SubmitTaskStateChangeInput{Task: t.TaskArn, Status: TaskStatusStopped, StopCode: code, Reason: reason,
			Containers: []ContainerStateChange{{ContainerName: "app", Status: TaskStatusStopped, ExitCode: &exit}}})
	}
	switch {
	case t.LastStatus == TaskStatusStopped:
	case t.DesiredStatus == TaskStatusStopped:
		stop("", "", 143)
	case t.LastStatus != TaskStatusRunning:
		if msg := simEnv(td, "ECSKIT_FAKE_START_ERROR"); msg != "" {
			s.submit(&SubmitTaskStateChangeInput{Task: t.TaskArn, Status: TaskStatusStopped, StopCode: StopCodeTaskFailedToStart,
				Reason:     "CannotStartContainerError: " + msg,
				Containers: []ContainerStateChange{{ContainerName: "app", Status: TaskStatusStopped, Reason: "CannotStartContainerError: " + msg}}})
			return
		}
		s.submit(&SubmitTaskStateChangeInput{Task: t.TaskArn, Status: TaskStatusRunning,
			Containers: []ContainerStateChange{{ContainerName: "app", Status: TaskStatusRunning, RuntimeId: "c-" + t.TaskArn[len(t.TaskArn)-8:]}}})
	case s.killed[t.TaskArn]:
		stop(StopCodeEssentialContainerExited, "", 137)
	default:
		if d, err := time.ParseDuration(simEnv(td, "ECSKIT_FAKE_RUN_FOR")); err == nil && !now.Before(t.StartedAt.Add(d)) {
			code, _ := strconv.ParseInt(simEnv(td, "ECSKIT_FAKE_EXIT_CODE"), 10, 64)
			stop(StopCodeEssentialContainerExited, "", code)
			return
		}
		hc := td.ContainerDefinitions[0].HealthCheck
		if hc != nil && t.Containers[0].HealthStatus != HealthHealthy && t.Containers[0].HealthStatus != HealthUnhealthy &&
			!now.Before(t.StartedAt.Add(time.Duration(*hc.Interval)*time.Second)) {
			health := HealthHealthy
			if simEnv(td, "ECSKIT_FAKE_HEALTH") == "unhealthy" {
				health = HealthUnhealthy
			}
			s.submit(&SubmitTaskStateChangeInput{Task: t.TaskArn, Status: TaskStatusRunning,
				Containers: []ContainerStateChange{{ContainerName: "app", Status: TaskStatusRunning, HealthStatus: health}}})
		}
	}
}

func (s *sim) submit(in *SubmitTaskStateChangeInput) {
	_, err := s.cp.SubmitTaskStateChange(s.ctx, in)
	require.NoError(s.t, err)
}

func (s *sim) revision() int64 {
	var rev int64
	require.NoError(s.t, s.cp.store.View(s.ctx, func(tx store.Tx) error { rev = tx.Revision(); return nil }))
	return rev
}

// settle lets agents and the scheduler act until nothing changes.
func (s *sim) settle() {
	s.t.Helper()
	for range 100 {
		rev := s.revision()
		s.agentStep()
		_, err := s.cp.reconcileServices(s.ctx)
		require.NoError(s.t, err)
		if s.revision() == rev {
			return
		}
		s.check()
	}
	s.t.Fatal("the cluster did not settle")
}

// run advances the fake clock by d in steps, settling after each.
func (s *sim) run(d, step time.Duration) {
	s.t.Helper()
	for end := s.clk.Now().Add(d); s.clk.Now().Before(end); {
		s.clk.Advance(step)
		s.settle()
	}
}

// runUntil advances until cond holds, failing after limit.
func (s *sim) runUntil(limit, step time.Duration, what string, cond func(*simState) bool) {
	s.t.Helper()
	s.settle()
	for end := s.clk.Now().Add(limit); !cond(s.state()); {
		if !s.clk.Now().Before(end) {
			s.t.Fatalf("after %v: %s never happened", limit, what)
		}
		s.clk.Advance(step)
		s.settle()
	}
}

// liveTasks decodes the cluster's tasks; without all, only those not
// STOPPED (the others are skipped undecoded: a simulated hour leaves many).
func liveTasks(tx store.Tx, all bool) ([]record.Task, error) {
	recs, err := tx.List(record.TaskPrefix(DefaultCluster))
	if err != nil {
		return nil, err
	}
	var out []record.Task
	for _, r := range recs {
		var t record.Task
		if err := record.DecodeTask(r.Value, &t); err != nil {
			return nil, err
		}
		if all || t.Task.LastStatus != TaskStatusStopped {
			out = append(out, t)
		}
	}
	return out, nil
}

// simState is one consistent snapshot of the store.
type simState struct {
	now time.Time
	// tasks holds every task, or in the checks of a sim without checkAll
	// only those not STOPPED.
	services map[string]*Service
	tasks    []record.Task
	insts    []record.Instance
}

func (s *sim) state() *simState { return s.snapshot(true) }

func (s *sim) snapshot(all bool) *simState {
	st := &simState{now: s.clk.Now(), services: map[string]*Service{}}
	require.NoError(s.t, s.cp.store.View(s.ctx, func(tx store.Tx) error {
		var err error
		if st.tasks, err = liveTasks(tx, all); err != nil {
			return err
		}
		if st.insts, err = record.List[record.Instance](tx, record.InstancePrefix(DefaultCluster)); err != nil {
			return err
		}
		recs, err := record.List[services.Record](tx, services.Prefix(DefaultCluster))
		for i := range recs {
			v, err := s.cp.services.View(tx, &recs[i], true)
			if err != nil {
				return err
			}
			st.services[v.ServiceName] = v
		}
		return err
	}))
	return st
}

// live returns a service's tasks that are not STOPPED.
func (st *simState) live(service string) []record.Task {
	var out []record.Task
	for _, t := range st.tasks {
		if t.ServiceName == service && t.Task.LastStatus != TaskStatusStopped {
			out = append(out, t)
		}
	}
	return out
}

// healthy counts a service's healthy tasks: RUNNING, desired RUNNING and
// HEALTHY or (without health checks) RUNNING for 40 s.
func (st *simState) healthy(service string) int {
	n := 0
	for _, t := range st.live(service) {
		if t.Task.LastStatus != TaskStatusRunning || t.Task.DesiredStatus != TaskStatusRunning {
			continue
		}
		if t.Task.HealthStatus == HealthHealthy || !st.now.Before(t.Task.StartedAt.Add(reconcile.HealthyAfter)) && t.Task.HealthStatus != HealthUnhealthy {
			n++
		}
	}
	return n
}

// steady reports whether a service runs its desired count in one
// deployment (the ServicesStable waiter's condition) with nothing else
// pending or stopping.
func (st *simState) steady(service string) bool {
	svc := st.services[service]
	return svc != nil && len(svc.Deployments) == 1 && svc.Deployments[0].RolloutState == RolloutStateCompleted &&
		svc.RunningCount == svc.DesiredCount &&
		svc.PendingCount == 0 && len(st.live(service)) == int(svc.DesiredCount) && st.healthy(service) == int(svc.DesiredCount)
}

// check asserts the invariants that hold at every moment: no instance is
// over-committed, its accounting matches its tasks, and every service's
// counts match its tasks.
func (s *sim) check() {
	s.t.Helper()
	st := s.snapshot(s.checkAll)
	for _, in := range st.insts {
		var cpu, mem int64
		for _, t := range st.tasks {
			if t.InstanceID == in.ID && t.Task.LastStatus != TaskStatusStopped {
				cpu += t.CPU
				mem += t.Memory
			}
		}
		require.LessOrEqual(s.t, cpu, in.CPU, "instance %s over-committed (CPU)", in.ID)
		require.LessOrEqual(s.t, mem, in.Memory, "instance %s over-committed (memory)", in.ID)
		require.Equal(s.t, cpu, in.UsedCPU, "instance %s CPU accounting", in.ID)
	}
	for name, svc := range st.services {
		var running, pending int64
		dep := map[string][2]int64{}
		for _, t := range st.live(name) {
			c := dep[t.Task.StartedBy]
			switch t.Task.LastStatus {
			case TaskStatusRunning:
				running++
				c[0]++
			case TaskStatusPending, TaskStatusProvisioning, TaskStatusActivating:
				pending++
				c[1]++
			}
			dep[t.Task.StartedBy] = c
		}
		require.Equal(s.t, running, svc.RunningCount, "%s runningCount", name)
		require.Equal(s.t, pending, svc.PendingCount, "%s pendingCount", name)
		for _, d := range svc.Deployments {
			require.Equal(s.t, dep[d.Id][0], d.RunningCount, "%s %s runningCount", name, d.Id)
			require.Equal(s.t, dep[d.Id][1], d.PendingCount, "%s %s pendingCount", name, d.Id)
		}
		require.LessOrEqual(s.t, len(svc.Events), services.MaxEvents)
		for i := 1; i < len(svc.Events); i++ {
			require.False(s.t, svc.Events[i].CreatedAt.After(svc.Events[i-1].CreatedAt.Time), "events newest first")
		}
	}
	for _, c := range s.checks {
		c(st)
	}
}

// createService creates a REPLICA service of desired tasks.
func (s *sim) createService(name, td string, desired int64, mod ...func(*CreateServiceInput)) *Service {
	s.t.Helper()
	in := &CreateServiceInput{ServiceName: name, TaskDefinition: td, DesiredCount: &desired}
	for _, m := range mod {
		m(in)
	}
	out, err := s.cp.CreateService(s.ctx, in)
	require.NoError(s.t, err)
	return out.Service
}

func (s *sim) service(name string) *Service {
	s.t.Helper()
	out, err := s.cp.DescribeServices(s.ctx, &DescribeServicesInput{Services: []string{name}})
	require.NoError(s.t, err)
	require.Len(s.t, out.Services, 1)
	return &out.Services[0]
}

func (s *sim) update(in *UpdateServiceInput) *Service {
	s.t.Helper()
	out, err := s.cp.UpdateService(s.ctx, in)
	require.NoError(s.t, err)
	return out.Service
}

// hasEvent reports whether a service has an event with exactly msg.
func hasEvent(svc *Service, msg string) bool {
	for _, e := range svc.Events {
		if e.Message == msg {
			return true
		}
	}
	return false
}

func i64(v int64) *int64 { return &v }
