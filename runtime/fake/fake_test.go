package fake_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/runtime/fake"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newRuntime(t *testing.T) (*fake.Runtime, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(t0)
	r := fake.New(fake.WithClock(clk), fake.WithImages("busybox"), fake.WithRegistry("nginx"))
	t.Cleanup(func() { r.Close() })
	return r, clk
}

// eventually polls cond for a short real time; the fake runtime's timer
// goroutines run asynchronously after a clock advance.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 2000; i++ {
		if cond() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("condition not met")
}

func run(t *testing.T, r *fake.Runtime, spec runtime.ContainerSpec) string {
	t.Helper()
	ctx := context.Background()
	id, err := r.Create(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	return id
}

func inspect(t *testing.T, r *fake.Runtime, id string) runtime.ContainerStatus {
	t.Helper()
	st, err := r.Inspect(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestRunForExitsOnFakeClock(t *testing.T) {
	r, clk := newRuntime(t)
	id := run(t, r, runtime.ContainerSpec{Name: "a", Image: "busybox", Env: []string{"ECSKIT_FAKE_RUN_FOR=10s", "ECSKIT_FAKE_EXIT_CODE=3"}})
	clk.Advance(9 * time.Second)
	if st := inspect(t, r, id); st.State != runtime.StateRunning {
		t.Fatalf("state after 9s = %s, want running", st.State)
	}
	clk.Advance(time.Second)
	eventually(t, func() bool { return inspect(t, r, id).State == runtime.StateExited })
	st := inspect(t, r, id)
	if st.ExitCode != 3 || !st.FinishedAt.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("exit %d at %v, want 3 at t0+10s", st.ExitCode, st.FinishedAt)
	}
}

func TestStop(t *testing.T) {
	tests := []struct {
		name     string
		env      []string
		wantCode int
	}{
		{"sigterm", nil, 143},
		{"ignores sigterm", []string{"ECSKIT_FAKE_IGNORE_SIGTERM=1"}, 137},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, clk := newRuntime(t)
			id := run(t, r, runtime.ContainerSpec{Name: "a", Image: "busybox", Env: tc.env})
			added := clk.TimerAdded()
			done := make(chan error, 1)
			go func() { done <- r.Stop(context.Background(), id, 30*time.Second) }()
			if tc.wantCode == 137 {
				<-added
				if st := inspect(t, r, id); st.State != runtime.StateRunning {
					t.Fatal("stopped before the timeout")
				}
				clk.Advance(30 * time.Second)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if st := inspect(t, r, id); st.State != runtime.StateExited || st.ExitCode != tc.wantCode {
				t.Fatalf("got %s/%d, want exited/%d", st.State, st.ExitCode, tc.wantCode)
			}
		})
	}
}

func TestOOMAndHealth(t *testing.T) {
	r, clk := newRuntime(t)
	hc := &runtime.HealthCheck{Test: []string{"CMD", "true"}, Interval: 5 * time.Second, Retries: 2, StartPeriod: 10 * time.Second}
	oom := run(t, r, runtime.ContainerSpec{Name: "oom", Image: "busybox", Env: []string{"ECSKIT_FAKE_OOM=3s"}})
	ok := run(t, r, runtime.ContainerSpec{Name: "ok", Image: "busybox", HealthCheck: hc})
	bad := run(t, r, runtime.ContainerSpec{Name: "bad", Image: "busybox", HealthCheck: hc, Env: []string{"ECSKIT_FAKE_HEALTH=unhealthy"}})
	if h := inspect(t, r, ok).Health; h != runtime.HealthStarting {
		t.Fatalf("health at start = %q", h)
	}
	clk.Advance(5 * time.Second)
	eventually(t, func() bool { return inspect(t, r, ok).Health == runtime.HealthHealthy })
	eventually(t, func() bool { return inspect(t, r, oom).State == runtime.StateExited })
	if st := inspect(t, r, oom); !st.OOMKilled || st.ExitCode != 137 {
		t.Fatalf("oom container: %+v", st)
	}
	if h := inspect(t, r, bad).Health; h != runtime.HealthStarting {
		t.Fatalf("unhealthy verdict too early: %q", h)
	}
	clk.Advance(15 * time.Second) // checks at 15 and 20 s count
	eventually(t, func() bool { return inspect(t, r, bad).Health == runtime.HealthUnhealthy })
}

func TestPullAndCreateErrors(t *testing.T) {
	r, _ := newRuntime(t)
	ctx := context.Background()
	if err := r.PullImage(ctx, "nope"); !errors.Is(err, runtime.ErrImagePull) {
		t.Fatalf("pull unknown: %v", err)
	}
	if _, err := r.Create(ctx, runtime.ContainerSpec{Name: "x", Image: "nginx"}); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("create without image: %v", err)
	}
	if err := r.PullImage(ctx, "nginx:latest"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := r.ImagePresent(ctx, "nginx"); !ok {
		t.Fatal("pulled image not present")
	}
	id, err := r.Create(ctx, runtime.ContainerSpec{Name: "x", Image: "busybox", Env: []string{"ECSKIT_FAKE_START_ERROR=boom"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx, id); err == nil || err.Error() != "boom" {
		t.Fatalf("start error = %v, want boom", err)
	}
}

func TestDynamicPortsAndEvents(t *testing.T) {
	r, _ := newRuntime(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, err := r.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	spec := runtime.ContainerSpec{Name: "a", Image: "busybox", Labels: map[string]string{"k": "v"},
		PortBindings: []runtime.PortBinding{{ContainerPort: 80}, {ContainerPort: 53, Protocol: "udp"}, {ContainerPort: 81, HostPort: 8080}}}
	id := run(t, r, spec)
	ports := inspect(t, r, id).Ports
	want := []int{49153, 49154, 8080}
	for i, p := range ports {
		if p.HostPort != want[i] {
			t.Fatalf("ports = %+v, want host ports %v", ports, want)
		}
	}
	spec.Name, spec.PortBindings = "b", []runtime.PortBinding{{ContainerPort: 81, HostPort: 8080}}
	b, _ := r.Create(ctx, spec)
	if err := r.Start(ctx, b); err == nil {
		t.Fatal("static port conflict not detected")
	}
	for _, want := range []runtime.EventType{runtime.EventCreate, runtime.EventStart, runtime.EventCreate} {
		if ev := <-events; ev.Type != want || ev.Labels["k"] != "v" {
			t.Fatalf("event %+v, want %s", ev, want)
		}
	}
	r.Vanish(id)
	if _, err := r.Inspect(ctx, id); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("vanished container inspect: %v", err)
	}
	if list, _ := r.List(ctx, map[string]string{"k": ""}); len(list) != 1 || list[0].Name != "b" {
		t.Fatalf("list = %+v", list)
	}
}

func TestRestartEngineLosesEvents(t *testing.T) {
	r, _ := newRuntime(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	id := run(t, r, runtime.ContainerSpec{Name: "a", Image: "busybox"})
	events, _ := r.Events(ctx)
	r.RestartEngine()
	if st := inspect(t, r, id); st.State != runtime.StateExited || st.ExitCode != 143 {
		t.Fatalf("after restart: %+v", st)
	}
	if err := r.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	if ev := <-events; ev.Type != runtime.EventStart {
		t.Fatalf("first event after restart = %s, want start (die lost)", ev.Type)
	}
	cancel()
	for range events {
	}
}

func TestWithAnyImage(t *testing.T) {
	ctx := context.Background()
	r := fake.New(fake.WithAnyImage())
	defer r.Close()
	if err := r.PullImage(ctx, "registry.example/anything:v9"); err != nil {
		t.Fatalf("pull: %v", err)
	}
	ok, err := r.ImagePresent(ctx, "registry.example/anything:v9")
	if err != nil || !ok {
		t.Fatalf("after a pull the image is cached: %v %v", ok, err)
	}
	if _, err := r.Create(ctx, runtime.ContainerSpec{Name: "c", Image: "registry.example/anything:v9"}); err != nil {
		t.Fatalf("create: %v", err)
	}
}

// TestListByLabelValue finds containers by a label's value, before and
// after the label is indexed, and forgets removed ones.
func TestListByLabelValue(t *testing.T) {
	ctx := context.Background()
	r := fake.New(fake.WithImages("app"))
	defer r.Close()
	ids := map[string]string{}
	for _, task := range []string{"t1", "t2", "t1"} {
		id, err := r.Create(ctx, runtime.ContainerSpec{Image: "app", Labels: map[string]string{"task": task, "kind": "app"}})
		if err != nil {
			t.Fatal(err)
		}
		ids[id] = task
	}
	count := func(labels map[string]string) int {
		list, err := r.List(ctx, labels)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	if n := count(map[string]string{"task": "t1"}); n != 2 {
		t.Fatalf("task=t1: %d containers, want 2", n)
	}
	id, err := r.Create(ctx, runtime.ContainerSpec{Image: "app", Labels: map[string]string{"task": "t1"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(map[string]string{"task": "t1", "kind": "app"}); n != 2 {
		t.Fatalf("task=t1,kind=app: %d containers, want 2", n)
	}
	if n := count(map[string]string{"task": "t1"}); n != 3 {
		t.Fatalf("task=t1 after a create: %d containers, want 3", n)
	}
	if err := r.Remove(ctx, id); err != nil {
		t.Fatal(err)
	}
	if n := count(map[string]string{"task": "t1"}); n != 2 {
		t.Fatalf("task=t1 after a remove: %d containers, want 2", n)
	}
	if n := count(map[string]string{"task": "t3"}); n != 0 {
		t.Fatalf("task=t3: %d containers, want 0", n)
	}
	if n := count(map[string]string{"kind": ""}); n != 3 {
		t.Fatalf("kind present: %d containers, want 3", n)
	}
}
