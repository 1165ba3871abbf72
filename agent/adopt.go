package agent

import (
	"context"
	"strings"

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
			// Copies: the task does not keep the control plane's alive.
			c.known, c.exitCode, c.reason = StatusStopped, nil, strings.Clone(cp.Reason)
			if cp.ExitCode != nil {
				code := *cp.ExitCode
				c.exitCode = &code
			}
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
		c := t.byName(cr.Name)
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
