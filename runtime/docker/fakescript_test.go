package docker_test

import (
	"testing"
	"time"

	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/runtime/fake"
)

// TestFakeScriptOnEngine runs the environment script of runtime/fake on the
// real engine with the test image: the same container definition behaves
// the same on both runtimes.
func TestFakeScriptOnEngine(t *testing.T) {
	t.Parallel()
	rt, img := engine(t)
	check := &runtime.HealthCheck{Test: []string{"CMD", "/app", "health"}, Interval: 200 * time.Millisecond, Timeout: 5 * time.Second, Retries: 1}

	t.Run("run for, exit code", func(t *testing.T) {
		t.Parallel()
		id := run(t, rt, img, runtime.ContainerSpec{Env: []string{fake.EnvRunFor + "=10ms", fake.EnvExitCode + "=3"}})
		if st := waitExited(t, rt, id); st.ExitCode != 3 {
			t.Errorf("exit code = %d, want 3", st.ExitCode)
		}
	})
	t.Run("oom", func(t *testing.T) {
		t.Parallel()
		// The kill must come after the engine's start returned (see
		// TestEventsOOMAndHealth): a second is ample.
		id := run(t, rt, img, runtime.ContainerSpec{Env: []string{fake.EnvOOM + "=1s"}, MemoryBytes: 32 << 20})
		if st := waitExited(t, rt, id); !st.OOMKilled || st.ExitCode != 137 {
			t.Errorf("OOMKilled %v, exit code %d; want true, 137", st.OOMKilled, st.ExitCode)
		}
	})
	t.Run("unhealthy", func(t *testing.T) {
		t.Parallel()
		id := run(t, rt, img, runtime.ContainerSpec{Env: []string{fake.EnvHealth + "=unhealthy"}, HealthCheck: check})
		waitFor(t, rt, id, "unhealthy", func(s runtime.ContainerStatus) bool { return s.Health == runtime.HealthUnhealthy })
	})
	for _, tc := range []struct {
		name string
		env  []string
		want int
	}{
		{"stop handles SIGTERM", nil, 143},
		{"stop ignores SIGTERM", []string{fake.EnvIgnoreSigterm + "=1"}, 137},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id := runReady(t, rt, img, runtime.ContainerSpec{Env: tc.env})
			if err := rt.Stop(ctxFor(t, time.Minute), id, time.Second); err != nil {
				t.Fatal(err)
			}
			st, err := rt.Inspect(ctxFor(t, time.Minute), id)
			if err != nil {
				t.Fatal(err)
			}
			if st.ExitCode != tc.want {
				t.Errorf("exit code = %d, want %d", st.ExitCode, tc.want)
			}
		})
	}
}
