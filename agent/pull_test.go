package agent_test

import (
	"strings"
	"testing"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/runtime"
)

func TestPullBehavior(t *testing.T) {
	for _, tc := range []struct {
		name      string
		behavior  runtime.PullBehavior
		image     string // busybox is cached and pullable; cachedonly is cached only; redis is pullable only
		tasks     int
		wantPulls int
		wantRun   bool
	}{
		{"default pulls", runtime.PullDefault, "busybox", 1, 1, true},
		{"default falls back to the cache", runtime.PullDefault, "cachedonly", 1, 1, true},
		{"always fails without registry", runtime.PullAlways, "cachedonly", 1, 1, false},
		{"prefer-cached skips cached image", runtime.PullPreferCached, "busybox", 1, 0, true},
		{"prefer-cached pulls missing image", runtime.PullPreferCached, "redis", 1, 1, true},
		{"once pulls the first time only", runtime.PullOnce, "redis", 2, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *agent.Config) { c.PullBehavior = tc.behavior })
			cd := ctr("app")
			cd.Image = tc.image
			for i := 0; i < tc.tasks; i++ {
				arn := h.runTask(taskDef("web", cd))
				if !tc.wantRun {
					ct := h.taskIs(arn, ecs.TaskStatusStopped)
					if r := ct.container("app").Reason; !strings.HasPrefix(r, "CannotPullContainerError: ") {
						t.Errorf("reason = %q", r)
					}
					continue
				}
				h.taskIs(arn, ecs.TaskStatusRunning)
			}
			if got := len(h.rt.Pulls()); got != tc.wantPulls {
				t.Errorf("%d pulls (%v), want %d", got, h.rt.Pulls(), tc.wantPulls)
			}
		})
	}
}
