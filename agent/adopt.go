package agent

import (
	"context"
	"maps"
	"slices"

	"github.com/ecskit/ecs/types"
)

// adopt matches the task's containers with what the engine has, before the
// task takes any step. A container is adopted when the engine knows it (by
// saved runtime ID, or by the task's labels for one created just before a
// restart); one the agent or the control plane knew to exist but the
// engine lost is STOPPED with ContainerVanishedError.
func (t *task) adopt(ctx context.Context) {
	lctx, cancel := context.WithTimeout(ctx, listTimeout)
	list, err := t.a.cfg.Runtime.List(lctx, map[string]string{LabelTaskArn: t.arn})
	cancel()
	if err != nil {
		t.a.logErr("list task containers", err)
	}
	byLabel := map[string]string{}
	names := map[string]string{}
	for _, s := range list {
		byLabel[s.Labels[LabelContainerName]] = s.ID
		names[s.ID] = s.Name
	}
	fromCP := map[string]types.Container{}
	if t.ecsTask != nil {
		for _, c := range t.ecsTask.Containers {
			fromCP[c.Name] = c
		}
	}
	for _, c := range t.containers {
		if c.id == "" && byLabel[c.name] != "" {
			c.id = byLabel[c.name]
			c.dockerName = names[c.id]
			c.known = max(c.known, StatusPulled)
		}
		if c.id != "" {
			t.inspect(ctx, c)
			continue
		}
		if c.known == StatusStopped {
			continue
		}
		cp, ok := fromCP[c.name]
		switch {
		case ok && cp.LastStatus == types.TaskStatusStopped:
			c.known, c.exitCode, c.reason = StatusStopped, cp.ExitCode, cp.Reason
		case ok && (cp.RuntimeId != "" || cp.LastStatus == types.TaskStatusRunning), c.known >= StatusCreated:
			t.vanished(c)
		}
	}
	if t.ecsTask != nil && t.ecsTask.LastStatus == types.TaskStatusRunning && t.known == types.TaskStatusPending {
		t.known = types.TaskStatusRunning
	}
}

// restoreTask rebuilds a task from the state file; run adopts its
// containers before anything else.
func restoreTask(a *Agent, rec taskRecord) *task {
	t := newTask(a, types.AssignedTask{Task: rec.Task, TaskDefinition: rec.TaskDefinition})
	t.desired, t.known = rec.DesiredStatus, rec.KnownStatus
	t.stopCode, t.reason = rec.StopCode, rec.StoppedReason
	t.pullStartedAt, t.pullStoppedAt = rec.PullStartedAt, rec.PullStoppedAt
	t.executionStoppedAt, t.stoppedAt = rec.ExecutionStoppedAt, rec.StoppedAt
	if rec.Volumes != nil {
		t.volumes = rec.Volumes
	}
	for _, cr := range rec.Containers {
		c := t.byName[cr.Name]
		if c == nil {
			continue
		}
		c.dockerName, c.id, c.known = cr.DockerName, cr.RuntimeID, cr.Status
		c.exitCode, c.reason, c.startedAt = cr.ExitCode, cr.Reason, cr.StartedAt
		// The ladder resumes from a rung the engine can confirm.
		if c.known < StatusCreated && c.known != StatusStopped {
			c.known = StatusNone
		}
	}
	return t
}

// publish hands the agent this task's snapshot, and its record for the
// state file when it changed.
func (t *task) publish() {
	rec := t.record()
	if t.published && sameRecord(&rec, &t.last) {
		t.a.mu.Lock()
		t.a.snapshots[t.arn] = t.snapshot()
		t.a.mu.Unlock()
		return
	}
	t.last, t.published = rec, true
	t.a.publish(t.snapshot(), rec)
}

// sameRecord reports whether two records of one task would persist alike.
// The task and its definition are compared by identity: they are replaced,
// never changed, when the control plane sends them again.
func sameRecord(a, b *taskRecord) bool {
	return a.Task == b.Task && a.TaskDefinition == b.TaskDefinition &&
		a.DesiredStatus == b.DesiredStatus && a.KnownStatus == b.KnownStatus &&
		a.StopCode == b.StopCode && a.StoppedReason == b.StoppedReason &&
		a.PullStartedAt.Equal(b.PullStartedAt) && a.PullStoppedAt.Equal(b.PullStoppedAt) &&
		a.ExecutionStoppedAt.Equal(b.ExecutionStoppedAt) && a.StoppedAt.Equal(b.StoppedAt) &&
		maps.Equal(a.Volumes, b.Volumes) &&
		slices.EqualFunc(a.Containers, b.Containers, func(x, y containerRecord) bool {
			return x.Name == y.Name && x.DockerName == y.DockerName && x.RuntimeID == y.RuntimeID &&
				x.Status == y.Status && x.Reason == y.Reason && x.StartedAt.Equal(y.StartedAt) &&
				(x.ExitCode == nil) == (y.ExitCode == nil) && (x.ExitCode == nil || *x.ExitCode == *y.ExitCode)
		})
}

func (t *task) record() taskRecord {
	rec := taskRecord{
		Task: t.ecsTask, TaskDefinition: t.def, DesiredStatus: t.desired, KnownStatus: t.known,
		StopCode: t.stopCode, StoppedReason: t.reason,
		PullStartedAt: t.pullStartedAt, PullStoppedAt: t.pullStoppedAt,
		ExecutionStoppedAt: t.executionStoppedAt, StoppedAt: t.stoppedAt, Volumes: t.volumes,
	}
	for _, c := range t.containers {
		rec.Containers = append(rec.Containers, containerRecord{
			Name: c.name, DockerName: c.dockerName, RuntimeID: c.id, Status: c.known,
			ExitCode: c.exitCode, Reason: c.reason, StartedAt: c.startedAt,
		})
	}
	return rec
}

func (t *task) snapshot() TaskState {
	s := TaskState{
		TaskArn: t.arn, DesiredStatus: t.desired, KnownStatus: t.known, HealthStatus: taskHealth(t.containers),
		StopCode: t.stopCode, StoppedReason: t.reason,
	}
	for _, c := range t.containers {
		s.Containers = append(s.Containers, ContainerState{
			Name: c.name, DockerName: c.dockerName, RuntimeID: c.id, Status: c.known, ExitCode: c.exitCode,
			Reason: c.reason, HealthStatus: c.health, NetworkBindings: c.bindings,
		})
	}
	return s.clone()
}
