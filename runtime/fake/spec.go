package fake

import (
	"reflect"

	"github.com/ecskit/ecs/runtime"
)

// spec is what a container keeps of the spec it was created with: the
// fields the engine acts on, and the others (for Spec) only if any is set,
// as most containers set none of them. The name and image are the
// status's, the labels the container's.
type spec struct {
	env          []string
	links        []string
	portBindings []runtime.PortBinding
	healthCheck  *runtime.HealthCheck
	networkMode  string
	cpuShares    int64
	memoryBytes  int64
	memoryResv   int64
	named        bool // the spec named the container (else the engine did)
	rest         *runtime.ContainerSpec
}

func packSpec(s runtime.ContainerSpec) spec {
	p := spec{
		env: s.Env, links: s.Links, portBindings: s.PortBindings, healthCheck: s.HealthCheck,
		networkMode: s.NetworkMode, cpuShares: s.CPUShares, memoryBytes: s.MemoryBytes,
		memoryResv: s.MemoryReservationBytes, named: s.Name != "",
	}
	s.Name, s.Image, s.Labels, s.Env, s.Links, s.PortBindings = "", "", nil, nil, nil, nil
	s.HealthCheck, s.NetworkMode, s.CPUShares, s.MemoryBytes, s.MemoryReservationBytes = nil, "", 0, 0, 0
	if !reflect.ValueOf(s).IsZero() {
		p.rest = &s
	}
	return p
}

// fullSpec is the spec c was created with, with its own labels map.
func (c *container) fullSpec() runtime.ContainerSpec {
	var s runtime.ContainerSpec
	if c.spec.rest != nil {
		s = *c.spec.rest
	}
	if c.spec.named {
		s.Name = c.status.Name
	}
	s.Image, s.Labels = c.status.Image, c.labels.toMap()
	s.Env, s.Links, s.PortBindings, s.HealthCheck = c.spec.env, c.spec.links, c.spec.portBindings, c.spec.healthCheck
	s.NetworkMode, s.CPUShares = c.spec.networkMode, c.spec.cpuShares
	s.MemoryBytes, s.MemoryReservationBytes = c.spec.memoryBytes, c.spec.memoryResv
	return s
}
