package docker_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ecskit/ecs/internal/dockertest"
	"github.com/ecskit/ecs/internal/testimage"
	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/runtime/docker"
)

// TestSecondEngine runs a second dockerd beside the machine's engine: each
// Runtime sees its own engine's containers only, and an event stream
// survives a real restart of its engine.
func TestSecondEngine(t *testing.T) {
	t.Parallel()
	rtA, imgA := engine(t)
	// Registered before the second engine, so it runs after that engine
	// stopped: the first engine's bridge network still works.
	t.Cleanup(func() {
		id := run(t, rtA, imgA, runtime.ContainerSpec{Command: []string{"-run", "1ms"}})
		if st := waitExited(t, rtA, id); st.ExitCode != 0 {
			t.Errorf("bridge container on the first engine after the second stopped: exit %d", st.ExitCode)
		}
	})
	e := dockertest.StartEngine(t, docker.WithTimeouts(docker.Timeouts{EventsBackoffMin: 50 * time.Millisecond, EventsBackoffMax: 500 * time.Millisecond}))
	rtB := e.Runtime
	imgB := testimage.Image(t, rtB)

	t.Run("isolation", func(t *testing.T) {
		a := run(t, rtA, imgA, runtime.ContainerSpec{Command: []string{"-run", "1ms"}})
		b := run(t, rtB, imgB, runtime.ContainerSpec{Command: []string{"-run", "1ms", "-exit", "7"}, NetworkMode: "none"})
		if st := waitExited(t, rtB, b); st.ExitCode != 7 {
			t.Errorf("container on the second engine: exit code %d, want 7", st.ExitCode)
		}
		waitExited(t, rtA, a)

		ids := func(rt *docker.Runtime) []string {
			cs, err := rt.List(ctxFor(t, time.Minute), dockertest.Labels(t))
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			var out []string
			for _, c := range cs {
				out = append(out, c.ID)
			}
			return out
		}
		if got := ids(rtA); !slices.Equal(got, []string{a}) {
			t.Errorf("first engine lists %v, want only [%s]", got, a)
		}
		if got := ids(rtB); !slices.Equal(got, []string{b}) {
			t.Errorf("second engine lists %v, want only [%s]", got, b)
		}
		if _, err := rtA.Inspect(ctxFor(t, time.Minute), b); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("the first engine inspecting the second's container: %v, want ErrNotFound", err)
		}
		infoA, errA := rtA.Info(ctxFor(t, time.Minute))
		infoB, errB := rtB.Info(ctxFor(t, time.Minute))
		if errA != nil || errB != nil || infoA.Name != infoB.Name || rtA.Host() == rtB.Host() {
			t.Errorf("engines: %s (%v) and %s (%v): want the same machine behind two hosts", rtA.Host(), errA, rtB.Host(), errB)
		}
	})

	t.Run("events survive an engine restart", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ch, err := rtB.Events(ctx)
		if err != nil {
			t.Fatal(err)
		}
		before := run(t, rtB, imgB, runtime.ContainerSpec{Command: []string{"-run", "1ms"}, NetworkMode: "none"})
		collect(ctxFor(t, time.Minute), t, ch, before, runtime.EventStart)

		e.Stop()
		if _, err := rtB.Inspect(ctxFor(t, time.Minute), before); !errors.Is(err, runtime.ErrUnavailable) {
			t.Errorf("Inspect while the engine is down = %v, want ErrUnavailable", err)
		}
		e.Start()

		after := run(t, rtB, imgB, runtime.ContainerSpec{Command: []string{"-run", "1ms"}, NetworkMode: "none"})
		collect(ctxFor(t, time.Minute), t, ch, after, runtime.EventCreate, runtime.EventStart, runtime.EventDie)
	})
}
