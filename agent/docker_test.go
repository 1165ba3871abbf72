package agent_test

import (
	"context"
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/internal/dockertest"
	"github.com/ecskit/ecs/internal/testimage"
	"github.com/ecskit/ecs/internal/testutil"
	"github.com/ecskit/ecs/runtime"
)

// TestOnDocker drives the real Docker engine with the same scripted task
// definition the fake runtime understands: the essential container exits
// with 3 after two seconds, which stops the task; the sidecar it depends on
// ignores SIGTERM and is killed after its 1 s stopTimeout. It is skipped when no engine
// answers (failed under ECSKIT_REQUIRE_DOCKER=1).
func TestOnDocker(t *testing.T) {
	testutil.SkipShort(t, "uses a Docker engine")
	rt := dockertest.Runtime(t)
	image := testimage.Image(t, rt)
	cp := newTestCP()
	ag := agent.New(agent.Config{
		ControlPlane: cp, Runtime: rt, PullBehavior: runtime.PullPreferCached,
		CleanupWait: time.Hour, StopTimeout: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ag.Run(ctx) }()
	defer func() { cancel(); <-done }()
	select {
	case <-ag.Registered():
	case <-time.After(30 * time.Second):
		t.Fatal("agent did not register")
	}

	labels := dockertest.Labels(t) // lets the test sweep remove the containers
	app := ctr("app", "ECSKIT_FAKE_RUN_FOR=2s", "ECSKIT_FAKE_EXIT_CODE=3")
	side := ctr("side", "ECSKIT_FAKE_IGNORE_SIGTERM=1")
	side.StopTimeout = ptr(int64(1))
	side.PortMappings = []ecs.PortMapping{{ContainerPort: ptr(int64(8080))}}
	// side starts first, so that it has set up its signal handling well
	// before it is stopped, however slow the engine.
	app = dependsOn(app, "side", ecs.ConditionStart)
	for _, cd := range []*ecs.ContainerDefinition{&app, &side} {
		cd.Image = image
		cd.DockerLabels = maps.Clone(labels)
	}
	arn := cp.runTask(taskDef("docker", app, side), nil)

	wait := func(what string, cond func(cpTask) bool) cpTask {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for time.Now().Before(deadline) {
			if ct := cp.get(arn); cond(ct) {
				return ct
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("timed out waiting for %s: %+v", what, cp.get(arn).task)
		return cpTask{}
	}
	// Docker reports a binding per address family.
	ct := wait("side RUNNING with a binding", func(ct cpTask) bool {
		return ct.container("side").LastStatus == ecs.TaskStatusRunning && len(ct.container("side").NetworkBindings) > 0
	})
	if hp := ct.container("side").NetworkBindings[0].HostPort; hp == 0 {
		t.Errorf("dynamic host port not reported: %+v", ct.container("side").NetworkBindings)
	}
	ct = wait("STOPPED", func(ct cpTask) bool { return ct.task.LastStatus == ecs.TaskStatusStopped })
	if ct.task.StopCode != ecs.StopCodeEssentialContainerExited {
		t.Errorf("stop code = %q", ct.task.StopCode)
	}
	if got := exitCode(ct.container("app")); got != 3 {
		t.Errorf("app exit code = %d, want 3", got)
	}
	if got := exitCode(ct.container("side")); got != 137 {
		t.Errorf("side exit code = %d, want 137 (SIGKILL after stopTimeout)", got)
	}
	if !equal(ct.stops, []string{"app", "side"}) {
		t.Errorf("stop order = %v", ct.stops)
	}
}
