// Package sim is a harness for placement tests: describe a cluster (instance
// types, Availability Zones, attributes, tasks already running), place tasks
// with strategies and constraints, and look at where they landed. It is
// what a user of real ECS writes in a unit test of their placement
// configuration, and what examples/placement-sim runs.
//
// A Cluster is not safe for concurrent use; it performs no I/O except in
// ReadCluster, which reads the description it is given.
package sim

import (
	"fmt"
	"maps"

	"github.com/ecskit/ecs/placement"
)

// InstanceType is an EC2 instance type as the ECS agent registers it: CPU
// units (1024 per vCPU) and MiB of memory available to tasks.
type InstanceType struct {
	Name   string
	CPU    int64
	Memory int64
}

// KnownType returns a common EC2 instance type with the CPU and the memory
// the ECS agent typically registers for it.
func KnownType(name string) (InstanceType, bool) {
	cpu, mem := int64(0), int64(0)
	switch name {
	case "t3.small":
		cpu, mem = 2048, 1900
	case "t3.medium":
		cpu, mem = 2048, 3828
	case "m5.large":
		cpu, mem = 2048, 7680
	case "m5.xlarge":
		cpu, mem = 4096, 15576
	case "m5.2xlarge":
		cpu, mem = 8192, 31472
	case "c5.large":
		cpu, mem = 2048, 3704
	case "c5.xlarge":
		cpu, mem = 4096, 7624
	case "r5.large":
		cpu, mem = 2048, 15576
	default:
		return InstanceType{}, false
	}
	return InstanceType{Name: name, CPU: cpu, Memory: mem}, true
}

// defaultReservedPorts are the TCP ports the ECS agent reserves by default.
var defaultReservedPorts = []int{22, 2375, 2376, 51678, 51679}

// Cluster is a simulated ECS cluster. Placing tasks updates it, so a test
// can place several batches in a row.
type Cluster struct {
	name  string
	insts []placement.Instance
	sched *placement.Scheduler // nil when insts changed since the last placement
}

// NewCluster returns an empty cluster named name (used in ARNs).
func NewCluster(name string) *Cluster {
	return &Cluster{name: name}
}

// InstanceOption customises the instances Add creates.
type InstanceOption func(*placement.Instance)

// Attribute sets a custom attribute (value "" for a name-only attribute).
func Attribute(name, value string) InstanceOption {
	return func(in *placement.Instance) { in.Attributes[name] = value }
}

// Running records tasks of group already running on the instance, with
// their reservations.
func Running(group string, n int, cpu, memory int64) InstanceOption {
	return func(in *placement.Instance) {
		in.Groups[group] += n
		in.RunningTasksCount += n
		in.RemainingCPU -= int64(n) * cpu
		in.RemainingMemory -= int64(n) * memory
	}
}

// UsedPorts marks TCP and UDP host ports as taken, by running tasks or
// by the agent's ECS_RESERVED_PORTS.
func UsedPorts(tcp, udp []int) InstanceOption {
	return func(in *placement.Instance) {
		in.UsedPorts = append(in.UsedPorts, tcp...)
		in.UsedPortsUDP = append(in.UsedPortsUDP, udp...)
	}
}

// Draining marks the instance DRAINING.
func Draining() InstanceOption {
	return func(in *placement.Instance) { in.Status = placement.StatusDraining }
}

// Disconnected marks the instance's agent as disconnected.
func Disconnected() InstanceOption {
	return func(in *placement.Instance) { in.AgentConnected = false }
}

// Add registers count instances of type t in Availability Zone az and
// returns the cluster, so that calls chain. Each instance gets the built-in
// attributes ecs.availability-zone, ecs.instance-type, ecs.os-type and
// ecs.cpu-architecture, and the agent's default reserved ports.
func (c *Cluster) Add(count int, t InstanceType, az string, opts ...InstanceOption) *Cluster {
	for range count {
		n := len(c.insts)
		id := fmt.Sprintf("%032x", n+1)
		in := placement.Instance{
			ARN:            fmt.Sprintf("arn:aws:ecs:us-east-1:123456789012:container-instance/%s/%s", c.name, id),
			ID:             id,
			EC2InstanceID:  fmt.Sprintf("i-%017x", n+1),
			Status:         placement.StatusActive,
			AgentConnected: true,
			AgentVersion:   "1.80.0",
			Attributes: map[string]string{
				"ecs.availability-zone": az,
				"ecs.instance-type":     t.Name,
				"ecs.os-type":           "linux",
				"ecs.cpu-architecture":  "x86_64",
			},
			RemainingCPU:    t.CPU,
			RemainingMemory: t.Memory,
			UsedPorts:       append([]int(nil), defaultReservedPorts...),
			Groups:          map[string]int{},
		}
		for _, o := range opts {
			o(&in)
		}
		c.insts = append(c.insts, in)
	}
	c.sched = nil
	return c
}

// Snapshot returns the cluster's current state.
func (c *Cluster) Snapshot() placement.Snapshot {
	if c.sched != nil {
		return c.sched.Snapshot()
	}
	out := make([]placement.Instance, len(c.insts))
	for i, in := range c.insts {
		in.Attributes = maps.Clone(in.Attributes)
		in.Groups = maps.Clone(in.Groups)
		out[i] = in
	}
	return placement.Snapshot{Instances: out}
}
