package docker

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/ecskit/ecs/runtime"
)

// CPU share and memory bounds of the ECS agent on Linux (ECS-SPEC §7.2).
const (
	minCPUShares   = 2
	maxCPUShares   = 262144
	minMemoryBytes = 4 << 20
)

// cloudLogDrivers cannot work without AWS; containers asking for them get
// the engine's default log driver.
var cloudLogDrivers = map[string]bool{"awslogs": true, "awsfirelens": true}

// clampCPUShares applies the ECS agent's bounds to CPU shares.
func clampCPUShares(shares int64) int64 {
	return min(max(shares, minCPUShares), maxCPUShares)
}

// clampMemory applies the ECS agent's floor to a hard memory limit; zero
// means no limit and stays zero.
func clampMemory(bytes int64) int64 {
	if bytes > 0 && bytes < minMemoryBytes {
		return minMemoryBytes
	}
	return max(bytes, 0)
}

// createOptions maps a ContainerSpec to the engine's create request.
// logDriver is the log driver to use, already resolved (see
// Runtime.logDriver); "" leaves the engine's default.
func createOptions(spec runtime.ContainerSpec, logDriver string) (client.ContainerCreateOptions, error) {
	if spec.Image == "" {
		return client.ContainerCreateOptions{}, fmt.Errorf("image: must not be empty")
	}
	cfg := &container.Config{
		Image:           spec.Image,
		Hostname:        spec.Hostname,
		User:            spec.User,
		WorkingDir:      spec.WorkingDir,
		Env:             slices.Clone(spec.Env),
		Entrypoint:      slices.Clone(spec.EntryPoint),
		Cmd:             slices.Clone(spec.Command),
		Labels:          maps.Clone(spec.Labels),
		OpenStdin:       spec.Interactive,
		Tty:             spec.TTY,
		NetworkDisabled: spec.DisableNetworking,
		StopSignal:      spec.StopSignal,
	}
	hc := &container.HostConfig{
		NetworkMode:    container.NetworkMode(cmp.Or(spec.NetworkMode, "bridge")),
		Links:          slices.Clone(spec.Links),
		VolumesFrom:    slices.Clone(spec.VolumesFrom),
		Privileged:     spec.Privileged,
		ReadonlyRootfs: spec.ReadonlyRootfs,
		DNSSearch:      slices.Clone(spec.DNSSearchDomains),
		ExtraHosts:     slices.Clone(spec.ExtraHosts),
		SecurityOpt:    slices.Clone(spec.SecurityOpts),
		Sysctls:        maps.Clone(spec.Sysctls),
		CapAdd:         slices.Clone(spec.CapAdd),
		CapDrop:        slices.Clone(spec.CapDrop),
		Tmpfs:          maps.Clone(spec.Tmpfs),
		Resources: container.Resources{
			CPUShares:         clampCPUShares(spec.CPUShares),
			Memory:            clampMemory(spec.MemoryBytes),
			MemoryReservation: max(spec.MemoryReservationBytes, 0),
		},
	}
	if spec.Init {
		init := true
		hc.Init = &init
	}
	if logDriver != "" {
		hc.LogConfig = container.LogConfig{Type: logDriver, Config: maps.Clone(spec.LogOptions)}
	}
	for i, s := range spec.DNSServers {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return client.ContainerCreateOptions{}, fmt.Errorf("dnsServers[%d]: %q is not an IP address", i, s)
		}
		hc.DNS = append(hc.DNS, a)
	}
	for _, u := range spec.Ulimits {
		hc.Ulimits = append(hc.Ulimits, &container.Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
	}
	if err := mapPorts(spec.PortBindings, cfg, hc); err != nil {
		return client.ContainerCreateOptions{}, err
	}
	if err := mapMounts(spec.Mounts, cfg, hc); err != nil {
		return client.ContainerCreateOptions{}, err
	}
	if h := spec.HealthCheck; h != nil {
		cfg.Healthcheck = &container.HealthConfig{
			Test:        slices.Clone(h.Test),
			Interval:    h.Interval,
			Timeout:     h.Timeout,
			StartPeriod: h.StartPeriod,
			Retries:     h.Retries,
		}
	}
	return client.ContainerCreateOptions{Name: spec.Name, Config: cfg, HostConfig: hc}, nil
}

// mapPorts exposes and publishes the port bindings; a zero host port is
// published as "" so the engine picks one from its ephemeral range.
func mapPorts(bindings []runtime.PortBinding, cfg *container.Config, hc *container.HostConfig) error {
	for i, b := range bindings {
		proto := network.IPProtocol(strings.ToLower(cmp.Or(b.Protocol, "tcp")))
		if b.ContainerPort < 1 || b.ContainerPort > 65535 {
			return fmt.Errorf("portBindings[%d].containerPort: must be 1-65535, got %d", i, b.ContainerPort)
		}
		if b.HostPort < 0 || b.HostPort > 65535 {
			return fmt.Errorf("portBindings[%d].hostPort: must be 0-65535, got %d", i, b.HostPort)
		}
		port, ok := network.PortFrom(uint16(b.ContainerPort), proto)
		if !ok || (proto != network.TCP && proto != network.UDP) {
			return fmt.Errorf("portBindings[%d].protocol: %q is not tcp or udp", i, b.Protocol)
		}
		pb := network.PortBinding{}
		if b.HostPort != 0 {
			pb.HostPort = strconv.Itoa(b.HostPort)
		}
		if b.HostIP != "" {
			a, err := netip.ParseAddr(b.HostIP)
			if err != nil {
				return fmt.Errorf("portBindings[%d].hostIP: %q is not an IP address", i, b.HostIP)
			}
			pb.HostIP = a
		}
		if cfg.ExposedPorts == nil {
			cfg.ExposedPorts = network.PortSet{}
			hc.PortBindings = network.PortMap{}
		}
		cfg.ExposedPorts[port] = struct{}{}
		hc.PortBindings[port] = append(hc.PortBindings[port], pb)
	}
	return nil
}

// mapMounts turns mounts into binds, as the ECS agent does: a missing host
// path is created by the engine and a missing named volume is created with
// the engine's default driver. A volume mount without a source is an
// anonymous volume.
func mapMounts(mounts []runtime.Mount, cfg *container.Config, hc *container.HostConfig) error {
	for i, m := range mounts {
		if !strings.HasPrefix(m.Target, "/") {
			return fmt.Errorf("mounts[%d].target: must be an absolute path, got %q", i, m.Target)
		}
		switch m.Type {
		case "bind", "volume", "":
		default:
			return fmt.Errorf("mounts[%d].type: must be bind or volume, got %q", i, m.Type)
		}
		if m.Source == "" {
			if m.Type == "bind" {
				return fmt.Errorf("mounts[%d].source: a bind mount needs a host path", i)
			}
			if cfg.Volumes == nil {
				cfg.Volumes = map[string]struct{}{}
			}
			cfg.Volumes[m.Target] = struct{}{}
			continue
		}
		if m.Type == "bind" && !strings.HasPrefix(m.Source, "/") {
			return fmt.Errorf("mounts[%d].source: a bind mount needs an absolute host path, got %q", i, m.Source)
		}
		bind := m.Source + ":" + m.Target
		if m.ReadOnly {
			bind += ":ro"
		}
		hc.Binds = append(hc.Binds, bind)
	}
	return nil
}
