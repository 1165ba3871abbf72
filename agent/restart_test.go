package agent_test

import (
	"context"
	"path/filepath"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/runtime"
)

const vanishedReason = "ContainerVanishedError: No container matching saved ID found"

func TestRestartAdoptsContainers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		stateFile bool
	}{
		{"with state file", true},
		{"from labels and the control plane", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "agent.json")
			h := newHarness(t, func(c *agent.Config) {
				if tc.stateFile {
					c.StateFile = state
				}
			})
			arn := h.runTask(taskDef("web", ctr("app"), nonEssential(ctr("side"))))
			h.taskIs(arn, ecs.TaskStatusRunning)
			instance := h.agent.ContainerInstanceArn()
			h.stop()

			h.rt.Vanish(h.containerID(arn, "side"))
			if !tc.stateFile {
				h.cfg.ContainerInstanceArn = instance
			}
			h.start()
			if got := h.cp.lastRegistration().ContainerInstanceArn; got != instance {
				t.Fatalf("re-registered as %q, want %q", got, instance)
			}
			h.eventually("side STOPPED", func() bool { return h.cp.get(arn).container("side").LastStatus == ecs.TaskStatusStopped })
			ct := h.cp.get(arn)
			if r := ct.container("side").Reason; r != vanishedReason {
				t.Errorf("side reason = %q, want %q", r, vanishedReason)
			}
			if ct.task.LastStatus != ecs.TaskStatusRunning {
				t.Errorf("task is %s after losing a non-essential container, want RUNNING", ct.task.LastStatus)
			}
			if n := len(h.rt.Containers()); n != 1 {
				t.Errorf("%d engine containers after restart, want 1 (app adopted, not recreated)", n)
			}

			// The adopted container is driven as before.
			h.cp.stopTask(arn)
			ct = h.taskIs(arn, ecs.TaskStatusStopped)
			if got := exitCode(ct.container("app")); got != 143 {
				t.Errorf("adopted app exit code = %d, want 143", got)
			}
		})
	}
}

func TestRestartAfterEngineLostTask(t *testing.T) {
	h := newHarness(t, func(c *agent.Config) { c.StateFile = filepath.Join(t.TempDir(), "agent.json") })
	arn := h.runTask(taskDef("web", ctr("app"), ctr("db")))
	h.taskIs(arn, ecs.TaskStatusRunning)
	h.stop()
	for _, c := range h.rt.Containers() {
		h.rt.Vanish(c.ID)
	}
	h.start()
	ct := h.taskIs(arn, ecs.TaskStatusStopped)
	for _, name := range []string{"app", "db"} {
		if r := ct.container(name).Reason; r != vanishedReason {
			t.Errorf("%s reason = %q, want %q", name, r, vanishedReason)
		}
	}
	if ct.task.StopCode != ecs.StopCodeEssentialContainerExited {
		t.Errorf("stop code = %q", ct.task.StopCode)
	}
	if n := len(h.rt.Containers()); n != 0 {
		t.Errorf("%d containers created for a lost task, want 0", n)
	}
}

func TestRestartResumesCleanup(t *testing.T) {
	h := newHarness(t, func(c *agent.Config) { c.StateFile = filepath.Join(t.TempDir(), "agent.json") })
	arn := h.runTask(taskDef("web", ctr("app", "ECSKIT_FAKE_RUN_FOR=1s")))
	h.taskIs(arn, ecs.TaskStatusRunning)
	h.clk.Advance(time.Second)
	h.taskIs(arn, ecs.TaskStatusStopped)
	h.stop()
	h.start()
	h.advanceUntil("stopped containers removed", 10*time.Second, 2*time.Minute, func() bool { return len(h.rt.Containers()) == 0 })
}

func TestOrphanedContainersRemoved(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	labels := map[string]string{
		agent.LabelTaskArn: "arn:aws:ecs:us-east-1:123456789012:task/default/gone", agent.LabelContainerInstance: h.agent.ContainerInstanceArn(),
	}
	id, err := h.rt.Create(ctx, runtime.ContainerSpec{Name: "ecs-old-1-app-00", Image: "busybox", Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.rt.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	h.stop()
	h.cfg.ContainerInstanceArn = labels[agent.LabelContainerInstance]
	h.start()
	h.eventually("orphan removed", func() bool { return len(h.rt.Containers()) == 0 })
}

func TestVanishedWhileRunning(t *testing.T) {
	h := newHarness(t)
	arn := h.runTask(taskDef("web", ctr("app"), nonEssential(ctr("side"))))
	h.taskIs(arn, ecs.TaskStatusRunning)
	h.rt.Vanish(h.containerID(arn, "side"))
	// No event: the periodic reconcile notices.
	h.advanceUntil("side STOPPED", 10*time.Second, 5*time.Minute, func() bool {
		return h.cp.get(arn).container("side").LastStatus == ecs.TaskStatusStopped
	})
	ct := h.cp.get(arn)
	if r := ct.container("side").Reason; r != vanishedReason {
		t.Errorf("reason = %q, want %q", r, vanishedReason)
	}
	if ct.task.LastStatus != ecs.TaskStatusRunning {
		t.Errorf("task is %s, want RUNNING", ct.task.LastStatus)
	}
}

func TestReportsRetriedWhenRefused(t *testing.T) {
	h := newHarness(t)
	h.cp.mu.Lock()
	h.cp.failSubmits = 3
	h.cp.mu.Unlock()
	arn := h.runTask(taskDef("web", ctr("app")))
	h.advanceUntil("RUNNING despite refused reports", time.Second, time.Minute, func() bool {
		return h.cp.get(arn).task.LastStatus == ecs.TaskStatusRunning
	})
}

func TestRunStopsEveryGoroutine(t *testing.T) {
	before := goruntime.NumGoroutine()
	h := newHarness(t)
	arn := h.runTask(taskDef("web", ctr("app", "ECSKIT_FAKE_IGNORE_SIGTERM=1"), withHealth(ctr("db"), 5)))
	h.taskIs(arn, ecs.TaskStatusRunning)
	h.cp.stopTask(arn) // leaves a stop call waiting on the clock
	time.Sleep(5 * time.Millisecond)
	h.stop()
	h.rt.Close()
	h.eventually("goroutines to stop", func() bool { return goruntime.NumGoroutine() <= before })
}

func TestRestartUnderNewRegistrationStopsSavedTasks(t *testing.T) {
	h := newHarness(t, func(c *agent.Config) { c.StateFile = filepath.Join(t.TempDir(), "agent.json") })
	arn := h.runTask(taskDef("web", ctr("app")))
	h.taskIs(arn, ecs.TaskStatusRunning)
	h.stop()
	// A control plane that lost the instance registers it anew.
	h.cp = newTestCP()
	h.cfg.ControlPlane = h.cp
	h.start()
	h.advanceUntil("old containers removed", 10*time.Second, 5*time.Minute, func() bool {
		return len(h.rt.Containers()) == 0 && len(h.agent.Tasks()) == 0
	})
}
