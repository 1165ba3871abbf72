package docker

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"

	"github.com/ecskit/ecs/runtime"
)

func TestClamps(t *testing.T) {
	for in, want := range map[int64]int64{-5: 2, 0: 2, 1: 2, 2: 2, 1024: 1024, 262144: 262144, 262145: 262144, 1 << 40: 262144} {
		if got := clampCPUShares(in); got != want {
			t.Errorf("clampCPUShares(%d) = %d, want %d", in, got, want)
		}
	}
	for in, want := range map[int64]int64{-1: 0, 0: 0, 1: 4 << 20, 4<<20 - 1: 4 << 20, 4 << 20: 4 << 20, 512 << 20: 512 << 20} {
		if got := clampMemory(in); got != want {
			t.Errorf("clampMemory(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestCreateOptionsMapsEveryField(t *testing.T) {
	spec := runtime.ContainerSpec{
		Name:                   "ecs-fam-1-web-abc",
		Image:                  "app:1",
		Labels:                 map[string]string{"k": "v"},
		Env:                    []string{"A=1"},
		EntryPoint:             []string{"/bin/app"},
		Command:                []string{"serve"},
		User:                   "1000:1000",
		WorkingDir:             "/srv",
		Hostname:               "web",
		CPUShares:              512,
		MemoryBytes:            1 << 20, // clamped
		MemoryReservationBytes: 64 << 20,
		PortBindings: []runtime.PortBinding{
			{ContainerPort: 80, HostPort: 8080, Protocol: "tcp"},
			{ContainerPort: 53, Protocol: "UDP", HostIP: "127.0.0.1"},
		},
		Links: []string{"db:database"},
		Mounts: []runtime.Mount{
			{Type: "bind", Source: "/host/data", Target: "/data"},
			{Type: "volume", Source: "cache", Target: "/cache", ReadOnly: true},
			{Type: "volume", Target: "/anon"},
		},
		VolumesFrom:       []string{"other:ro"},
		Ulimits:           []runtime.Ulimit{{Name: "nofile", Soft: 1, Hard: 2}},
		Privileged:        true,
		ReadonlyRootfs:    true,
		DNSServers:        []string{"10.0.0.2"},
		DNSSearchDomains:  []string{"svc.local"},
		ExtraHosts:        []string{"h:10.0.0.3"},
		SecurityOpts:      []string{"no-new-privileges"},
		Sysctls:           map[string]string{"net.core.somaxconn": "1024"},
		CapAdd:            []string{"NET_ADMIN"},
		CapDrop:           []string{"MKNOD"},
		Init:              true,
		Tmpfs:             map[string]string{"/tmp": "size=1m"},
		LogOptions:        map[string]string{"max-size": "1m"},
		Interactive:       true,
		TTY:               true,
		DisableNetworking: true,
		HealthCheck: &runtime.HealthCheck{
			Test: []string{"CMD-SHELL", "true"}, Interval: 5 * time.Second, Timeout: 2 * time.Second,
			Retries: 3, StartPeriod: time.Second,
		},
		StopSignal: "SIGINT",
	}
	opts, err := createOptions(spec, "json-file")
	if err != nil {
		t.Fatal(err)
	}
	tcp80, udp53 := network.MustParsePort("80/tcp"), network.MustParsePort("53/udp")
	init := true
	wantCfg := &container.Config{
		Image: "app:1", Hostname: "web", User: "1000:1000", WorkingDir: "/srv",
		Env: []string{"A=1"}, Entrypoint: []string{"/bin/app"}, Cmd: []string{"serve"},
		Labels: map[string]string{"k": "v"}, OpenStdin: true, Tty: true, NetworkDisabled: true,
		StopSignal:   "SIGINT",
		ExposedPorts: network.PortSet{tcp80: {}, udp53: {}},
		Volumes:      map[string]struct{}{"/anon": {}},
		Healthcheck: &container.HealthConfig{
			Test: []string{"CMD-SHELL", "true"}, Interval: 5 * time.Second, Timeout: 2 * time.Second,
			Retries: 3, StartPeriod: time.Second,
		},
	}
	wantHC := &container.HostConfig{
		NetworkMode: "bridge",
		Binds:       []string{"/host/data:/data", "cache:/cache:ro"},
		PortBindings: network.PortMap{
			tcp80: {{HostPort: "8080"}},
			udp53: {{HostIP: netip.MustParseAddr("127.0.0.1")}},
		},
		Links: []string{"db:database"}, VolumesFrom: []string{"other:ro"},
		Privileged: true, ReadonlyRootfs: true,
		DNS:       []netip.Addr{netip.MustParseAddr("10.0.0.2")},
		DNSSearch: []string{"svc.local"}, ExtraHosts: []string{"h:10.0.0.3"},
		SecurityOpt: []string{"no-new-privileges"}, Sysctls: map[string]string{"net.core.somaxconn": "1024"},
		CapAdd: []string{"NET_ADMIN"}, CapDrop: []string{"MKNOD"},
		Init: &init, Tmpfs: map[string]string{"/tmp": "size=1m"},
		LogConfig: container.LogConfig{Type: "json-file", Config: map[string]string{"max-size": "1m"}},
		Resources: container.Resources{
			CPUShares: 512, Memory: 4 << 20, MemoryReservation: 64 << 20,
			Ulimits: []*container.Ulimit{{Name: "nofile", Soft: 1, Hard: 2}},
		},
	}
	if opts.Name != spec.Name {
		t.Errorf("name = %q", opts.Name)
	}
	cmpPorts := cmp.Comparer(func(a, b network.Port) bool { return a.String() == b.String() })
	cmpAddr := cmp.Comparer(func(a, b netip.Addr) bool { return a == b })
	if d := cmp.Diff(wantCfg, opts.Config, cmpPorts); d != "" {
		t.Errorf("config (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantHC, opts.HostConfig, cmpPorts, cmpAddr); d != "" {
		t.Errorf("host config (-want +got):\n%s", d)
	}

	// The spec is not aliased: changing it does not change the request.
	spec.Env[0], spec.Labels["k"] = "B=2", "w"
	if opts.Config.Env[0] != "A=1" || opts.Config.Labels["k"] != "v" {
		t.Error("request aliases the spec")
	}
}

func TestCreateOptionsDefaults(t *testing.T) {
	opts, err := createOptions(runtime.ContainerSpec{Image: "app:1"}, "")
	if err != nil {
		t.Fatal(err)
	}
	hc := opts.HostConfig
	if hc.NetworkMode != "bridge" || hc.CPUShares != 2 || hc.Memory != 0 || hc.Init != nil || hc.LogConfig.Type != "" {
		t.Errorf("defaults: network %q shares %d memory %d init %v log %q", hc.NetworkMode, hc.CPUShares, hc.Memory, hc.Init, hc.LogConfig.Type)
	}
	if opts.Config.Healthcheck != nil || opts.Config.ExposedPorts != nil {
		t.Errorf("defaults: healthcheck %v, exposed %v", opts.Config.Healthcheck, opts.Config.ExposedPorts)
	}
}

func TestCreateOptionsErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spec  runtime.ContainerSpec
		field string
	}{
		{"no image", runtime.ContainerSpec{}, "image"},
		{"bad dns", runtime.ContainerSpec{Image: "a", DNSServers: []string{"dns.example"}}, "dnsServers[0]"},
		{"bad container port", runtime.ContainerSpec{Image: "a", PortBindings: []runtime.PortBinding{{ContainerPort: 0}}}, "portBindings[0].containerPort"},
		{"bad host port", runtime.ContainerSpec{Image: "a", PortBindings: []runtime.PortBinding{{ContainerPort: 1, HostPort: 70000}}}, "portBindings[0].hostPort"},
		{"bad protocol", runtime.ContainerSpec{Image: "a", PortBindings: []runtime.PortBinding{{ContainerPort: 1, Protocol: "icmp"}}}, "portBindings[0].protocol"},
		{"bad host ip", runtime.ContainerSpec{Image: "a", PortBindings: []runtime.PortBinding{{ContainerPort: 1, HostIP: "x"}}}, "portBindings[0].hostIP"},
		{"relative target", runtime.ContainerSpec{Image: "a", Mounts: []runtime.Mount{{Type: "bind", Source: "/a", Target: "b"}}}, "mounts[0].target"},
		{"bind without source", runtime.ContainerSpec{Image: "a", Mounts: []runtime.Mount{{Type: "bind", Target: "/b"}}}, "mounts[0].source"},
		{"relative bind source", runtime.ContainerSpec{Image: "a", Mounts: []runtime.Mount{{Type: "bind", Source: "a", Target: "/b"}}}, "mounts[0].source"},
		{"bad mount type", runtime.ContainerSpec{Image: "a", Mounts: []runtime.Mount{{Type: "nfs", Source: "a", Target: "/b"}}}, "mounts[0].type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := createOptions(tc.spec, "")
			if err == nil || !strings.HasPrefix(err.Error(), tc.field+":") {
				t.Errorf("error = %v, want one naming %s", err, tc.field)
			}
		})
	}
}

func TestContainerStatus(t *testing.T) {
	tcp80 := network.MustParsePort("80/tcp")
	in := container.InspectResponse{
		ID: "abc", Name: "/ecs-x", Image: "sha256:img", Created: "2026-01-02T03:04:05.5Z",
		Config: &container.Config{Image: "app:1", Labels: map[string]string{"k": "v"}},
		State: &container.State{
			Status: container.StateExited, ExitCode: 137, OOMKilled: true, Error: "boom",
			StartedAt: "2026-01-02T03:04:06Z", FinishedAt: "0001-01-01T00:00:00Z",
			Health: &container.Health{Status: container.Unhealthy},
		},
		NetworkSettings: &container.NetworkSettings{Ports: network.PortMap{
			tcp80: {{HostIP: netip.MustParseAddr("::"), HostPort: "49154"}, {HostIP: netip.MustParseAddr("0.0.0.0"), HostPort: "49154"}},
		}},
		HostConfig: &container.HostConfig{PortBindings: network.PortMap{tcp80: {{}}}},
	}
	got := containerStatus(in)
	want := runtime.ContainerStatus{
		ID: "abc", Name: "ecs-x", Image: "app:1", ImageID: "sha256:img", Labels: map[string]string{"k": "v"},
		State: runtime.StateExited, Health: runtime.HealthUnhealthy, ExitCode: 137, OOMKilled: true, Error: "boom",
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 5e8, time.UTC),
		StartedAt: time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC),
		Ports: []runtime.PortBinding{
			{ContainerPort: 80, HostPort: 49154, Protocol: "tcp", HostIP: "0.0.0.0"}, // not [::]
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("status (-want +got):\n%s", d)
	}

	// Not running: the requested bindings are reported.
	in.NetworkSettings = &container.NetworkSettings{}
	if got := containerStatus(in); !slices.Equal(got.Ports, []runtime.PortBinding{{ContainerPort: 80, Protocol: "tcp"}}) {
		t.Errorf("ports of a stopped container = %+v", got.Ports)
	}
}

func TestStateAndArchitecture(t *testing.T) {
	for in, want := range map[container.ContainerState]runtime.State{
		container.StateCreated: runtime.StateCreated, container.StateRunning: runtime.StateRunning,
		container.StatePaused: runtime.StateRunning, container.StateRestarting: runtime.StateRunning,
		container.StateExited: runtime.StateExited, container.StateDead: runtime.StateExited,
		container.StateRemoving: runtime.StateExited,
	} {
		if got := state(in); got != want {
			t.Errorf("state(%s) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64", "s390x": "s390x"} {
		if got := ecsArchitecture(in); got != want {
			t.Errorf("ecsArchitecture(%s) = %s, want %s", in, got, want)
		}
	}
}
