package docker_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecskit/ecs/internal/dockertest"
	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/runtime/docker"
)

func TestCreateMapsSpec(t *testing.T) {
	t.Parallel()
	rt, img := engine(t)
	spec := runtime.ContainerSpec{
		Command:                []string{"-run", "1h"},
		Labels:                 map[string]string{"app": "limits"},
		CPUShares:              1, // clamped to 2
		MemoryBytes:            64 << 20,
		MemoryReservationBytes: 32 << 20,
		Ulimits:                []runtime.Ulimit{{Name: "nofile", Soft: 1000, Hard: 2000}},
		ReadonlyRootfs:         true,
		Tmpfs:                  map[string]string{"/scratch": "size=1m"},
		DNSServers:             []string{"127.0.0.53"},
		DNSSearchDomains:       []string{"ecskit.test"},
		ExtraHosts:             []string{"db.internal:10.0.0.9"},
		SecurityOpts:           []string{"no-new-privileges"},
		Sysctls:                map[string]string{"net.core.somaxconn": "1024"},
		CapAdd:                 []string{"NET_ADMIN"},
		CapDrop:                []string{"MKNOD"},
		Init:                   true,
		LogDriver:              "awslogs", // cannot work locally: engine default
		LogOptions:             map[string]string{"awslogs-group": "g"},
		StopSignal:             "SIGQUIT",
		HealthCheck: &runtime.HealthCheck{
			Test: []string{"CMD", "/app", "health"}, Interval: 30 * time.Second,
			Timeout: 5 * time.Second, Retries: 3, StartPeriod: 10 * time.Second,
		},
	}
	id := run(t, rt, img, spec)
	st := waitFor(t, rt, id, "running", func(s runtime.ContainerStatus) bool { return s.State == runtime.StateRunning })
	if st.Labels["app"] != "limits" || st.Labels[dockertest.TestLabel] != "1" {
		t.Errorf("labels = %v", st.Labels)
	}
	if st.Image != img || !strings.HasPrefix(st.ImageID, "sha256:") {
		t.Errorf("image = %q, imageID = %q", st.Image, st.ImageID)
	}
	if st.CreatedAt.IsZero() || st.StartedAt.IsZero() || !st.FinishedAt.IsZero() {
		t.Errorf("times: created %v started %v finished %v", st.CreatedAt, st.StartedAt, st.FinishedAt)
	}

	raw, err := docker.RawInspect(ctxFor(t, time.Minute), rt, id)
	if err != nil {
		t.Fatal(err)
	}
	hc, cfg := raw.HostConfig, raw.Config
	checks := []struct {
		what      string
		got, want any
	}{
		{"CpuShares", hc.CPUShares, int64(2)},
		{"Memory", hc.Memory, int64(64 << 20)},
		{"MemoryReservation", hc.MemoryReservation, int64(32 << 20)},
		{"Ulimits", fmt.Sprint(*hc.Ulimits[0]), "{nofile 2000 1000}"},
		{"ReadonlyRootfs", hc.ReadonlyRootfs, true},
		{"Tmpfs", hc.Tmpfs["/scratch"], "size=1m"},
		{"Dns", fmt.Sprint(hc.DNS), "[127.0.0.53]"},
		{"DnsSearch", fmt.Sprint(hc.DNSSearch), "[ecskit.test]"},
		{"ExtraHosts", fmt.Sprint(hc.ExtraHosts), "[db.internal:10.0.0.9]"},
		{"SecurityOpt", fmt.Sprint(hc.SecurityOpt), "[no-new-privileges]"},
		{"Sysctls", hc.Sysctls["net.core.somaxconn"], "1024"},
		{"CapAdd", fmt.Sprint(hc.CapAdd), "[CAP_NET_ADMIN]"},
		{"CapDrop", fmt.Sprint(hc.CapDrop), "[CAP_MKNOD]"},
		{"Init", hc.Init != nil && *hc.Init, true},
		{"LogConfig.Type", hc.LogConfig.Type, "json-file"}, // this engine's default
		{"NetworkMode", string(hc.NetworkMode), "bridge"},
		{"StopSignal", cfg.StopSignal, "SIGQUIT"},
		{"Healthcheck.Test", fmt.Sprint(cfg.Healthcheck.Test), "[CMD /app health]"},
		{"Healthcheck.Interval", cfg.Healthcheck.Interval, 30 * time.Second},
		{"Healthcheck.Timeout", cfg.Healthcheck.Timeout, 5 * time.Second},
		{"Healthcheck.StartPeriod", cfg.Healthcheck.StartPeriod, 10 * time.Second},
		{"Healthcheck.Retries", cfg.Healthcheck.Retries, 3},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}

func TestPorts(t *testing.T) {
	t.Parallel()
	rt, img := engine(t)
	static := freePort(t)
	id := run(t, rt, img, runtime.ContainerSpec{
		Command: []string{"-http", ":8080"},
		PortBindings: []runtime.PortBinding{
			{ContainerPort: 8080, HostPort: static, Protocol: "tcp"},
			{ContainerPort: 8080, HostPort: 0}, // dynamic
			{ContainerPort: 8080, HostIP: "127.0.0.1"},
		},
	})
	st := waitFor(t, rt, id, "running", func(s runtime.ContainerStatus) bool { return s.State == runtime.StateRunning })
	ports := hostPorts(st, 8080)
	if len(ports) != 3 || !ports[static] {
		t.Fatalf("ports = %+v, want the static port %d and two dynamic ports", st.Ports, static)
	}
	loopback := 0
	for _, p := range st.Ports {
		if p.HostIP == "127.0.0.1" {
			loopback++
		}
	}
	if loopback != 1 {
		t.Errorf("ports = %+v, want one bound to 127.0.0.1 only", st.Ports)
	}
	for p := range ports {
		if body := get(t, fmt.Sprintf("http://127.0.0.1:%d/", p)); string(body) != "ok\n" {
			t.Errorf("GET through host port %d = %q", p, body)
		}
	}
}

func TestProcessSpec(t *testing.T) {
	t.Parallel()
	rt, img := engine(t)
	id := run(t, rt, img, runtime.ContainerSpec{
		EntryPoint:   []string{"/app"},
		Command:      []string{"-http", ":8080"},
		Env:          []string{"GREETING=hello world", "EMPTY="},
		User:         "1234:5678",
		WorkingDir:   "/work/dir",
		Hostname:     "ecskit-host",
		PortBindings: []runtime.PortBinding{{ContainerPort: 8080}},
	})
	st := waitFor(t, rt, id, "running", func(s runtime.ContainerStatus) bool { return s.State == runtime.StateRunning })
	var port int
	for p := range hostPorts(st, 8080) {
		port = p
	}
	in := getInfo(t, fmt.Sprintf("http://127.0.0.1:%d/info", port))
	if want := []string{"/app", "-http", ":8080"}; !slices.Equal(in.Args, want) {
		t.Errorf("args = %q, want %q", in.Args, want)
	}
	for _, kv := range []string{"GREETING=hello world", "EMPTY="} {
		if !slices.Contains(in.Env, kv) {
			t.Errorf("env %q missing from %q", kv, in.Env)
		}
	}
	if in.UID != 1234 || in.GID != 5678 || in.Cwd != "/work/dir" || in.Hostname != "ecskit-host" {
		t.Errorf("uid %d gid %d cwd %q hostname %q", in.UID, in.GID, in.Cwd, in.Hostname)
	}
}

func TestMounts(t *testing.T) {
	t.Parallel()
	rt, img := engine(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	vol := dockertest.Volume(t, rt)

	// One container writes to the bind mount and the named volume; a second
	// one copies the volume's file to the bind mount, where the test reads
	// both.
	writer := run(t, rt, img, runtime.ContainerSpec{
		Command: []string{"-write", "/host/direct=from bind", "-write", "/vol/sub/file=from volume", "-run", "1ms"},
		Mounts: []runtime.Mount{
			{Type: "bind", Source: dir, Target: "/host"},
			{Type: "volume", Source: vol, Target: "/vol"},
		},
	})
	if st := waitExited(t, rt, writer); st.ExitCode != 0 {
		t.Fatalf("writer exit code = %d", st.ExitCode)
	}
	reader := run(t, rt, img, runtime.ContainerSpec{
		Command: []string{"-copy", "/vol/sub/file=/host/copied", "-run", "1ms"},
		Mounts: []runtime.Mount{
			{Type: "bind", Source: dir, Target: "/host"},
			{Type: "volume", Source: vol, Target: "/vol", ReadOnly: true},
		},
	})
	if st := waitExited(t, rt, reader); st.ExitCode != 0 {
		t.Fatalf("reader exit code = %d", st.ExitCode)
	}
	for name, want := range map[string]string{"direct": "from bind", "copied": "from volume"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", name, b, err, want)
		}
	}

	// A read-only mount refuses writes: the program exits 3.
	ro := run(t, rt, img, runtime.ContainerSpec{
		Command: []string{"-write", "/vol/nope=x", "-run", "1ms"},
		Mounts:  []runtime.Mount{{Type: "volume", Source: vol, Target: "/vol", ReadOnly: true}},
	})
	if st := waitExited(t, rt, ro); st.ExitCode != 3 {
		t.Errorf("write to read-only volume: exit code = %d, want 3", st.ExitCode)
	}
}

func TestVolumesFrom(t *testing.T) {
	t.Parallel()
	rt, img := engine(t)
	dir := t.TempDir()
	source := create(t, rt, img, runtime.ContainerSpec{
		Name:   dockertest.Name(t, "src"),
		Mounts: []runtime.Mount{{Type: "bind", Source: dir, Target: "/shared"}},
	})
	st, err := rt.Inspect(ctxFor(t, time.Minute), source)
	if err != nil {
		t.Fatal(err)
	}
	user := run(t, rt, img, runtime.ContainerSpec{
		Command:     []string{"-write", "/shared/hi=there", "-run", "1ms"},
		VolumesFrom: []string{st.Name},
	})
	if st := waitExited(t, rt, user); st.ExitCode != 0 {
		t.Fatalf("exit code = %d", st.ExitCode)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "hi")); string(b) != "there" {
		t.Errorf("file written through volumesFrom = %q, %v", b, err)
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	rt, img := engine(t)
	id := run(t, rt, img, runtime.ContainerSpec{Command: []string{"-run", "10ms", "-exit", "3"}})
	st := waitExited(t, rt, id)
	if st.ExitCode != 3 || st.OOMKilled {
		t.Errorf("exit code %d, OOMKilled %v; want 3, false", st.ExitCode, st.OOMKilled)
	}
	if st.StartedAt.IsZero() || st.FinishedAt.Before(st.StartedAt) {
		t.Errorf("started %v, finished %v", st.StartedAt, st.FinishedAt)
	}
}

func TestStopEscalatesToKill(t *testing.T) {
	t.Parallel()
	rt, img := engine(t)
	id := runReady(t, rt, img, runtime.ContainerSpec{Command: []string{"-ignore-sigterm"}})
	if err := rt.Stop(ctxFor(t, time.Minute), id, time.Second); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	st, err := rt.Inspect(ctxFor(t, time.Minute), id)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != runtime.StateExited || st.ExitCode != 137 {
		t.Errorf("after Stop: state %s, exit code %d; want exited, 137 (SIGKILL)", st.State, st.ExitCode)
	}
	// Stopping again is not an error.
	if err := rt.Stop(ctxFor(t, time.Minute), id, time.Second); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestStopGraceful(t *testing.T) {
	t.Parallel()
	rt, img := engine(t)
	id := runReady(t, rt, img, runtime.ContainerSpec{Command: []string{"-term-exit", "42"}})
	if err := rt.Stop(ctxFor(t, time.Minute), id, 30*time.Second); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	st, err := rt.Inspect(ctxFor(t, time.Minute), id)
	if err != nil {
		t.Fatal(err)
	}
	if st.ExitCode != 42 {
		t.Errorf("exit code after SIGTERM = %d, want 42", st.ExitCode)
	}
}

func TestHealthCheck(t *testing.T) {
	t.Parallel()
	rt, img := engine(t)
	check := &runtime.HealthCheck{
		Test:     []string{"CMD", "/app", "health"},
		Interval: 200 * time.Millisecond, Timeout: 5 * time.Second, Retries: 2,
	}
	for _, tc := range []struct {
		name string
		env  []string
		want runtime.Health
	}{
		{"healthy", nil, runtime.HealthHealthy},
		{"unhealthy", []string{"TESTAPP_HEALTHY=0"}, runtime.HealthUnhealthy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id := run(t, rt, img, runtime.ContainerSpec{Env: tc.env, HealthCheck: check})
			waitFor(t, rt, id, string(tc.want), func(s runtime.ContainerStatus) bool { return s.Health == tc.want })
		})
	}
	t.Run("none", func(t *testing.T) {
		t.Parallel()
		id := run(t, rt, img, runtime.ContainerSpec{Command: []string{"-run", "1ms"}})
		if st := waitExited(t, rt, id); st.Health != runtime.HealthNone {
			t.Errorf("health without a check = %q", st.Health)
		}
	})
}

// TestOOMKilled reads OOMKilled and the exit code of a container whose
// memory ran out. The allocation starts once the container answers HTTP,
// in a child process, and the program exits 137 when the kernel killed
// it: an engine reliably reports an OOM kill only then (see
// TestEventsOOMAndHealth).
func TestOOMKilled(t *testing.T) {
	t.Parallel()
	rt, img := engine(t)
	id := runReady(t, rt, img, runtime.ContainerSpec{MemoryBytes: 32 << 20})
	st, err := rt.Inspect(ctxFor(t, time.Minute), id)
	if err != nil {
		t.Fatal(err)
	}
	for p := range hostPorts(st, 8080) {
		get(t, fmt.Sprintf("http://127.0.0.1:%d/alloc?then=exit", p))
		break
	}
	st = waitExited(t, rt, id)
	if !st.OOMKilled || st.ExitCode != 137 {
		t.Errorf("OOMKilled %v, exit code %d; want true, 137", st.OOMKilled, st.ExitCode)
	}
}

func TestListByLabel(t *testing.T) {
	t.Parallel()
	rt, img := engine(t)
	key := "ecskit.test.list"
	a := create(t, rt, img, runtime.ContainerSpec{Labels: map[string]string{key: "a"}})
	b := create(t, rt, img, runtime.ContainerSpec{Labels: map[string]string{key: "b"}})
	own := dockertest.Labels(t)

	ids := func(labels map[string]string) []string {
		cs, err := rt.List(ctxFor(t, time.Minute), labels)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		var out []string
		for _, c := range cs {
			if c.State != runtime.StateCreated || c.Name == "" {
				t.Errorf("summary %+v: want state created and a name", c)
			}
			out = append(out, c.ID)
		}
		slices.Sort(out)
		return out
	}
	both := []string{a, b}
	slices.Sort(both)
	own[key] = "a"
	if got := ids(own); !slices.Equal(got, []string{a}) {
		t.Errorf("List(%s=a) = %v, want [%s]", key, got, a)
	}
	own[key] = ""
	if got := ids(own); !slices.Equal(got, both) {
		t.Errorf("List(%s) = %v, want %v", key, got, both)
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	rt, _ := engine(t)
	ctx := ctxFor(t, time.Minute)
	missing := "ecskit-test-no-such-container"
	if _, err := rt.Inspect(ctx, missing); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Inspect missing: %v, want ErrNotFound", err)
	}
	if err := rt.Stop(ctx, missing, time.Second); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Stop missing: %v, want ErrNotFound", err)
	}
	if err := rt.Start(ctx, missing); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Start missing: %v, want ErrNotFound", err)
	}
	if err := rt.Remove(ctx, missing); err != nil {
		t.Errorf("Remove missing: %v, want nil", err)
	}
	_, err := rt.Create(ctx, runtime.ContainerSpec{
		Name: dockertest.Name(t, "c"), Image: "ecskit-test-no-such-image:1", Labels: dockertest.Labels(t),
	})
	if !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Create with a missing image: %v, want ErrNotFound", err)
	}
}

func TestRemoveRunning(t *testing.T) {
	t.Parallel()
	rt, img := engine(t)
	id := run(t, rt, img, runtime.ContainerSpec{Mounts: []runtime.Mount{{Type: "volume", Target: "/anon"}}})
	raw, err := docker.RawInspect(ctxFor(t, time.Minute), rt, id)
	if err != nil || len(raw.Mounts) != 1 || raw.Mounts[0].Name == "" {
		t.Fatalf("anonymous volume: %v %+v", err, raw.Mounts)
	}
	anon := raw.Mounts[0].Name
	if err := rt.Remove(ctxFor(t, time.Minute), id); err != nil {
		t.Fatalf("Remove running: %v", err)
	}
	if _, err := rt.Inspect(ctxFor(t, time.Minute), id); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Inspect after Remove: %v, want ErrNotFound", err)
	}
	if ok, err := docker.VolumeExists(ctxFor(t, time.Minute), rt, anon); ok || err != nil {
		t.Errorf("anonymous volume %s after Remove: exists %v, %v", anon, ok, err)
	}
}

func TestStopSignal(t *testing.T) {
	t.Parallel()
	rt, img := engine(t)
	// The program ignores SIGTERM but exits 42 on SIGINT: exit 42 proves the
	// engine sent the container's stop signal.
	id := runReady(t, rt, img, runtime.ContainerSpec{
		Command:    []string{"-ignore-sigterm", "-term-exit", "42"},
		StopSignal: "SIGINT",
	})
	if err := rt.Stop(ctxFor(t, time.Minute), id, 30*time.Second); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	st, err := rt.Inspect(ctxFor(t, time.Minute), id)
	if err != nil {
		t.Fatal(err)
	}
	if st.ExitCode != 42 {
		t.Errorf("exit code = %d, want 42 (stopped by SIGINT)", st.ExitCode)
	}
}

func TestLogDrivers(t *testing.T) {
	t.Parallel()
	rt, img := engine(t)
	logType := func(driver string) string {
		id := create(t, rt, img, runtime.ContainerSpec{LogDriver: driver})
		raw, err := docker.RawInspect(ctxFor(t, time.Minute), rt, id)
		if err != nil {
			t.Fatal(err)
		}
		return raw.HostConfig.LogConfig.Type
	}
	def := logType("")
	for driver, want := range map[string]string{
		"none":                  "none", // the engine has these: passed through
		"local":                 "local",
		"awslogs":               def, // needs AWS
		"awsfirelens":           def, // needs AWS
		"ecskit-no-such-driver": def, // the engine lacks it
	} {
		if got := logType(driver); got != want {
			t.Errorf("log driver %q became %q, want %q", driver, got, want)
		}
	}
}

func TestNameResolution(t *testing.T) {
	t.Parallel()
	rt, img := engine(t)
	target := dockertest.Name(t, "db")
	run(t, rt, img, runtime.ContainerSpec{Name: target})
	id := runReady(t, rt, img, runtime.ContainerSpec{
		Links:            []string{target + ":database"},
		ExtraHosts:       []string{"cache.internal:10.1.2.3"},
		DNSServers:       []string{"10.0.0.2"},
		DNSSearchDomains: []string{"svc.ecskit"},
	})
	st, err := rt.Inspect(ctxFor(t, time.Minute), id)
	if err != nil {
		t.Fatal(err)
	}
	var port int
	for p := range hostPorts(st, 8080) {
		port = p
	}
	file := func(path string) string {
		return string(get(t, fmt.Sprintf("http://127.0.0.1:%d/file?path=%s", port, path)))
	}
	hosts, resolv := file("/etc/hosts"), file("/etc/resolv.conf")
	for _, want := range []string{"database", "10.1.2.3\tcache.internal"} {
		if !strings.Contains(hosts, want) {
			t.Errorf("/etc/hosts lacks %q:\n%s", want, hosts)
		}
	}
	for _, want := range []string{"nameserver 10.0.0.2", "search svc.ecskit"} {
		if !strings.Contains(resolv, want) {
			t.Errorf("/etc/resolv.conf lacks %q:\n%s", want, resolv)
		}
	}
}
