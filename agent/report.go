package agent

import (
	"context"
	"slices"
	"time"

	"github.com/ecskit/ecs/types"
)

// report sends the control plane every change it has not acknowledged yet:
// the task's status with each of its containers, as one change that the
// agent batches with those of its other tasks. Reporting is level-based: a
// refused report is resent after reportRetry, with whatever is current by
// then.
func (t *task) report(ctx context.Context) {
	now := t.now()
	if t.foreign {
		if t.known == types.TaskStatusStopped && t.cleanupAt.IsZero() {
			t.cleanupAt = t.stoppedAt.Add(t.a.cfg.CleanupWait)
		}
		return
	}
	if now.Before(t.retryAt) {
		return
	}
	if t.reported != nil && (t.sameAsReported(t.reported) || t.stillPending(t.reported)) {
		t.retryAt = time.Time{}
		return
	}
	cur := t.taskChange()
	t.retryAt = now.Add(reportRetry) // cleared on success
	if err := t.a.submit(ctx, cur); err != nil {
		t.a.logErr("submit task state change", err)
		return
	}
	t.acked = true // the state published next is what was reported
	if cur.Status == types.TaskStatusStopped && t.cleanupAt.IsZero() {
		t.cleanupAt = t.stoppedAt.Add(t.a.cfg.CleanupWait)
	}
	t.retryAt = time.Time{}
}

// stillPending reports whether a task reported PENDING (when it published
// p) has only gained detail since: pull times, a created container's ID.
// As with ECS's agent, those details go with the task's next transition
// (RUNNING or STOPPED), which saves the control plane a write per step of
// a start.
func (t *task) stillPending(p *published) bool {
	r := &p.rec
	if t.known != types.TaskStatusPending || r.KnownStatus != types.TaskStatusPending ||
		r.StoppedReason != t.reason || r.StopCode != t.stopCode || len(r.Containers) != len(t.containers) {
		return false
	}
	for i, c := range t.containers {
		x := &r.Containers[i]
		if x.Status.Backend() != c.known.Backend() || c.exitCode != nil || x.Reason != c.reason {
			return false
		}
	}
	return true
}

// sameAsReported reports whether the task's change now (taskChange) would
// be the one it reported when it published p.
func (t *task) sameAsReported(p *published) bool {
	r := &p.rec
	if r.KnownStatus != t.known || r.StoppedReason != t.reason || r.StopCode != t.stopCode ||
		ts(r.PullStartedAt) != ts(t.pullStartedAt) || ts(r.PullStoppedAt) != ts(t.pullStoppedAt) ||
		ts(r.ExecutionStoppedAt) != ts(t.executionStoppedAt) || len(r.Containers) != len(t.containers) {
		return false
	}
	for i, c := range t.containers {
		x := &r.Containers[i]
		if x.Name != c.name || x.RuntimeID != c.id || x.Status.Backend() != c.known.Backend() ||
			x.Reason != c.reason || x.health != c.health || !slices.Equal(x.bindings, c.bindings) ||
			(x.ExitCode == nil) != (c.exitCode == nil) || (x.ExitCode != nil && *x.ExitCode != *c.exitCode) {
			return false
		}
	}
	return true
}

func (t *task) containerChange(c *container) types.ContainerStateChange {
	return types.ContainerStateChange{
		ContainerName: c.name, RuntimeId: c.id, Status: c.known.Backend(), ExitCode: c.exitCode,
		Reason: c.reason, NetworkBindings: c.bindings, HealthStatus: c.health,
	}
}

func (t *task) taskChange() *types.SubmitTaskStateChangeInput {
	in := &types.SubmitTaskStateChangeInput{
		Cluster: t.a.cfg.Cluster, Task: t.arn, Status: t.known, Reason: t.reason, StopCode: t.stopCode,
		PullStartedAt: ts(t.pullStartedAt), PullStoppedAt: ts(t.pullStoppedAt),
		ExecutionStoppedAt: ts(t.executionStoppedAt),
	}
	for _, c := range t.containers {
		in.Containers = append(in.Containers, t.containerChange(c))
	}
	return in
}

func ts(t0 time.Time) types.Time {
	if t0.IsZero() {
		return types.Time{}
	}
	return types.NewTime(t0)
}

// cleanupDue reports whether the task is stopped, reported and past its
// cleanup wait.
func (t *task) cleanupDue() bool {
	if t.cleanupAt.IsZero() || t.now().Before(t.cleanupAt) {
		return false
	}
	for _, c := range t.containers {
		if c.busy {
			return false // its result is still to come
		}
	}
	return true
}

// cleanup removes the task's containers (including any the agent lost
// track of, found by label) and task-scoped volumes, then forgets the task.
func (t *task) cleanup(ctx context.Context) {
	rt := t.a.cfg.Runtime
	rctx, cancel := context.WithTimeout(ctx, removeTimeout)
	defer cancel()
	ids := map[string]bool{}
	for _, c := range t.containers {
		if c.id != "" {
			ids[c.id] = true
		}
	}
	if list, err := rt.List(rctx, map[string]string{LabelTaskArn: t.arn}); err == nil {
		for _, s := range list {
			ids[s.ID] = true
		}
	}
	for id := range ids {
		t.a.logErr("remove container", rt.Remove(rctx, id))
	}
	for _, v := range t.volumes {
		t.a.logErr("remove volume", rt.RemoveVolume(rctx, v))
	}
	if ctx.Err() != nil {
		return // interrupted: the state file still holds the task
	}
	t.a.log.Info("agent: cleaned up task", "task", t.arn)
	t.a.forget(t.arn)
}

// TaskState is a snapshot of one task as the agent observes it.
type TaskState struct {
	TaskArn       string
	DesiredStatus string
	// KnownStatus is PENDING, RUNNING or STOPPED.
	KnownStatus string
	// HealthStatus is folded over the essential containers (§1.6).
	HealthStatus string
	StopCode     string
	// StoppedReason is the agent's reason for stopping the task, if it
	// stopped it itself.
	StoppedReason string
	Containers    []ContainerState
}

// ContainerState is a snapshot of one container.
type ContainerState struct {
	Name            string
	DockerName      string
	RuntimeID       string
	Status          ContainerStatus
	ExitCode        *int64
	Reason          string
	HealthStatus    string
	NetworkBindings []types.NetworkBinding
}

// Container returns the named container's state.
func (s TaskState) Container(name string) (ContainerState, bool) {
	for _, c := range s.Containers {
		if c.Name == name {
			return c, true
		}
	}
	return ContainerState{}, false
}
