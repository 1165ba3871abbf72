package taskdef

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ecskit/ecs/types"
)

// What a task requires: from a container instance, CPU, memory and host
// ports (ECS-SPEC §4.1), with the port mapping rules that decide those
// ports (§2.4) and the checks on a RunTask override; from its own
// containers, the start order that links, volumesFrom and dependsOn
// impose (§2.5).

// maxOverrideLength is the largest TaskOverride, as JSON, that RunTask and
// StartTask accept (ECS-SPEC §8).
const maxOverrideLength = 8192

// Requirements returns what one task of td reserves on a container
// instance, with the override ov (which may be nil) applied: CPU units,
// memory (MiB), and the static TCP and UDP host ports. CPU is the task
// cpu if set, else the sum of the containers' cpu; memory is the task
// memory if set, else the sum of each container's memoryReservation, or
// memory where it has no reservation. Dynamic host ports (0 or absent) and
// container port ranges are not included: the agent picks them on the
// host. td is a normalised task definition and ov a validated override.
func Requirements(td *types.TaskDefinition, ov *types.TaskOverride) (cpu, memory int64, ports, portsUDP []int) {
	if ov == nil {
		ov = &types.TaskOverride{}
	}
	taskCPU, taskMem := td.Cpu, td.Memory
	if ov.Cpu != "" {
		taskCPU = ov.Cpu
	}
	if ov.Memory != "" {
		taskMem = ov.Memory
	}
	cpu, hasCPU := ParseCPU(taskCPU)
	memory, hasMem := ParseMemory(taskMem)
	for _, c := range td.ContainerDefinitions {
		co := findContainerOverride(ov, c.Name)
		if !hasCPU {
			cpu += overrideInt(co.Cpu, &c.Cpu)
		}
		if !hasMem {
			reservation := overrideInt(co.MemoryReservation, c.MemoryReservation)
			if reservation == 0 {
				reservation = overrideInt(co.Memory, c.Memory)
			}
			memory += reservation
		}
		for _, pm := range c.PortMappings {
			if pm.HostPort == nil || *pm.HostPort == 0 || pm.ContainerPortRange != "" {
				continue
			}
			if pm.Protocol == "udp" {
				portsUDP = append(portsUDP, int(*pm.HostPort))
			} else {
				ports = append(ports, int(*pm.HostPort))
			}
		}
	}
	slices.Sort(ports)
	slices.Sort(portsUDP)
	return cpu, memory, ports, portsUDP
}

// findContainerOverride returns the override of the named container, or
// an empty one.
func findContainerOverride(ov *types.TaskOverride, name string) types.ContainerOverride {
	for _, co := range ov.ContainerOverrides {
		if co.Name == name {
			return co
		}
	}
	return types.ContainerOverride{}
}

// overrideInt is *override if set, else *def if set, else 0.
func overrideInt(override, def *int64) int64 {
	switch {
	case override != nil:
		return *override
	case def != nil:
		return *def
	}
	return 0
}

// ValidateOverride checks a RunTask or StartTask override against the
// task definition it applies to: every container override names a
// container of td, cpu and memory values are valid, and the override is
// at most 8192 characters of JSON. Failures are InvalidParameterException.
func ValidateOverride(td *types.TaskDefinition, ov *types.TaskOverride) error {
	if ov == nil {
		return nil
	}
	b, err := json.Marshal(ov)
	if err != nil {
		return types.Errorf(types.InvalidParameterException, "Invalid overrides: %v", err)
	}
	if len(b) > maxOverrideLength {
		return overrideErr("overrides", "Container Overrides length must be at most %d", maxOverrideLength)
	}
	if _, ok := ParseCPU(ov.Cpu); ov.Cpu != "" && !ok {
		return overrideErr("overrides.cpu", "Invalid 'cpu' override for task.") // [unverified text]
	}
	if _, ok := ParseMemory(ov.Memory); ov.Memory != "" && !ok {
		return overrideErr("overrides.memory", "Invalid 'memory' override for task.") // [unverified text]
	}
	for i, co := range ov.ContainerOverrides {
		p := fmt.Sprintf("overrides.containerOverrides[%d]", i)
		if co.Name == "" {
			return overrideErr(p+".name", "Container override name should not be null or empty.") // [unverified text]
		}
		if !slices.ContainsFunc(td.ContainerDefinitions, func(c types.ContainerDefinition) bool { return c.Name == co.Name }) {
			return overrideErr(p+".name", "Override for container named %s is not a container in the TaskDefinition.", co.Name)
		}
		for _, v := range []struct {
			name string
			v    *int64
		}{{"cpu", co.Cpu}, {"memory", co.Memory}, {"memoryReservation", co.MemoryReservation}} {
			if v.v != nil && *v.v < 0 {
				return overrideErr(p+"."+v.name, "Invalid '%s' override for container '%s'.", v.name, co.Name) // [unverified text]
			}
		}
	}
	return nil
}

func overrideErr(field, format string, args ...any) *types.Error {
	e := types.Errorf(types.InvalidParameterException, format, args...)
	e.Field = field
	return e
}

// validatePortMappings checks container i's port mappings against the
// network mode (ECS-SPEC §2.4).
func validatePortMappings(td *types.TaskDefinition, c *types.ContainerDefinition, i int) error {
	mode := td.EffectiveNetworkMode()
	if mode == types.NetworkModeNone && len(c.PortMappings) > 0 {
		return tdErr(cpath(i, "portMappings"), "Port mappings are not allowed when networkMode=none.") // [unverified text]
	}
	used := map[string][][2]int64{} // protocol -> container port intervals
	for j, pm := range c.PortMappings {
		p := cpath(i, fmt.Sprintf("portMappings[%d]", j))
		if err := validatePortMappingEnums(pm, p); err != nil {
			return err
		}
		lo, hi, err := containerPorts(pm, mode, c.Name, p)
		if err != nil {
			return err
		}
		proto := cmp.Or(pm.Protocol, "tcp")
		for _, r := range used[proto] {
			if lo <= r[1] && r[0] <= hi {
				return tdErr(p, "Container port %d is used in more than one port mapping for container '%s'.", max(lo, r[0]), c.Name) // [unverified text]
			}
		}
		used[proto] = append(used[proto], [2]int64{lo, hi})
		if pm.HostPort == nil {
			continue
		}
		if h := *pm.HostPort; h < 0 || h > 65535 {
			return tdErr(p+".hostPort", "Invalid 'hostPort' setting for container '%s'.", c.Name) // [unverified text]
		}
		if (mode == types.NetworkModeAwsvpc || mode == types.NetworkModeHost) && *pm.HostPort != lo {
			return tdErr(p+".hostPort", "When networkMode=%s, the host ports and container ports in port mappings must match.", mode)
		}
	}
	if n := len(slices.DeleteFunc(slices.Clone(c.PortMappings), func(pm types.PortMapping) bool { return pm.ContainerPortRange == "" })); n > maxPortRanges {
		return tdErr(cpath(i, "portMappings"), "A container can have at most %d port ranges.", maxPortRanges) // [unverified text]
	}
	return nil
}

func validatePortMappingEnums(pm types.PortMapping, p string) error {
	if pm.Name != "" && !portNameRE.MatchString(pm.Name) {
		return tdErr(p+".name", "Port mapping name '%s' is invalid: use up to 64 lowercase letters, numbers, underscores and hyphens, not starting with a hyphen.", pm.Name) // [unverified text]
	}
	return nil
}

// containerPorts returns the container ports a mapping covers: its
// containerPort, or its containerPortRange "start-end".
func containerPorts(pm types.PortMapping, mode, name, p string) (lo, hi int64, err error) {
	if pm.ContainerPortRange == "" {
		if pm.ContainerPort == nil || *pm.ContainerPort < 1 || *pm.ContainerPort > 65535 {
			return 0, 0, tdErr(p+".containerPort", "Invalid 'containerPort' setting for container '%s'.", name)
		}
		return *pm.ContainerPort, *pm.ContainerPort, nil
	}
	// [unverified texts] for the containerPortRange rules.
	switch {
	case mode != types.NetworkModeBridge && mode != types.NetworkModeAwsvpc:
		return 0, 0, tdErr(p+".containerPortRange", "containerPortRange is only supported when networkMode is bridge or awsvpc.")
	case pm.ContainerPort != nil || pm.HostPort != nil:
		return 0, 0, tdErr(p+".containerPortRange", "A port mapping with containerPortRange cannot also set containerPort or hostPort.")
	}
	a, b, ok := strings.Cut(pm.ContainerPortRange, "-")
	lo, err1 := strconv.ParseInt(a, 10, 64)
	hi, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || lo < 1 || hi > 65535 || lo >= hi {
		return 0, 0, tdErr(p+".containerPortRange", "Invalid containerPortRange '%s': want \"start-end\" with 1 <= start < end <= 65535.", pm.ContainerPortRange)
	}
	return lo, hi, nil
}

// validateHostPorts rejects a static host port mapped twice in the task.
func validateHostPorts(td *types.TaskDefinition) error {
	seen := map[string]bool{}
	for i, c := range td.ContainerDefinitions {
		for j, pm := range c.PortMappings {
			hp := pm.HostPort
			if hp == nil && td.EffectiveNetworkMode() != types.NetworkModeBridge {
				hp = pm.ContainerPort
			}
			if hp == nil || *hp == 0 {
				continue
			}
			proto := strings.ToUpper(cmp.Or(pm.Protocol, "tcp"))
			key := proto + "/" + strconv.FormatInt(*hp, 10)
			if seen[key] {
				return tdErr(cpath(i, fmt.Sprintf("portMappings[%d].hostPort", j)), "%s host port '%d' is mapped multiple times in task.", proto, *hp)
			}
			seen[key] = true
		}
	}
	return nil
}

// validateReferences checks that links, volumesFrom and dependsOn name
// containers of the task, and the rules on each kind of reference.
func validateReferences(td *types.TaskDefinition) error {
	essential := map[string]bool{}
	for _, c := range td.ContainerDefinitions {
		essential[c.Name] = c.IsEssential()
	}
	mode := td.EffectiveNetworkMode()
	for i, c := range td.ContainerDefinitions {
		if len(c.Links) > 0 && mode != types.NetworkModeBridge {
			return tdErr(cpath(i, "links"), "Links are not supported when networkMode=%s.", mode) // [unverified text]
		}
		for j, l := range c.Links {
			if target, _, _ := strings.Cut(l, ":"); !has(essential, target) {
				return tdErr(cpath(i, fmt.Sprintf("links[%d]", j)), "Unknown container link '%s'.", target) // [unverified text]
			}
		}
		for j, v := range c.VolumesFrom {
			if !has(essential, v.SourceContainer) {
				return tdErr(cpath(i, fmt.Sprintf("volumesFrom[%d].sourceContainer", j)), "Unknown container '%s' in volumesFrom.", v.SourceContainer) // [unverified text]
			}
		}
		for j, d := range c.DependsOn {
			p := cpath(i, fmt.Sprintf("dependsOn[%d].containerName", j))
			ess, ok := essential[d.ContainerName]
			switch {
			case !ok:
				return tdErr(p, "Cannot depend on container + '%s' because it does not exist", d.ContainerName)
			case ess && (d.Condition == types.ConditionComplete || d.Condition == types.ConditionSuccess):
				return tdErr(p, "A dependency container with SUCCESS or COMPLETE condition cannot be an essential container")
			}
		}
	}
	return nil
}

func has[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

// validateDependencyGraph rejects cycles: among links alone (ECS's own
// check), then among all start-order edges the agent follows (dependsOn,
// links and volumesFrom), which could never start.
func validateDependencyGraph(td *types.TaskDefinition) error {
	links := map[string][]string{}
	all := map[string][]string{}
	for _, c := range td.ContainerDefinitions {
		for _, l := range c.Links {
			target, _, _ := strings.Cut(l, ":")
			links[c.Name] = append(links[c.Name], target)
		}
		all[c.Name] = slices.Clone(links[c.Name])
		for _, v := range c.VolumesFrom {
			all[c.Name] = append(all[c.Name], v.SourceContainer)
		}
		for _, d := range c.DependsOn {
			all[c.Name] = append(all[c.Name], d.ContainerName)
		}
	}
	if cycle := findCycle(td, links); cycle != nil {
		return tdErr("containerDefinitions", "Container links should not have a cycle")
	}
	if cycle := findCycle(td, all); cycle != nil {
		return tdErr("containerDefinitions", "Container dependencies should not have a cycle: %s.", strings.Join(cycle, " -> ")) // [unverified text]
	}
	return nil
}

// findCycle returns a cycle of the graph edges (container -> containers
// it needs first) as a path whose first and last names are equal, or nil.
func findCycle(td *types.TaskDefinition, edges map[string][]string) []string {
	const (
		unvisited = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(n string) []string
	visit = func(n string) []string {
		state[n] = onPath
		path = append(path, n)
		for _, m := range edges[n] {
			switch state[m] {
			case onPath:
				start := slices.Index(path, m)
				return append(slices.Clone(path[start:]), m)
			case unvisited:
				if c := visit(m); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[n] = done
		return nil
	}
	for _, c := range td.ContainerDefinitions {
		if state[c.Name] == unvisited {
			if cycle := visit(c.Name); cycle != nil {
				return cycle
			}
		}
	}
	return nil
}
