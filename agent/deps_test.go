package agent_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/runtime"
)

func withStartTimeout(cd ecs.ContainerDefinition, secs int64) ecs.ContainerDefinition {
	cd.StartTimeout = ptr(secs)
	return cd
}

func TestDependsOn(t *testing.T) {
	for _, tc := range []struct {
		name string
		dep  ecs.ContainerDefinition
		cond string
		// gated: app must not be created while dep runs, before the clock moves.
		gated      bool
		wantStatus string
		wantReason string // in the task's stoppedReason
	}{
		{"START", ctr("dep"), ecs.ConditionStart, false, ecs.TaskStatusRunning, ""},
		{"COMPLETE after non-zero exit", nonEssential(ctr("dep", "ECSKIT_FAKE_RUN_FOR=5s", "ECSKIT_FAKE_EXIT_CODE=3")), ecs.ConditionComplete, true, ecs.TaskStatusRunning, ""},
		{"SUCCESS after exit 0", nonEssential(ctr("dep", "ECSKIT_FAKE_RUN_FOR=5s")), ecs.ConditionSuccess, true, ecs.TaskStatusRunning, ""},
		{"SUCCESS after non-zero exit", nonEssential(ctr("dep", "ECSKIT_FAKE_RUN_FOR=5s", "ECSKIT_FAKE_EXIT_CODE=1")), ecs.ConditionSuccess, true, ecs.TaskStatusStopped, "TaskDependencyError: "},
		{"HEALTHY", withHealth(ctr("dep"), 10), ecs.ConditionHealthy, true, ecs.TaskStatusRunning, ""},
		{"HEALTHY without health check", ctr("dep"), ecs.ConditionHealthy, true, ecs.TaskStatusStopped, "no health check"},
		{"HEALTHY but unhealthy", withHealth(ctr("dep", "ECSKIT_FAKE_HEALTH=unhealthy"), 10), ecs.ConditionHealthy, true, ecs.TaskStatusStopped, "UNHEALTHY"},
		{"COMPLETE timeout", withStartTimeout(nonEssential(ctr("dep", "ECSKIT_FAKE_RUN_FOR=60s")), 10), ecs.ConditionComplete, true, ecs.TaskStatusStopped, "within its startTimeout of 10s"},
		{"HEALTHY timeout", withStartTimeout(withHealth(ctr("dep", "ECSKIT_FAKE_HEALTH=unhealthy"), 30), 10), ecs.ConditionHealthy, true, ecs.TaskStatusStopped, "within its startTimeout of 10s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			arn := h.runTask(taskDef("web", dependsOn(ctr("app"), "dep", tc.cond), tc.dep))
			h.eventually("dep RUNNING", func() bool {
				c := h.cp.get(arn).container("dep")
				return c.LastStatus == ecs.TaskStatusRunning || tc.wantReason != "" && c.LastStatus == ecs.TaskStatusStopped
			})
			if tc.gated && h.engineContainer("app") != nil {
				t.Fatal("app was created before its dependency was satisfied")
			}
			took := h.advanceUntil(tc.wantStatus, time.Second, 2*time.Minute, func() bool {
				return h.cp.get(arn).task.LastStatus == tc.wantStatus
			})
			ct := h.cp.get(arn)
			if tc.wantReason == "" {
				if app := ct.container("app"); app.LastStatus != ecs.TaskStatusRunning {
					t.Errorf("app is %s, want RUNNING", app.LastStatus)
				}
				return
			}
			if ct.task.StopCode != ecs.StopCodeTaskFailedToStart || !strings.Contains(ct.task.StoppedReason, tc.wantReason) ||
				!strings.HasPrefix(ct.task.StoppedReason, "TaskDependencyError: ") {
				t.Errorf("stop = %q / %q, want TaskFailedToStart / TaskDependencyError: …%s…", ct.task.StopCode, ct.task.StoppedReason, tc.wantReason)
			}
			if h.engineContainer("app") != nil {
				t.Error("app was created although its dependency never resolved")
			}
			if strings.Contains(tc.name, "timeout") && took < 10*time.Second {
				t.Errorf("gave up after %v of fake time, before the 10 s startTimeout", took)
			}
		})
	}
}

// engineContainer returns the engine container of the named ECS container.
func (h *harness) engineContainer(name string) *runtime.ContainerStatus {
	for _, c := range h.rt.Containers() {
		if c.Labels[agent.LabelContainerName] == name {
			return &c
		}
	}
	return nil
}

func TestImplicitLinkAndVolumesFromOrder(t *testing.T) {
	h := newHarness(t)
	app := ctr("app")
	app.Links = []string{"db:database"}
	app.VolumesFrom = []ecs.VolumeFrom{{SourceContainer: "data", ReadOnly: ptr(true)}}
	// The fake engine refuses to link to a container that is not running
	// and to take volumes from one that does not exist, so RUNNING proves
	// the order.
	arn := h.runTask(taskDef("web", app, nonEssential(ctr("data", "ECSKIT_FAKE_RUN_FOR=1s")), ctr("db")))
	h.taskIs(arn, ecs.TaskStatusRunning)
	spec, _ := h.rt.Spec(h.containerID(arn, "app"))
	db, data := h.engineContainer("db"), h.engineContainer("data")
	if !equal(spec.Links, []string{db.Name + ":database"}) || !equal(spec.VolumesFrom, []string{data.Name + ":ro"}) {
		t.Errorf("links %v, volumesFrom %v; want engine names of db and data", spec.Links, spec.VolumesFrom)
	}
}

func TestContainerSpecMapping(t *testing.T) {
	h := newHarness(t, func(c *agent.Config) { c.Region = "eu-west-1" })
	cd := ctr("web-1_x", "A=1", "B=2")
	cd.Cpu = 0
	cd.Memory = ptr(int64(2))
	cd.MemoryReservation = ptr(int64(32))
	cd.Command = []string{"serve"}
	cd.EntryPoint = []string{"/bin/app"}
	cd.User, cd.WorkingDirectory = "nobody", "/srv"
	cd.DockerLabels = map[string]string{"team": "x", agent.LabelCluster: "spoofed"}
	cd.Ulimits = []ecs.Ulimit{{Name: "nofile", SoftLimit: 1024, HardLimit: 4096}}
	cd.ExtraHosts = []ecs.HostEntry{{Hostname: "db", IpAddress: "10.0.0.1"}}
	cd.Privileged, cd.ReadonlyRootFilesystem = ptr(true), ptr(true)
	cd.DnsServers = []string{"1.1.1.1"}
	cd.LinuxParameters = &ecs.LinuxParameters{InitProcessEnabled: ptr(true), Capabilities: &ecs.KernelCapabilities{Add: []string{"NET_ADMIN"}}}
	cd.MountPoints = []ecs.MountPoint{
		{SourceVolume: "host", ContainerPath: "/h", ReadOnly: ptr(true)},
		{SourceVolume: "shared", ContainerPath: "/s"},
		{SourceVolume: "scratch", ContainerPath: "/t"},
	}
	td := taskDef("fam", cd)
	td.Volumes = []ecs.Volume{
		{Name: "host", Host: &ecs.HostVolumeProperties{SourcePath: "/var/log"}},
		{Name: "shared", DockerVolumeConfiguration: &ecs.DockerVolumeConfiguration{Scope: "shared", Autoprovision: ptr(true)}},
		{Name: "scratch", DockerVolumeConfiguration: &ecs.DockerVolumeConfiguration{Scope: "task"}},
	}
	arn := h.cp.runTask(td, &ecs.TaskOverride{ContainerOverrides: []ecs.ContainerOverride{{
		Name: "web-1_x", Command: []string{"override"}, Environment: []ecs.KeyValuePair{{Name: "B", Value: "3"}, {Name: "C", Value: "4"}},
		Cpu: ptr(int64(300000)),
	}}})
	h.taskIs(arn, ecs.TaskStatusRunning)
	s, _ := h.rt.Spec(h.containerID(arn, "web-1_x"))

	if !regexp.MustCompile(`^ecs-fam-3-web-1x-[0-9a-f]{20}$`).MatchString(s.Name) {
		t.Errorf("name = %q", s.Name)
	}
	wantLabels := map[string]string{
		agent.LabelTaskArn: arn, agent.LabelContainerName: "web-1_x", agent.LabelTaskDefFamily: "fam",
		agent.LabelTaskDefVersion: "3", agent.LabelCluster: "default", agent.LabelContainerInstance: h.agent.ContainerInstanceArn(),
		"team": "x",
	}
	for k, v := range wantLabels {
		if s.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, s.Labels[k], v)
		}
	}
	for _, kv := range []string{"A=1", "B=3", "C=4", "AWS_EXECUTION_ENV=AWS_ECS_EC2", "AWS_REGION=eu-west-1"} {
		if !slices.Contains(s.Env, kv) {
			t.Errorf("env %v lacks %s", s.Env, kv)
		}
	}
	if s.CPUShares != 262144 || s.MemoryBytes != 4<<20 || s.MemoryReservationBytes != 32<<20 {
		t.Errorf("cpu/mem/res = %d/%d/%d", s.CPUShares, s.MemoryBytes, s.MemoryReservationBytes)
	}
	if !equal(s.Command, []string{"override"}) || !equal(s.EntryPoint, []string{"/bin/app"}) || s.User != "nobody" || s.WorkingDir != "/srv" {
		t.Errorf("command/entrypoint/user/workdir = %v/%v/%s/%s", s.Command, s.EntryPoint, s.User, s.WorkingDir)
	}
	if !s.Privileged || !s.ReadonlyRootfs || !s.Init || !equal(s.CapAdd, []string{"NET_ADMIN"}) || !equal(s.ExtraHosts, []string{"db:10.0.0.1"}) ||
		!equal(s.DNSServers, []string{"1.1.1.1"}) || len(s.Ulimits) != 1 || s.Ulimits[0] != (runtime.Ulimit{Name: "nofile", Soft: 1024, Hard: 4096}) {
		t.Errorf("flags not mapped: %+v", s)
	}
	if len(s.Mounts) != 3 || s.Mounts[0] != (runtime.Mount{Type: "bind", Source: "/var/log", Target: "/h", ReadOnly: true}) ||
		s.Mounts[1] != (runtime.Mount{Type: "volume", Source: "shared", Target: "/s"}) ||
		s.Mounts[2].Type != "volume" || !strings.HasPrefix(s.Mounts[2].Source, "ecs-fam-3-scratch-") {
		t.Errorf("mounts = %+v", s.Mounts)
	}
	vols := h.rt.Volumes()
	if len(vols) != 2 || !slices.Contains(vols, "shared") {
		t.Errorf("volumes = %v, want shared and the task's scratch volume", vols)
	}
}
