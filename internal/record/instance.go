package record

import (
	"slices"
	"sort"

	"github.com/ecskit/ecs/types"
)

// Instance is a container instance as stored. Everything placement
// needs is here, updated in the same transaction as the tasks it carries.
type Instance struct {
	Cluster       string            `json:"cluster"`
	ID            string            `json:"id"`
	Ec2InstanceId string            `json:"ec2InstanceId,omitempty"`
	Status        string            `json:"status"`
	StatusReason  string            `json:"statusReason,omitempty"`
	VersionInfo   types.VersionInfo `json:"versionInfo"`
	RegisteredAt  types.Time        `json:"registeredAt"`
	Attributes    []types.Attribute `json:"attributes,omitempty"`
	Tags          []types.Tag       `json:"tags,omitempty"`
	// Version counts the instance's changes (ContainerInstance.version).
	Version int64 `json:"version"`

	CPU      int64 `json:"cpu"`
	Memory   int64 `json:"memory"`
	Ports    []int `json:"ports,omitempty"`
	PortsUDP []int `json:"portsUdp,omitempty"`

	UsedCPU      int64          `json:"usedCpu"`
	UsedMemory   int64          `json:"usedMemory"`
	TaskPorts    []int          `json:"taskPorts,omitempty"`
	TaskPortsUDP []int          `json:"taskPortsUdp,omitempty"`
	Groups       map[string]int `json:"groups,omitempty"`
	// RunningTasks counts tasks desired RUNNING. (Tasks PENDING are
	// counted by the control plane's cache: a task's start need not
	// rewrite its instance.)
	RunningTasks int64 `json:"runningTasks"`
}

// InstancePrefix is the key prefix of a cluster's container instances.
func InstancePrefix(cluster string) string { return "instances/" + cluster + "/" }

// InstanceKey is the key of a container instance.
func InstanceKey(cluster, id string) string { return InstancePrefix(cluster) + id }

// Attr returns the value of an attribute and whether it is set.
func (r *Instance) Attr(name string) (string, bool) {
	for _, a := range r.Attributes {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// SetAttr sets an attribute, keeping the attributes sorted by name.
func (r *Instance) SetAttr(name, value string) {
	for i, a := range r.Attributes {
		if a.Name == name {
			r.Attributes[i].Value = value
			return
		}
	}
	r.Attributes = append(r.Attributes, types.Attribute{Name: name, Value: value})
	sort.Slice(r.Attributes, func(i, j int) bool { return r.Attributes[i].Name < r.Attributes[j].Name })
}

// Reserve accounts a task's reservation on the instance.
func (r *Instance) Reserve(t *Task) {
	r.UsedCPU += t.CPU
	r.UsedMemory += t.Memory
	r.TaskPorts = append(r.TaskPorts, t.Ports...)
	r.TaskPortsUDP = append(r.TaskPortsUDP, t.PortsUDP...)
	if r.Groups == nil {
		r.Groups = map[string]int{}
	}
	r.Groups[t.Task.Group]++
	r.RunningTasks++
	r.Version++
}

// ReleaseGroup stops counting a task that is no longer desired RUNNING.
func (r *Instance) ReleaseGroup(t *Task) {
	if r.Groups[t.Task.Group] > 1 {
		r.Groups[t.Task.Group]--
	} else {
		delete(r.Groups, t.Task.Group)
	}
	r.RunningTasks--
	r.Version++
}

// ReleaseResources gives back a stopped task's reservation.
func (r *Instance) ReleaseResources(t *Task) {
	r.UsedCPU -= t.CPU
	r.UsedMemory -= t.Memory
	r.TaskPorts = removePorts(r.TaskPorts, t.Ports)
	r.TaskPortsUDP = removePorts(r.TaskPortsUDP, t.PortsUDP)
	r.Version++
}

// removePorts drops one occurrence of each port of drop from have.
func removePorts(have, drop []int) []int {
	out := slices.Clone(have)
	for _, p := range drop {
		if i := slices.Index(out, p); i >= 0 {
			out = slices.Delete(out, i, i+1)
		}
	}
	return out
}
