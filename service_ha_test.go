package ecs

import (
	"sync"
	"testing"
	"time"

	"github.com/ecskit/ecs/store/memory"
	"github.com/stretchr/testify/require"
)

// TestServiceTwoControlPlanes runs two control planes on one store, both
// reconciling the same services as fast as they can while tasks keep
// failing: every decision about a service is made in one transaction, so no
// slot is ever filled twice.
func TestServiceTwoControlPlanes(t *testing.T) {
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	s := newSim(t, 4, 2, 2048, 4096, WithStore(st))
	other := s.open(WithStore(st))
	s.taskDef("web", false, "ECSKIT_FAKE_RUN_FOR", "90s")
	s.createService("web", "web", 6)
	s.checks = append(s.checks, func(st *simState) {
		svc := st.services["web"]
		require.LessOrEqual(t, len(st.live("web")), 12, "maximumPercent")
		running := 0
		for _, tk := range st.live("web") {
			if tk.Task.DesiredStatus == TaskStatusRunning {
				running++
			}
		}
		require.LessOrEqual(t, int64(running), svc.DesiredCount, "a slot filled twice")
	})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, cp := range s.planes {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := cp.reconcileServices(s.ctx); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	s.run(5*time.Minute, 5*time.Second)
	close(stop)
	wg.Wait()
	require.Greater(t, len(s.state().tasks), 15, "tasks kept being replaced")
	require.Len(t, s.planes, 2)
	require.NotSame(t, s.cp, other)
}

// TestServiceControlPlaneRestart stops a control plane, lets a task die
// while none runs, and opens a new one on the same store: it carries on
// from the stored state and replaces the task once.
func TestServiceControlPlaneRestart(t *testing.T) {
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	s := newSim(t, 3, 3, 2048, 4096, WithStore(st))
	s.taskDef("web", false)
	s.createService("web", "web", 3)
	s.runUntil(3*time.Minute, 5*time.Second, "steady", func(st *simState) bool { return st.steady("web") })
	dep := s.service("web").Deployments[0].Id

	require.NoError(t, s.cp.Close())
	s.planes = s.planes[:0]
	victim := s.state().live("web")[0]
	s.killed[victim.Task.TaskArn] = true
	s.agentStep()
	require.Len(t, s.state().live("web"), 2)

	s.cp = s.open(WithStore(st))
	s.runUntil(3*time.Minute, 5*time.Second, "replaced", func(st *simState) bool { return st.steady("web") })
	svc := s.service("web")
	require.Equal(t, dep, svc.Deployments[0].Id)
	require.Len(t, s.state().tasks, 4, "three tasks and one replacement")
}
