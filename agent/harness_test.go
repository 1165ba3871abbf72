package agent_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/runtime/fake"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// harness is one instance: a fake clock, a fake engine, a test control
// plane and an agent.
type harness struct {
	t     *testing.T
	clk   *clock.Fake
	rt    *fake.Runtime
	cp    *testCP
	cfg   agent.Config
	agent *agent.Agent
	stop  func()
}

func newHarness(t *testing.T, mutate ...func(*agent.Config)) *harness {
	t.Helper()
	clk := clock.NewFake(t0)
	rt := fake.New(fake.WithClock(clk), fake.WithResources(4, 8<<30),
		fake.WithImages("busybox", "cachedonly"), fake.WithRegistry("busybox", "nginx", "redis"))
	t.Cleanup(func() { rt.Close() })
	h := &harness{t: t, clk: clk, rt: rt, cp: newTestCP()}
	h.cfg = agent.Config{
		ControlPlane: h.cp, Runtime: rt, Clock: clk, Cluster: "default",
		CleanupWait: time.Minute, StopTimeout: 30 * time.Second,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	for _, m := range mutate {
		m(&h.cfg)
	}
	if other, ok := h.cfg.Runtime.(*fake.Runtime); ok && other != rt {
		h.rt = other
		t.Cleanup(func() { other.Close() })
	}
	h.start()
	return h
}

// withRuntime gives the agent a fake runtime built with opts (and the
// harness clock) instead of the default one.
func withRuntime(opts ...fake.Option) func(*agent.Config) {
	return func(c *agent.Config) {
		c.Runtime = fake.New(append([]fake.Option{fake.WithClock(c.Clock)}, opts...)...)
	}
}

// start runs a fresh agent with h.cfg and waits for its registration.
func (h *harness) start() {
	h.t.Helper()
	h.agent = agent.New(h.cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.agent.Run(ctx) }()
	h.stop = func() {
		cancel()
		if err := <-done; err != nil {
			h.t.Errorf("Run: %v", err)
		}
		h.stop = func() {}
	}
	h.t.Cleanup(func() { h.stop() })
	select {
	case <-h.agent.Registered():
	case <-time.After(5 * time.Second):
		h.t.Fatal("agent did not register")
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// eventually polls cond for up to 5 s of real time without moving the
// clock: the agent's goroutines need a moment to react.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	for i := 0; i < 5000; i++ {
		if cond() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	h.t.Fatalf("timed out waiting for %s", what)
}

// advanceUntil moves the fake clock in steps until cond holds, giving the
// agent a moment after each step. It returns the fake time it took.
func (h *harness) advanceUntil(what string, step time.Duration, limit time.Duration, cond func() bool) time.Duration {
	h.t.Helper()
	start := h.clk.Now()
	for {
		for i := 0; i < 20; i++ {
			if cond() {
				return h.clk.Now().Sub(start)
			}
			time.Sleep(200 * time.Microsecond)
		}
		if h.clk.Now().Sub(start) >= limit {
			h.t.Fatalf("%s: not reached within %v of fake time", what, limit)
		}
		h.clk.Advance(step)
	}
}

// taskIs waits until the control plane holds the task in status.
func (h *harness) taskIs(arn, status string) cpTask {
	h.t.Helper()
	h.eventually(arn+" "+status, func() bool { return h.cp.get(arn).task.LastStatus == status })
	return h.cp.get(arn)
}

func (h *harness) runTask(td ecs.TaskDefinition) string { return h.cp.runTask(td, nil) }

// containerID returns the engine ID of a task's container, as reported.
func (h *harness) containerID(arn, name string) string {
	return h.cp.get(arn).container(name).RuntimeId
}

func taskDef(family string, cds ...ecs.ContainerDefinition) ecs.TaskDefinition {
	return ecs.TaskDefinition{Family: family, Revision: 3, ContainerDefinitions: cds}
}

// ctr is a container definition scripted by ECSKIT_FAKE_* variables.
func ctr(name string, env ...string) ecs.ContainerDefinition {
	cd := ecs.ContainerDefinition{Name: name, Image: "busybox", Memory: ptr(int64(64))}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		cd.Environment = append(cd.Environment, ecs.KeyValuePair{Name: k, Value: v})
	}
	return cd
}

func nonEssential(cd ecs.ContainerDefinition) ecs.ContainerDefinition {
	cd.Essential = ptr(false)
	return cd
}

func dependsOn(cd ecs.ContainerDefinition, target, condition string) ecs.ContainerDefinition {
	cd.DependsOn = append(cd.DependsOn, ecs.ContainerDependency{ContainerName: target, Condition: condition})
	return cd
}

func withHealth(cd ecs.ContainerDefinition, interval int64) ecs.ContainerDefinition {
	cd.HealthCheck = &ecs.HealthCheck{Command: []string{"CMD", "true"}, Interval: ptr(interval), Retries: ptr(int64(2))}
	return cd
}

func ptr[T any](v T) *T { return &v }

func exitCode(c ecs.Container) int64 {
	if c.ExitCode == nil {
		return -1
	}
	return *c.ExitCode
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
