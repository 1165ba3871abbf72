package agent

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unique"

	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/types"
)

// CPU share and memory bounds of the ECS agent on Linux (ECS-SPEC §7.2).
const (
	minCPUShares = 2
	maxCPUShares = 262144
	minMemory    = 4 << 20
	mib          = 1 << 20
)

// dockerName returns a fresh engine-level name
// ecs-<family>-<revision>-<name>-<20 hex>, keeping only [A-Za-z0-9-] of
// name.
func (t *task) dockerName(name string) string {
	clean := strings.Map(func(r rune) rune {
		if r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, name)
	return fmt.Sprintf("ecs-%s-%d-%s-%s", t.def.Family, t.def.Revision, clean, t.a.randomHex(10))
}

// overridden reports whether o overrides the named container.
func overridden(name string, o *types.TaskOverride) bool {
	if o != nil {
		for _, co := range o.ContainerOverrides {
			if co.Name == name {
				return true
			}
		}
	}
	return false
}

// applyOverrides returns def with the task's container override (command,
// environment, cpu, memory, memoryReservation) applied.
func applyOverrides(def types.ContainerDefinition, o *types.TaskOverride) types.ContainerDefinition {
	if o == nil {
		return def
	}
	for _, co := range o.ContainerOverrides {
		if co.Name != def.Name {
			continue
		}
		if co.Command != nil {
			def.Command = co.Command
		}
		if co.Cpu != nil {
			def.Cpu = *co.Cpu
		}
		if co.Memory != nil {
			def.Memory = co.Memory
		}
		if co.MemoryReservation != nil {
			def.MemoryReservation = co.MemoryReservation
		}
		env := append([]types.KeyValuePair(nil), def.Environment...)
		for _, kv := range co.Environment {
			replaced := false
			for i := range env {
				if env[i].Name == kv.Name {
					env[i].Value, replaced = kv.Value, true
				}
			}
			if !replaced {
				env = append(env, kv)
			}
		}
		def.Environment = env
	}
	return def
}

// taskScoped reports whether v is an engine volume that lives and dies
// with the task: a dockerVolumeConfiguration with task scope, or a volume
// with neither host path nor configuration.
func taskScoped(v types.Volume) bool {
	if dv := v.DockerVolumeConfiguration; dv != nil {
		return dv.Scope == "" || dv.Scope == "task"
	}
	if v.EfsVolumeConfiguration != nil || v.FsxWindowsFileServerVolumeConfiguration != nil {
		return false
	}
	return v.Host == nil || v.Host.SourcePath == ""
}

// labels are the labels every engine object of the task carries.
func (t *task) labels() map[string]string {
	return map[string]string{
		LabelTaskArn:           t.arn,
		LabelTaskDefFamily:     t.def.Family,
		LabelTaskDefVersion:    intern(strconv.FormatInt(t.def.Revision, 10)),
		LabelCluster:           t.a.cfg.Cluster,
		LabelContainerInstance: t.a.ContainerInstanceArn(),
	}
}

// createVolumes creates the task's task-scoped volumes, and shared ones
// with autoprovision.
func (t *task) createVolumes(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, volumeTimeout)
	defer cancel()
	for _, v := range t.def.Volumes {
		dv := v.DockerVolumeConfiguration
		switch {
		case t.volumes[v.Name] != "":
			labels := t.labels()
			if dv != nil {
				for k, val := range dv.Labels {
					labels[k] = val
				}
			}
			if err := t.a.cfg.Runtime.CreateVolume(ctx, t.volumes[v.Name], labels); err != nil {
				return fmt.Errorf("volume %s: %w", v.Name, err)
			}
		case dv != nil && dv.Autoprovision != nil && *dv.Autoprovision:
			if err := t.a.cfg.Runtime.CreateVolume(ctx, v.Name, dv.Labels); err != nil {
				return fmt.Errorf("volume %s: %w", v.Name, err)
			}
		}
	}
	return nil
}

// spec maps c's container definition to what the runtime creates.
func (t *task) spec(c *container) (runtime.ContainerSpec, error) {
	d := c.def
	s := runtime.ContainerSpec{
		Name: c.dockerName, Image: d.Image, EntryPoint: d.EntryPoint, Command: d.Command,
		User: d.User, WorkingDir: d.WorkingDirectory, Hostname: d.Hostname,
		CPUShares:   min(max(d.Cpu, minCPUShares), maxCPUShares),
		NetworkMode: t.def.NetworkMode, DNSServers: d.DnsServers, DNSSearchDomains: d.DnsSearchDomains,
		SecurityOpts: d.DockerSecurityOptions,
		Privileged:   isTrue(d.Privileged), ReadonlyRootfs: isTrue(d.ReadonlyRootFilesystem),
		Interactive: isTrue(d.Interactive), TTY: isTrue(d.PseudoTerminal),
		DisableNetworking: isTrue(d.DisableNetworking),
	}
	if s.NetworkMode == types.NetworkModeAwsvpc {
		return s, fmt.Errorf("network mode awsvpc is not supported by this agent")
	}
	if d.Memory != nil && *d.Memory > 0 {
		s.MemoryBytes = max(*d.Memory*mib, minMemory)
	}
	if d.MemoryReservation != nil && *d.MemoryReservation > 0 {
		s.MemoryReservationBytes = *d.MemoryReservation * mib
	}
	s.Labels = map[string]string{}
	for k, v := range d.DockerLabels {
		s.Labels[k] = v
	}
	for k, v := range t.labels() {
		s.Labels[k] = v
	}
	s.Labels[LabelContainerName] = c.name
	s.Env = append(t.env(d), c.secretEnv...)
	for _, pm := range d.PortMappings {
		if pm.ContainerPort == nil {
			if pm.ContainerPortRange != "" {
				return s, fmt.Errorf("portMappings: containerPortRange %q is not supported", pm.ContainerPortRange)
			}
			continue
		}
		pb := runtime.PortBinding{ContainerPort: int(*pm.ContainerPort), Protocol: strings.ToLower(pm.Protocol)}
		if pb.Protocol == "" {
			pb.Protocol = "tcp"
		}
		if pm.HostPort != nil {
			pb.HostPort = int(*pm.HostPort)
		}
		if s.NetworkMode == types.NetworkModeHost && pb.HostPort == 0 {
			pb.HostPort = pb.ContainerPort
		}
		s.PortBindings = append(s.PortBindings, pb)
	}
	for _, l := range d.Links {
		name, alias, found := strings.Cut(l, ":")
		if !found {
			alias = name
		}
		if target := t.byName(name); target != nil {
			s.Links = append(s.Links, target.dockerName+":"+alias)
		}
	}
	for _, vf := range d.VolumesFrom {
		src := t.byName(vf.SourceContainer)
		if src == nil {
			return s, fmt.Errorf("volumesFrom: container %s is not in the task", vf.SourceContainer)
		}
		ref := src.dockerName
		if isTrue(vf.ReadOnly) {
			ref += ":ro"
		}
		s.VolumesFrom = append(s.VolumesFrom, ref)
	}
	if err := t.mounts(d, &s); err != nil {
		return s, err
	}
	for _, u := range d.Ulimits {
		s.Ulimits = append(s.Ulimits, runtime.Ulimit{Name: u.Name, Soft: u.SoftLimit, Hard: u.HardLimit})
	}
	for _, h := range d.ExtraHosts {
		s.ExtraHosts = append(s.ExtraHosts, h.Hostname+":"+h.IpAddress)
	}
	for _, sc := range d.SystemControls {
		if s.Sysctls == nil {
			s.Sysctls = map[string]string{}
		}
		s.Sysctls[sc.Namespace] = sc.Value
	}
	if lp := d.LinuxParameters; lp != nil {
		if lp.Capabilities != nil {
			s.CapAdd, s.CapDrop = lp.Capabilities.Add, lp.Capabilities.Drop
		}
		s.Init = isTrue(lp.InitProcessEnabled)
		for _, tf := range lp.Tmpfs {
			if s.Tmpfs == nil {
				s.Tmpfs = map[string]string{}
			}
			opts := append([]string{fmt.Sprintf("size=%dm", tf.Size)}, tf.MountOptions...)
			s.Tmpfs[tf.ContainerPath] = strings.Join(opts, ",")
		}
	}
	if lc := d.LogConfiguration; lc != nil {
		s.LogDriver, s.LogOptions = lc.LogDriver, withSecretOptions(lc.Options, c.secretLogOptions)
	}
	s.HealthCheck = healthCheckSpec(d.HealthCheck)
	return s, nil
}

// env is the container's environment: its definition (overrides applied),
// then what the ECS agent injects unless already set.
func (t *task) env(d *types.ContainerDefinition) []string {
	var env []string
	set := map[string]bool{}
	for _, kv := range d.Environment {
		env = append(env, intern(kv.Name+"="+kv.Value))
		set[kv.Name] = true
	}
	// What every container of the agent gets is interned; the metadata
	// endpoint's URIs are the container's own.
	inject := func(k, v string, shared bool) {
		if !set[k] && v != "" {
			kv := k + "=" + v
			if shared {
				kv = intern(kv)
			}
			env = append(env, kv)
			set[k] = true
		}
	}
	inject("AWS_EXECUTION_ENV", "AWS_ECS_EC2", true)
	for _, kv := range t.metadataEnv(d.Name) {
		inject(kv[0], kv[1], false)
	}
	inject("AWS_REGION", t.a.cfg.Region, true)
	inject("AWS_DEFAULT_REGION", t.a.cfg.Region, true)
	return env
}

// mounts maps mountPoints to bind mounts (host volumes) and engine volumes.
func (t *task) mounts(d *types.ContainerDefinition, s *runtime.ContainerSpec) error {
	for _, mp := range d.MountPoints {
		var vol *types.Volume
		for i := range t.def.Volumes {
			if t.def.Volumes[i].Name == mp.SourceVolume {
				vol = &t.def.Volumes[i]
			}
		}
		if vol == nil {
			return fmt.Errorf("mountPoints: volume %s is not in the task definition", mp.SourceVolume)
		}
		m := runtime.Mount{Target: mp.ContainerPath, ReadOnly: isTrue(mp.ReadOnly)}
		switch {
		case vol.EfsVolumeConfiguration != nil || vol.FsxWindowsFileServerVolumeConfiguration != nil:
			return fmt.Errorf("volume %s: EFS and FSx volumes are not supported by this agent", vol.Name)
		case vol.Host != nil && vol.Host.SourcePath != "":
			m.Type, m.Source = "bind", vol.Host.SourcePath
		case t.volumes[vol.Name] != "":
			m.Type, m.Source = "volume", t.volumes[vol.Name]
		default:
			m.Type, m.Source = "volume", vol.Name
		}
		s.Mounts = append(s.Mounts, m)
	}
	return nil
}

// healthCheckSpec maps a healthCheck (seconds, with ECS's defaults) to the
// runtime's.
func healthCheckSpec(hc *types.HealthCheck) *runtime.HealthCheck {
	if hc == nil {
		return nil
	}
	secs := func(p *int64, def int64) time.Duration {
		if p != nil && *p > 0 {
			return time.Duration(*p) * time.Second
		}
		return time.Duration(def) * time.Second
	}
	retries := 3
	if hc.Retries != nil && *hc.Retries > 0 {
		retries = int(*hc.Retries)
	}
	start := time.Duration(0)
	if hc.StartPeriod != nil {
		start = time.Duration(*hc.StartPeriod) * time.Second
	}
	return &runtime.HealthCheck{
		Test: hc.Command, Interval: secs(hc.Interval, 30), Timeout: secs(hc.Timeout, 5),
		Retries: retries, StartPeriod: start,
	}
}

func isTrue(b *bool) bool { return b != nil && *b }

// intern returns the canonical copy of s. The strings of a container's
// spec (environment, label values) repeat across the tasks of a task
// definition, and the engine keeps them as long as the container lives.
func intern(s string) string { return unique.Make(s).Value() }
