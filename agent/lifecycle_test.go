package agent_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/runtime/fake"
)

func TestRegistration(t *testing.T) {
	h := newHarness(t, func(c *agent.Config) {
		c.Attributes = agent.Attributes{AvailabilityZone: "us-east-1a", InstanceType: "m5.large", Custom: map[string]string{"stack": "prod"}}
		c.ReservedMemoryMiB = 256
	})
	in := h.cp.lastRegistration()
	res := map[string]ecs.Resource{}
	for _, r := range in.TotalResources {
		res[r.Name] = r
	}
	if got := res[ecs.ResourceCPU].IntegerValue; got != 4096 {
		t.Errorf("CPU = %d, want 4096", got)
	}
	if got := res[ecs.ResourceMemory].IntegerValue; got != 8192-256 {
		t.Errorf("MEMORY = %d, want %d", got, 8192-256)
	}
	if got := res[ecs.ResourcePorts].StringSetValue; !equal(got, []string{"22", "2375", "2376", "51678", "51679"}) {
		t.Errorf("PORTS = %v", got)
	}
	if _, ok := res[ecs.ResourcePortsUDP]; !ok {
		t.Error("no PORTS_UDP resource")
	}
	attrs := map[string]string{}
	for _, a := range in.Attributes {
		attrs[a.Name] = a.Value
	}
	for name, want := range map[string]string{
		"ecs.os-type": "linux", "ecs.cpu-architecture": "x86_64", "ecs.availability-zone": "us-east-1a",
		"ecs.instance-type": "m5.large", "stack": "prod", "ecs.capability.container-health-check": "",
		"ecs.capability.container-ordering": "", "com.amazonaws.ecs.capability.docker-remote-api.1.17": "",
		"com.amazonaws.ecs.capability.logging-driver.json-file": "",
	} {
		if got, ok := attrs[name]; !ok || got != want {
			t.Errorf("attribute %s = %q (present %v), want %q", name, got, ok, want)
		}
	}
	if in.VersionInfo == nil || in.VersionInfo.AgentVersion == "" {
		t.Error("no versionInfo")
	}
	if h.agent.ContainerInstanceArn() == "" {
		t.Error("no instance ARN after registration")
	}
}

func TestEssentialContainerExit(t *testing.T) {
	h := newHarness(t)
	arn := h.runTask(taskDef("web",
		ctr("app", "ECSKIT_FAKE_RUN_FOR=10s", "ECSKIT_FAKE_EXIT_CODE=2"),
		nonEssential(ctr("sidecar"))))
	ct := h.taskIs(arn, ecs.TaskStatusRunning)
	if ct.task.PullStartedAt.IsZero() || ct.task.PullStoppedAt.IsZero() {
		t.Error("pull timestamps not reported")
	}
	h.clk.Advance(10 * time.Second)
	ct = h.taskIs(arn, ecs.TaskStatusStopped)
	if ct.task.StopCode != ecs.StopCodeEssentialContainerExited || ct.task.StoppedReason != "Essential container in task exited" {
		t.Errorf("stop code/reason = %q/%q", ct.task.StopCode, ct.task.StoppedReason)
	}
	if got := exitCode(ct.container("app")); got != 2 {
		t.Errorf("app exit code = %d, want 2", got)
	}
	if got := exitCode(ct.container("sidecar")); got != 143 {
		t.Errorf("sidecar exit code = %d, want 143 (SIGTERM)", got)
	}
	if !ct.task.ExecutionStoppedAt.Equal(t0.Add(10 * time.Second)) {
		t.Errorf("executionStoppedAt = %v, want t0+10s", ct.task.ExecutionStoppedAt)
	}
	if !equal(ct.statuses, []string{"PENDING", "RUNNING", "STOPPED"}) {
		t.Errorf("task statuses reported = %v", ct.statuses)
	}
}

func TestNonEssentialExitHasNoEffect(t *testing.T) {
	h := newHarness(t)
	arn := h.runTask(taskDef("web", ctr("app"), nonEssential(ctr("job", "ECSKIT_FAKE_RUN_FOR=5s", "ECSKIT_FAKE_EXIT_CODE=1"))))
	h.taskIs(arn, ecs.TaskStatusRunning)
	h.clk.Advance(5 * time.Second)
	h.eventually("job STOPPED", func() bool { return h.cp.get(arn).container("job").LastStatus == ecs.TaskStatusStopped })
	h.clk.Advance(time.Hour)
	ct := h.cp.get(arn)
	if ct.task.LastStatus != ecs.TaskStatusRunning || ct.container("app").LastStatus != ecs.TaskStatusRunning {
		t.Errorf("task %s, app %s; want both RUNNING", ct.task.LastStatus, ct.container("app").LastStatus)
	}
	if got := exitCode(ct.container("job")); got != 1 {
		t.Errorf("job exit code = %d, want 1", got)
	}
}

func TestStopTaskInReverseDependencyOrder(t *testing.T) {
	h := newHarness(t)
	arn := h.runTask(taskDef("web",
		dependsOn(ctr("proxy"), "app", ecs.ConditionStart),
		dependsOn(ctr("app"), "db", ecs.ConditionStart),
		ctr("db", "ECSKIT_FAKE_IGNORE_SIGTERM=1"),
	))
	h.taskIs(arn, ecs.TaskStatusRunning)
	h.cp.stopTask(arn)
	h.advanceUntil("task STOPPED", time.Second, time.Minute, func() bool {
		return h.cp.get(arn).task.LastStatus == ecs.TaskStatusStopped
	})
	ct := h.cp.get(arn)
	if !equal(ct.stops, []string{"proxy", "app", "db"}) {
		t.Errorf("stop order = %v, want proxy, app, db", ct.stops)
	}
	if ct.task.StopCode != ecs.StopCodeUserInitiated {
		t.Errorf("stop code = %q, want the control plane's UserInitiated", ct.task.StopCode)
	}
	if got := exitCode(ct.container("db")); got != 137 {
		t.Errorf("db (ignores SIGTERM) exit code = %d, want 137", got)
	}
}

func TestStopTimeoutThenSIGKILL(t *testing.T) {
	for _, tc := range []struct {
		name        string
		stopTimeout *int64
		want        time.Duration
	}{
		{"container stopTimeout", ptr(int64(10)), 10 * time.Second},
		{"agent default", nil, 30 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			cd := ctr("app", "ECSKIT_FAKE_IGNORE_SIGTERM=1")
			cd.StopTimeout = tc.stopTimeout
			arn := h.runTask(taskDef("web", cd))
			h.taskIs(arn, ecs.TaskStatusRunning)
			h.cp.stopTask(arn)
			took := h.advanceUntil("STOPPED", time.Second, 2*time.Minute, func() bool {
				return h.cp.get(arn).task.LastStatus == ecs.TaskStatusStopped
			})
			if took < tc.want {
				t.Errorf("stopped after %v of fake time, before the %v grace period", took, tc.want)
			}
			if got := exitCode(h.cp.get(arn).container("app")); got != 137 {
				t.Errorf("exit code = %d, want 137", got)
			}
		})
	}
}

func TestHealthStatus(t *testing.T) {
	for _, tc := range []struct {
		name       string
		containers []ecs.ContainerDefinition
		want       string
	}{
		{"all essential healthy", []ecs.ContainerDefinition{withHealth(ctr("a"), 5), withHealth(ctr("b"), 5)}, ecs.HealthHealthy},
		{"essential unhealthy", []ecs.ContainerDefinition{withHealth(ctr("a"), 5), withHealth(ctr("b", "ECSKIT_FAKE_HEALTH=unhealthy"), 5)}, ecs.HealthUnhealthy},
		{"essential without check", []ecs.ContainerDefinition{withHealth(ctr("a"), 5), ctr("b")}, ecs.HealthUnknown},
		{"non-essential unhealthy ignored", []ecs.ContainerDefinition{withHealth(ctr("a"), 5), nonEssential(withHealth(ctr("b", "ECSKIT_FAKE_HEALTH=unhealthy"), 5))}, ecs.HealthHealthy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			arn := h.runTask(taskDef("web", tc.containers...))
			h.taskIs(arn, ecs.TaskStatusRunning)
			if got := h.agentTask(arn).HealthStatus; tc.want != ecs.HealthUnknown && got != ecs.HealthUnknown {
				t.Errorf("task health before any check = %s, want UNKNOWN", got)
			}
			h.advanceUntil("task health "+tc.want, 5*time.Second, time.Minute, func() bool {
				return h.agentTask(arn).HealthStatus == tc.want && h.cp.get(arn).container("a").HealthStatus == ecs.HealthHealthy
			})
		})
	}
}

// agentTask returns the agent's snapshot of a task.
func (h *harness) agentTask(arn string) agent.TaskState {
	for _, s := range h.agent.Tasks() {
		if s.TaskArn == arn {
			return s
		}
	}
	return agent.TaskState{}
}

func TestFailuresToStart(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cd         ecs.ContainerDefinition
		wantReason string
	}{
		{"pull fails", func() ecs.ContainerDefinition { c := ctr("app"); c.Image = "nope:1"; return c }(), "CannotPullContainerError: "},
		{"start fails", ctr("app", "ECSKIT_FAKE_START_ERROR=exec format error"), "CannotStartContainerError: exec format error"},
		{"create fails", func() ecs.ContainerDefinition {
			c := ctr("app")
			c.MountPoints = []ecs.MountPoint{{SourceVolume: "missing", ContainerPath: "/data"}}
			return c
		}(), "CannotCreateContainerError: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			arn := h.runTask(taskDef("web", tc.cd, nonEssential(ctr("side"))))
			ct := h.taskIs(arn, ecs.TaskStatusStopped)
			if ct.task.StopCode != ecs.StopCodeTaskFailedToStart {
				t.Errorf("stop code = %q, want TaskFailedToStart", ct.task.StopCode)
			}
			if r := ct.container("app").Reason; !strings.HasPrefix(r, tc.wantReason) {
				t.Errorf("container reason = %q, want prefix %q", r, tc.wantReason)
			}
			if !strings.HasPrefix(ct.task.StoppedReason, tc.wantReason) {
				t.Errorf("task reason = %q, want prefix %q", ct.task.StoppedReason, tc.wantReason)
			}
			if slices.Contains(ct.statuses, ecs.TaskStatusRunning) {
				t.Errorf("task was reported RUNNING: %v", ct.statuses)
			}
		})
	}
}

func TestOOM(t *testing.T) {
	h := newHarness(t)
	arn := h.runTask(taskDef("web", ctr("app", "ECSKIT_FAKE_OOM=3s")))
	h.taskIs(arn, ecs.TaskStatusRunning)
	h.clk.Advance(3 * time.Second)
	ct := h.taskIs(arn, ecs.TaskStatusStopped)
	app := ct.container("app")
	if app.Reason != "OutOfMemoryError: Container killed due to memory usage" || exitCode(app) != 137 {
		t.Errorf("app reason/exit = %q/%d", app.Reason, exitCode(app))
	}
	if ct.task.StopCode != ecs.StopCodeEssentialContainerExited {
		t.Errorf("stop code = %q", ct.task.StopCode)
	}
}

func TestCleanupAfterWait(t *testing.T) {
	h := newHarness(t)
	td := taskDef("web", ctr("app", "ECSKIT_FAKE_RUN_FOR=1s"))
	td.Volumes = []ecs.Volume{{Name: "scratch"}}
	td.ContainerDefinitions[0].MountPoints = []ecs.MountPoint{{SourceVolume: "scratch", ContainerPath: "/scratch"}}
	arn := h.runTask(td)
	h.taskIs(arn, ecs.TaskStatusRunning)
	if len(h.rt.Volumes()) != 1 {
		t.Fatalf("task volume not created: %v", h.rt.Volumes())
	}
	h.clk.Advance(time.Second)
	h.taskIs(arn, ecs.TaskStatusStopped)
	h.clk.Advance(30 * time.Second)
	time.Sleep(5 * time.Millisecond)
	if n := len(h.rt.Containers()); n != 1 {
		t.Fatalf("%d containers before the cleanup wait, want 1", n)
	}
	h.advanceUntil("containers removed", 10*time.Second, 2*time.Minute, func() bool {
		return len(h.rt.Containers()) == 0 && len(h.rt.Volumes()) == 0 && len(h.agent.Tasks()) == 0
	})
}

func TestDynamicPortsReported(t *testing.T) {
	h := newHarness(t)
	cd := ctr("web")
	cd.PortMappings = []ecs.PortMapping{{ContainerPort: ptr(int64(80))}, {ContainerPort: ptr(int64(443)), HostPort: ptr(int64(8443))}}
	arn := h.runTask(taskDef("web", cd))
	ct := h.taskIs(arn, ecs.TaskStatusRunning)
	h.eventually("bindings", func() bool { ct = h.cp.get(arn); return len(ct.container("web").NetworkBindings) == 2 })
	want := []ecs.NetworkBinding{
		{BindIP: "0.0.0.0", ContainerPort: 80, HostPort: 49153, Protocol: "tcp"},
		{BindIP: "0.0.0.0", ContainerPort: 443, HostPort: 8443, Protocol: "tcp"},
	}
	if got := ct.container("web").NetworkBindings; !slices.Equal(got, want) {
		t.Errorf("networkBindings = %+v, want %+v", got, want)
	}
}

func TestEngineRestartLosesEvents(t *testing.T) {
	h := newHarness(t)
	arn := h.runTask(taskDef("web", ctr("app")))
	h.taskIs(arn, ecs.TaskStatusRunning)
	h.rt.RestartEngine()
	// No event arrives; the periodic reconcile finds the dead container.
	h.advanceUntil("STOPPED", 10*time.Second, 5*time.Minute, func() bool {
		return h.cp.get(arn).task.LastStatus == ecs.TaskStatusStopped
	})
	if got := h.cp.get(arn).task.StopCode; got != ecs.StopCodeEssentialContainerExited {
		t.Errorf("stop code = %q", got)
	}
}

func TestHostNetworkBindings(t *testing.T) {
	h := newHarness(t)
	cd := ctr("web")
	cd.PortMappings = []ecs.PortMapping{{ContainerPort: ptr(int64(8080)), Protocol: "udp"}}
	td := taskDef("web", cd)
	td.NetworkMode = ecs.NetworkModeHost
	arn := h.runTask(td)
	h.taskIs(arn, ecs.TaskStatusRunning)
	h.eventually("bindings", func() bool { return len(h.cp.get(arn).container("web").NetworkBindings) == 1 })
	want := ecs.NetworkBinding{BindIP: "0.0.0.0", ContainerPort: 8080, HostPort: 8080, Protocol: "udp"}
	if got := h.cp.get(arn).container("web").NetworkBindings[0]; got != want {
		t.Errorf("binding = %+v, want %+v", got, want)
	}
}

func TestRegistrationRetriedWhileEngineDown(t *testing.T) {
	h := newHarness(t)
	h.stop()
	h.rt.SetUnavailable(true)
	h.agent = agent.New(h.cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.agent.Run(ctx) }()
	defer func() { cancel(); <-done }()
	h.clk.Advance(10 * time.Second)
	select {
	case <-h.agent.Registered():
		t.Fatal("registered although the engine is down")
	case <-time.After(5 * time.Millisecond):
	}
	h.rt.SetUnavailable(false)
	h.advanceUntil("registered", 5*time.Second, 2*time.Minute, func() bool {
		select {
		case <-h.agent.Registered():
			return true
		default:
			return false
		}
	})
}

func TestFailureStopsStartedDependencies(t *testing.T) {
	// db runs; app (depending on db) fails to start; db must then be
	// stopped without waiting for anything else to happen.
	h := newHarness(t)
	arn := h.runTask(taskDef("web", ctr("db"), dependsOn(ctr("app", "ECSKIT_FAKE_START_ERROR=boom"), "db", ecs.ConditionStart)))
	ct := h.taskIs(arn, ecs.TaskStatusStopped)
	if got := exitCode(ct.container("db")); got != 143 {
		t.Errorf("db exit code = %d, want 143", got)
	}
	if ct.task.StopCode != ecs.StopCodeTaskFailedToStart {
		t.Errorf("stop code = %q", ct.task.StopCode)
	}
}

func TestStopTaskDuringPull(t *testing.T) {
	h := newHarness(t, withRuntime(fake.WithRegistry("busybox"), fake.WithPullDelay(time.Minute)))
	arn := h.runTask(taskDef("web", ctr("app")))
	h.taskIs(arn, ecs.TaskStatusPending)
	h.cp.stopTask(arn)
	ct := h.taskIs(arn, ecs.TaskStatusStopped)
	if n := len(h.rt.Containers()); n != 0 {
		t.Errorf("%d containers created for a task stopped while pulling", n)
	}
	if c := ct.container("app"); c.ExitCode != nil || c.Reason != "" {
		t.Errorf("app = %+v, want no exit code and no reason", c)
	}
}

func TestPullTimestamps(t *testing.T) {
	h := newHarness(t, withRuntime(fake.WithRegistry("busybox"), fake.WithPullDelay(20*time.Second)))
	arn := h.runTask(taskDef("web", ctr("app")))
	h.taskIs(arn, ecs.TaskStatusPending)
	h.advanceUntil("RUNNING", 5*time.Second, time.Minute, func() bool { return h.cp.get(arn).task.LastStatus == ecs.TaskStatusRunning })
	task := h.cp.get(arn).task
	if d := task.PullStoppedAt.Sub(task.PullStartedAt.Time); d < 20*time.Second {
		t.Errorf("pull took %v between pullStartedAt and pullStoppedAt, want at least the 20 s pull", d)
	}
}
