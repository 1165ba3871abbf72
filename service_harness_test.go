package ecs_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/runtime/fake"
	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/memory"
	"github.com/stretchr/testify/require"
)

// The service tests in this package run a control plane and real agents
// (agent.New on runtime/fake) on one fake clock. Time moves only when the
// test advances the clock; after every move Settle waits, in real time,
// until the system has done everything it had to do at that fake moment.
// Conditions and assertions are evaluated only then, so a test sees the
// same sequence of states however slow or loaded the machine is.

// Settle's tuning. The quiet window (settleChecks × settleWait) must be
// longer than the longest real-time wait inside the control plane between
// two signs of progress (the cache's 2 ms grace before its sync write).
const (
	settleChecks  = 4
	settleWait    = 2 * time.Millisecond
	settleTimeout = 30 * time.Second
)

var harnessStart = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

// harness is a control plane with agents on a fake clock.
type harness struct {
	t     *testing.T
	ctx   context.Context
	clk   *clock.Fake
	store store.Store
	cp    *ecs.ControlPlane
	rts   []*fake.Runtime
	// checks run at every Settle of Advance and RunUntil.
	checks []func()
}

// newHarness opens a control plane on a fake clock and a memory store,
// creates the default cluster and starts n agents, each on a fake runtime
// of 2 vCPUs and 4 GiB holding the image busybox, spread over the
// Availability Zones us-east-1a, -b, -c…; it returns once they have all
// registered and the system has settled.
func newHarness(t *testing.T, n int) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h := &harness{t: t, ctx: ctx, clk: clock.NewFake(harnessStart), store: memory.New()}
	t.Cleanup(func() { _ = h.store.Close() })
	cp, err := ecs.Open(ecs.WithClock(h.clk), ecs.WithStore(h.store), ecs.WithRandSeed(3))
	require.NoError(t, err)
	t.Cleanup(func() { _ = cp.Close() })
	h.cp = cp
	_, err = cp.CreateCluster(ctx, &ecs.CreateClusterInput{})
	require.NoError(t, err)
	for i := range n {
		h.addAgent(fmt.Sprintf("us-east-1%c", 'a'+i))
	}
	h.Settle()
	return h
}

// addAgent starts one agent in az and waits until it has registered.
func (h *harness) addAgent(az string) {
	h.t.Helper()
	rt := fake.New(fake.WithClock(h.clk), fake.WithResources(2, 4<<30), fake.WithImages("busybox"))
	h.rts = append(h.rts, rt)
	a := agent.New(agent.Config{ControlPlane: h.cp, Runtime: rt, Clock: h.clk, StopTimeout: time.Second,
		Attributes: agent.Attributes{AvailabilityZone: az}})
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	// Cleanups run last-in first-out: the agent stops before the control
	// plane closes, and its runtime after it.
	h.t.Cleanup(func() { rt.Close() })
	h.t.Cleanup(func() { cancel(); <-done })
	select {
	case <-a.Registered():
	case err := <-done:
		h.t.Fatalf("agent in %s ended before it registered: %v", az, err)
	case <-time.After(settleTimeout):
		h.t.Fatalf("agent in %s did not register within %v", az, settleTimeout)
	}
}

// motion is what Settle watches: it changes whenever anything in the
// system does something observable.
type motion struct {
	revision   int64  // the store's: every committed write
	timers     int    // the fake clock's waiting timers
	activity   uint64 // timers created, fired or stopped
	goroutines int
}

func (h *harness) motion() motion {
	h.t.Helper()
	var m motion
	require.NoError(h.t, h.store.View(h.ctx, func(tx store.Tx) error { m.revision = tx.Revision(); return nil }))
	m.timers, m.activity, m.goroutines = h.clk.Timers(), h.clk.Activity(), runtime.NumGoroutine()
	return m
}

// Settle returns once the system has stopped moving at the current fake
// time: the store revision, the fake clock's timers (how many wait, and
// how many were ever created, fired or stopped) and the number of
// goroutines stay the same over settleChecks consecutive looks, each made
// after a timer was created or settleWait of real time, whichever comes
// first, and at the last look no other goroutine is running or ready to
// run. Every goroutine of the system that has nothing more to do at this
// fake time is then parked on the clock (an agent's long poll, a
// container's scripted exit, the service scheduler's next pass). If the
// system keeps moving for settleTimeout of real time, Settle fails the
// test.
func (h *harness) Settle() {
	h.t.Helper()
	deadline := time.Now().Add(settleTimeout)
	last, quiet := h.motion(), 0
	for quiet < settleChecks {
		if time.Now().After(deadline) {
			h.t.Fatalf("Settle: the system kept moving for %v of real time at fake time %v (last seen %+v)",
				settleTimeout, h.clk.Now(), last)
		}
		added := h.clk.TimerAdded()
		wait := time.NewTimer(settleWait)
		select {
		case <-added:
		case <-wait.C:
		}
		wait.Stop()
		if m := h.motion(); m != last {
			last, quiet = m, 0
		} else if quiet++; quiet == settleChecks && runnable() {
			// Something is about to run that the measures cannot see
			// yet (a goroutine the OS has kept off the CPU): look again.
			quiet = 0
		}
	}
}

// runnable reports whether a goroutine other than the caller is ready to
// run or running, by the goroutine dump's status lines.
func runnable() bool {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	// The first goroutine of the dump is the caller's own.
	for i, g := range bytes.Split(buf, []byte("\n\n")) {
		header, _, _ := bytes.Cut(g, []byte("\n")) // goroutine 7 [select]:
		if i > 0 && (bytes.Contains(header, []byte(" [runnable")) || bytes.Contains(header, []byte(" [running"))) {
			return true
		}
	}
	return false
}

// check runs the registered checks; the system has settled.
func (h *harness) check() {
	h.t.Helper()
	for _, c := range h.checks {
		c()
	}
}

// Advance moves the fake clock forward by d in steps of step, settling
// and running the checks after each.
func (h *harness) Advance(d, step time.Duration) {
	h.t.Helper()
	for end := h.clk.Now().Add(d); h.clk.Now().Before(end); {
		h.clk.Advance(min(step, end.Sub(h.clk.Now())))
		h.Settle()
		h.check()
	}
}

// RunUntil settles, then advances the fake clock in steps of step until
// cond holds at a settled moment, running the checks at each; it fails
// the test if cond does not hold within limit of fake time. It returns
// the fake time it took.
func (h *harness) RunUntil(what string, limit, step time.Duration, cond func() bool) time.Duration {
	h.t.Helper()
	start := h.clk.Now()
	h.Settle()
	for {
		h.check()
		if cond() {
			return h.clk.Now().Sub(start)
		}
		if h.clk.Now().Sub(start) >= limit {
			h.t.Fatalf("%s: not within %v of fake time", what, limit)
		}
		h.clk.Advance(step)
		h.Settle()
	}
}

// registerWeb registers a revision of the family web: one container of
// 256 CPU units and 256 MiB running busybox, scripted by env (name, value
// pairs of ECSKIT_FAKE_* variables and others).
func (h *harness) registerWeb(env ...string) string {
	h.t.Helper()
	cd := ecs.ContainerDefinition{Name: "app", Image: "busybox", Cpu: 256, Memory: ptr(int64(256))}
	for i := 0; i+1 < len(env); i += 2 {
		cd.Environment = append(cd.Environment, ecs.KeyValuePair{Name: env[i], Value: env[i+1]})
	}
	out, err := h.cp.RegisterTaskDefinition(h.ctx, &ecs.RegisterTaskDefinitionInput{Family: "web",
		ContainerDefinitions: []ecs.ContainerDefinition{cd}})
	require.NoError(h.t, err)
	return out.TaskDefinition.TaskDefinitionArn
}

// service describes one service.
func (h *harness) service(name string) ecs.Service {
	h.t.Helper()
	out, err := h.cp.DescribeServices(h.ctx, &ecs.DescribeServicesInput{Services: []string{name}})
	require.NoError(h.t, err)
	require.Len(h.t, out.Services, 1, "service %s", name)
	return out.Services[0]
}

// tasks describes a service's tasks whose desired status is RUNNING.
func (h *harness) tasks(service string) []ecs.Task {
	h.t.Helper()
	list, err := h.cp.ListTasks(h.ctx, &ecs.ListTasksInput{ServiceName: service})
	require.NoError(h.t, err)
	if len(list.TaskArns) == 0 {
		return nil
	}
	out, err := h.cp.DescribeTasks(h.ctx, &ecs.DescribeTasksInput{Tasks: list.TaskArns})
	require.NoError(h.t, err)
	return out.Tasks
}

// running counts a service's tasks that are RUNNING and desired RUNNING.
func (h *harness) running(service string) int {
	n := 0
	for _, tk := range h.tasks(service) {
		if tk.LastStatus == ecs.TaskStatusRunning && tk.DesiredStatus == ecs.TaskStatusRunning {
			n++
		}
	}
	return n
}

// stable is the ServicesStable waiter's condition: one deployment and
// runningCount equal to desiredCount.
func stable(s ecs.Service) bool {
	return len(s.Deployments) == 1 && s.RunningCount == s.DesiredCount
}

// steadyOn holds when the service runs td alone, its one deployment
// COMPLETED, with desiredCount tasks running.
func steadyOn(s ecs.Service, td string) bool {
	return len(s.Deployments) == 1 && s.Deployments[0].TaskDefinition == td &&
		s.Deployments[0].RolloutState == ecs.RolloutStateCompleted && s.RunningCount == s.DesiredCount
}

// hasEvent reports whether the service has an event with message msg.
func hasEvent(s ecs.Service, msg string) bool {
	for _, e := range s.Events {
		if e.Message == msg {
			return true
		}
	}
	return false
}
