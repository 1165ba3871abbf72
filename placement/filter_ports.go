package placement

import (
	"fmt"
	"slices"
)

// portFilter admits instances on which none of the task's static host
// ports (TCP, or UDP when udp is set) is taken, by a reserved port or by
// another task.
type portFilter struct {
	ports []int
	udp   bool
}

func (f portFilter) pass(in *Instance) bool {
	used := in.UsedPorts
	if f.udp {
		used = in.UsedPortsUDP
	}
	for _, p := range f.ports {
		if slices.Contains(used, p) {
			return false
		}
	}
	return true
}

func (f portFilter) reason() string {
	if f.udp {
		return ReasonPortsUDP
	}
	return ReasonPorts
}

func (f portFilter) explain(n int) string {
	if f.udp {
		return fmt.Sprintf("%d had a UDP host port in use", n)
	}
	return fmt.Sprintf("%d had a TCP host port in use", n)
}
