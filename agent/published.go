package agent

import (
	"maps"
	"slices"

	"github.com/ecskit/ecs/types"
)

// published is what a task last published: one immutable copy of its
// observed state, from which the agent derives on demand what other
// goroutines ask for (Tasks, the state file, the metadata endpoint). The
// task goroutine replaces it (under Agent.mu) when something changed and
// never modifies one it published; what it points to (the task, its
// definition, volumes, exit codes, bindings) is replaced, never changed.
type published struct {
	rec    taskRecord
	health string // folded over the essential containers
}

// publish hands the agent this task's state when it changed since the last
// publication, and has the state file rewritten when what it persists
// changed.
func (t *task) publish() {
	// t.pub is written only by this goroutine: reading it here needs no
	// lock.
	if p := t.pub; p != nil && t.matches(p, true) {
		return
	}
	persisted := t.pub != nil && t.matches(t.pub, false)
	p := &published{rec: t.record(), health: taskHealth(t.containers)}
	t.a.mu.Lock()
	t.pub = p
	t.a.mu.Unlock()
	if !persisted {
		t.a.persist()
	}
}

// matches reports whether p holds the task's current state: what the
// state file persists, and with all also what only snapshots show
// (health, network bindings). The task and its definition are compared by
// identity: they are replaced, never changed, when the control plane sends
// them again.
func (t *task) matches(p *published, all bool) bool {
	r := &p.rec
	same := r.Task == t.ecsTask && r.TaskDefinition == t.def &&
		r.DesiredStatus == t.desired && r.KnownStatus == t.known &&
		r.StopCode == t.stopCode && r.StoppedReason == t.reason &&
		r.PullStartedAt.Equal(t.pullStartedAt) && r.PullStoppedAt.Equal(t.pullStoppedAt) &&
		r.ExecutionStoppedAt.Equal(t.executionStoppedAt) && r.StoppedAt.Equal(t.stoppedAt) &&
		maps.Equal(r.Volumes, t.volumes) && len(r.Containers) == len(t.containers)
	if !same {
		return false
	}
	if all && p.health != taskHealth(t.containers) {
		return false
	}
	for i, c := range t.containers {
		x := &r.Containers[i]
		if x.Name != c.name || x.DockerName != c.dockerName || x.RuntimeID != c.id ||
			x.Status != c.known || x.Reason != c.reason || !x.StartedAt.Equal(c.startedAt) ||
			(x.ExitCode == nil) != (c.exitCode == nil) || (x.ExitCode != nil && *x.ExitCode != *c.exitCode) {
			return false
		}
		if all && (x.health != c.health || !slices.Equal(x.bindings, c.bindings)) {
			return false
		}
	}
	return true
}

func (t *task) record() taskRecord {
	rec := taskRecord{
		Task: t.ecsTask, TaskDefinition: t.def, DesiredStatus: t.desired, KnownStatus: t.known,
		StopCode: t.stopCode, StoppedReason: t.reason,
		PullStartedAt: t.pullStartedAt, PullStoppedAt: t.pullStoppedAt,
		ExecutionStoppedAt: t.executionStoppedAt, StoppedAt: t.stoppedAt, Volumes: t.volumes,
	}
	if len(t.containers) > 0 {
		rec.Containers = make([]containerRecord, 0, len(t.containers))
	}
	for _, c := range t.containers {
		rec.Containers = append(rec.Containers, containerRecord{
			Name: c.name, DockerName: c.dockerName, RuntimeID: c.id, Status: c.known,
			ExitCode: c.exitCode, Reason: c.reason, StartedAt: c.startedAt,
			health: c.health, bindings: c.bindings,
		})
	}
	return rec
}

// snapshot is the TaskState of a published task, with its own copies of
// everything the caller could modify.
func (p *published) snapshot(arn string) TaskState {
	r := &p.rec
	s := TaskState{
		TaskArn: arn, DesiredStatus: r.DesiredStatus, KnownStatus: r.KnownStatus, HealthStatus: p.health,
		StopCode: r.StopCode, StoppedReason: r.StoppedReason,
	}
	if len(r.Containers) > 0 {
		s.Containers = make([]ContainerState, 0, len(r.Containers))
	}
	for _, c := range r.Containers {
		cs := ContainerState{
			Name: c.Name, DockerName: c.DockerName, RuntimeID: c.RuntimeID, Status: c.Status,
			Reason: c.Reason, HealthStatus: c.health,
			NetworkBindings: append([]types.NetworkBinding(nil), c.bindings...),
		}
		if c.ExitCode != nil {
			v := *c.ExitCode
			cs.ExitCode = &v
		}
		s.Containers = append(s.Containers, cs)
	}
	return s
}
