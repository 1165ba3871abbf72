package ecs

import (
	"context"
	"errors"
	"reflect"

	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/store"
)

// SubmitTaskStateChange records what an agent observed of a task and its
// containers. Statuses only move forward; a STOPPED task releases its
// resources.
func (cp *ControlPlane) SubmitTaskStateChange(ctx context.Context, in *SubmitTaskStateChangeInput) (*SubmitTaskStateChangeOutput, error) {
	err := cp.updateTask(ctx, in.Cluster, in.Task, func(t *record.Task, td *TaskDefinition) { cp.applyTaskChange(t, in) })
	if err != nil {
		return nil, err
	}
	return &SubmitTaskStateChangeOutput{Acknowledgment: "true"}, nil
}

// applyTaskChange folds a task state change into the task.
func (cp *ControlPlane) applyTaskChange(t *record.Task, in *SubmitTaskStateChangeInput) {
	for _, c := range in.Containers {
		applyContainerChange(t, c)
	}
	if !in.PullStartedAt.IsZero() {
		t.Task.PullStartedAt = in.PullStartedAt
	}
	if !in.PullStoppedAt.IsZero() {
		t.Task.PullStoppedAt = in.PullStoppedAt
	}
	if !in.ExecutionStoppedAt.IsZero() {
		t.Task.ExecutionStoppedAt = in.ExecutionStoppedAt
	}
	cp.advanceTask(t, in.Status, in.StopCode, in.Reason)
}

// SubmitTaskStateChanges records several task state changes (as
// SubmitTaskStateChange does each) in one transaction. A change that names
// a task the control plane does not know is answered with a Failure; the
// others are recorded.
func (cp *ControlPlane) SubmitTaskStateChanges(ctx context.Context, in *SubmitTaskStateChangesInput) (*SubmitTaskStateChangesOutput, error) {
	if len(in.Changes) == 0 || len(in.Changes) > MaxTaskStateChanges {
		return nil, &Error{Code: InvalidParameterException, Field: "changes",
			Message: "changes must have between 1 and " + itoa(MaxTaskStateChanges) + " items."}
	}
	out := &SubmitTaskStateChangesOutput{Acknowledgment: "true", Failures: []Failure{}}
	var arns []string
	err := cp.store.Update(ctx, func(tx store.Tx) error {
		out.Failures, arns = out.Failures[:0], arns[:0]
		for i := range in.Changes {
			ch := &in.Changes[i]
			cluster := ch.Cluster
			if cluster == "" {
				cluster = in.Cluster
			}
			arn, err := cp.updateTaskTx(tx, cluster, ch.Task, func(t *record.Task, td *TaskDefinition) { cp.applyTaskChange(t, ch) })
			var e *Error
			if errors.As(err, &e) {
				out.Failures = append(out.Failures, Failure{Arn: ch.Task, Reason: string(e.Code), Detail: e.Message})
				continue
			}
			if err != nil {
				return err
			}
			if arn != "" {
				arns = append(arns, arn)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, arn := range arns {
		cp.agents.Touch(arn)
	}
	return out, nil
}

// SubmitContainerStateChange records what an agent observed of one
// container.
func (cp *ControlPlane) SubmitContainerStateChange(ctx context.Context, in *SubmitContainerStateChangeInput) (*SubmitContainerStateChangeOutput, error) {
	err := cp.updateTask(ctx, in.Cluster, in.Task, func(t *record.Task, td *TaskDefinition) {
		applyContainerChange(t, ContainerStateChange{
			ContainerName: in.ContainerName, RuntimeId: in.RuntimeId, Status: in.Status,
			ExitCode: in.ExitCode, Reason: in.Reason, NetworkBindings: in.NetworkBindings, HealthStatus: in.HealthStatus,
		})
	})
	if err != nil {
		return nil, err
	}
	return &SubmitContainerStateChangeOutput{Acknowledgment: "true"}, nil
}

// updateTask applies fn to a task in one transaction, then derives the
// task's health and settles its instance's accounting.
func (cp *ControlPlane) updateTask(ctx context.Context, cluster, ref string, fn func(*record.Task, *TaskDefinition)) error {
	var instARN string
	err := cp.store.Update(ctx, func(tx store.Tx) error {
		var err error
		instARN, err = cp.updateTaskTx(tx, cluster, ref, fn)
		return err
	})
	if instARN != "" {
		cp.agents.Touch(instARN)
	}
	return err
}

// updateTaskTx is updateTask inside tx; it returns the ARN of the task's
// instance if the task changed.
func (cp *ControlPlane) updateTaskTx(tx store.Tx, cluster, ref string, fn func(*record.Task, *TaskDefinition)) (string, error) {
	cl, err := cp.clusterName(cluster)
	if err != nil {
		return "", err
	}
	t, err := cp.lookupTask(tx, cl, ref)
	if err != nil {
		return "", err
	}
	key := record.TaskDefinitionKey(t.Family, t.Revision)
	td := cp.cache.taskDefinition(key)
	if td == nil {
		var tdr record.TaskDefinition
		if _, err := record.Get(tx, key, &tdr); err != nil {
			return "", err
		}
		td = &tdr.TaskDefinition
	}
	before := t.Clone()
	fn(t, td)
	t.Task.HealthStatus = taskHealth(t, td)
	if reflect.DeepEqual(before.Task, t.Task) {
		return "", nil
	}
	t.Task.Version++
	return t.Task.ContainerInstanceArn, cp.saveTask(tx, t)
}

var statusRank = map[string]int{
	TaskStatusProvisioning: 0, TaskStatusPending: 1, TaskStatusActivating: 2, TaskStatusRunning: 3,
	TaskStatusDeactivating: 4, TaskStatusStopping: 5, "DEPROVISIONING": 6, TaskStatusStopped: 7,
}

// advanceTask moves a task's lastStatus forward to status.
func (cp *ControlPlane) advanceTask(t *record.Task, status, stopCode, reason string) {
	if status == "" || statusRank[status] <= statusRank[t.Task.LastStatus] {
		return
	}
	now := cp.now()
	t.Task.LastStatus = status
	switch status {
	case TaskStatusRunning:
		if t.Task.StartedAt.IsZero() {
			t.Task.StartedAt = now
		}
		t.Task.Connectivity = "CONNECTED"
		t.Task.ConnectivityAt = now
	case TaskStatusStopped:
		if t.Task.DesiredStatus != TaskStatusStopped {
			t.Task.DesiredStatus = TaskStatusStopped
			t.Task.StopCode = stopCode
			switch {
			case reason != "":
				t.Task.StoppedReason = reason
			case stopCode == StopCodeEssentialContainerExited:
				t.Task.StoppedReason = "Essential container in task exited"
			case stopCode == StopCodeTaskFailedToStart:
				t.Task.StoppedReason = "Task failed to start"
			}
		}
		if t.Task.StoppingAt.IsZero() {
			t.Task.StoppingAt = now
		}
		if t.Task.ExecutionStoppedAt.IsZero() {
			t.Task.ExecutionStoppedAt = now
		}
		t.Task.StoppedAt = now
		for i := range t.Task.Containers {
			t.Task.Containers[i].LastStatus = TaskStatusStopped
		}
	}
}

// applyContainerChange updates one container of a task; its status only
// moves forward.
func applyContainerChange(t *record.Task, c ContainerStateChange) {
	for i := range t.Task.Containers {
		ct := &t.Task.Containers[i]
		if ct.Name != c.ContainerName {
			continue
		}
		if c.Status != "" && statusRank[c.Status] > statusRank[ct.LastStatus] {
			ct.LastStatus = c.Status
		}
		if c.RuntimeId != "" {
			ct.RuntimeId = c.RuntimeId
		}
		if c.ExitCode != nil {
			ct.ExitCode = c.ExitCode
		}
		if c.Reason != "" {
			ct.Reason = truncate(c.Reason, 1024)
		}
		if c.NetworkBindings != nil {
			ct.NetworkBindings = c.NetworkBindings
		}
		if c.HealthStatus != "" {
			ct.HealthStatus = c.HealthStatus
		}
		if c.ImageDigest != "" {
			ct.ImageDigest = c.ImageDigest
		}
	}
}

// taskHealth is computed over essential containers: any UNHEALTHY makes
// the task UNHEALTHY, else any UNKNOWN makes it UNKNOWN, else HEALTHY.
func taskHealth(t *record.Task, td *TaskDefinition) string {
	essential := map[string]bool{}
	for i := range td.ContainerDefinitions {
		essential[td.ContainerDefinitions[i].Name] = td.ContainerDefinitions[i].IsEssential()
	}
	health := HealthHealthy
	for _, c := range t.Task.Containers {
		if !essential[c.Name] {
			continue
		}
		switch c.HealthStatus {
		case HealthUnhealthy:
			return HealthUnhealthy
		case HealthHealthy:
		default:
			health = HealthUnknown
		}
	}
	return health
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
