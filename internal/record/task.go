package record

import (
	"slices"

	"github.com/ecskit/ecs/types"
)

// Task is a task as stored, with the accounting the control plane
// keeps beside the API view.
type Task struct {
	Cluster     string `json:"cluster"`
	ID          string `json:"id"`
	InstanceID  string `json:"instanceId"`
	Family      string `json:"family"`
	Revision    int64  `json:"revision"`
	ServiceName string `json:"serviceName,omitempty"`

	// The reservation made on the instance.
	CPU      int64 `json:"cpu"`
	Memory   int64 `json:"memory"`
	Ports    []int `json:"ports,omitempty"`
	PortsUDP []int `json:"portsUdp,omitempty"`

	// Accounting flags, so that Settle is idempotent.
	GroupReleased bool `json:"groupReleased,omitempty"`
	Released      bool `json:"released,omitempty"`

	Task types.Task `json:"task"`
}

// TaskPrefix is the key prefix of a cluster's tasks.
func TaskPrefix(cluster string) string { return "tasks/" + cluster + "/" }

// TaskKey is the key of a task.
func TaskKey(cluster, id string) string { return TaskPrefix(cluster) + id }

// Settle brings the instance's accounting in line with the task's
// statuses: a task desired STOPPED stops counting in its group, a STOPPED
// task gives its resources back. (Tasks PENDING are counted by the
// control plane's cache: a task's start need not rewrite its instance.)
func Settle(inst *Instance, t *Task) {
	if t.Task.DesiredStatus == types.TaskStatusStopped && !t.GroupReleased {
		t.GroupReleased = true
		inst.ReleaseGroup(t)
	}
	if t.Task.LastStatus == types.TaskStatusStopped && !t.Released {
		t.Released = true
		inst.ReleaseResources(t)
	}
}

// Settled reports whether Settle has nothing to do for t.
func Settled(t *Task) bool {
	return t.GroupReleased == (t.Task.DesiredStatus == types.TaskStatusStopped) &&
		t.Released == (t.Task.LastStatus == types.TaskStatusStopped)
}

// ForceStop marks a task STOPPED without its agent.
func (t *Task) ForceStop(now types.Time, reason string) {
	t.Task.DesiredStatus = types.TaskStatusStopped
	t.Task.LastStatus = types.TaskStatusStopped
	if t.Task.StoppedReason == "" {
		t.Task.StoppedReason = reason
	}
	if t.Task.StoppingAt.IsZero() {
		t.Task.StoppingAt = now
	}
	t.Task.StoppedAt = now
	t.Task.Version++
	for i := range t.Task.Containers {
		t.Task.Containers[i].LastStatus = types.TaskStatusStopped
	}
}

// Clone copies a task record deeply enough that the copy can be changed
// freely: everything but the overrides, which nothing changes after launch.
func (t *Task) Clone() *Task {
	c := *t
	c.Ports, c.PortsUDP = slices.Clone(t.Ports), slices.Clone(t.PortsUDP)
	c.Task.Attributes, c.Task.Tags = slices.Clone(t.Task.Attributes), slices.Clone(t.Task.Tags)
	c.Task.Containers = slices.Clone(t.Task.Containers)
	for i := range c.Task.Containers {
		ct := &c.Task.Containers[i]
		ct.NetworkBindings = slices.Clone(ct.NetworkBindings)
		if ct.ExitCode != nil {
			v := *ct.ExitCode
			ct.ExitCode = &v
		}
	}
	return &c
}
