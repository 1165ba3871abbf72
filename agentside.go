package ecs

import (
	"context"
	"encoding/json"

	"github.com/ecskit/ecs/store"
)

// SubmitTaskStateChange records what an agent observed of a task and its
// containers. Statuses only move forward; a STOPPED task releases its
// resources.
func (cp *ControlPlane) SubmitTaskStateChange(ctx context.Context, in *SubmitTaskStateChangeInput) (*SubmitTaskStateChangeOutput, error) {
	err := cp.updateTask(ctx, in.Cluster, in.Task, func(t *taskRecord, td *TaskDefinition) {
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
	})
	if err != nil {
		return nil, err
	}
	return &SubmitTaskStateChangeOutput{Acknowledgment: "true"}, nil
}

// SubmitContainerStateChange records what an agent observed of one
// container.
func (cp *ControlPlane) SubmitContainerStateChange(ctx context.Context, in *SubmitContainerStateChangeInput) (*SubmitContainerStateChangeOutput, error) {
	err := cp.updateTask(ctx, in.Cluster, in.Task, func(t *taskRecord, td *TaskDefinition) {
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
func (cp *ControlPlane) updateTask(ctx context.Context, cluster, ref string, fn func(*taskRecord, *TaskDefinition)) error {
	var instARN string
	err := cp.store.Update(ctx, func(tx store.Tx) error {
		cl, err := cp.clusterName(cluster)
		if err != nil {
			return err
		}
		t, err := cp.lookupTask(tx, cl, ref)
		if err != nil {
			return err
		}
		var tdr taskDefinitionRecord
		if _, err := getJSON(tx, taskDefinitionKey(t.Family, t.Revision), &tdr); err != nil {
			return err
		}
		before, _ := json.Marshal(&t.Task)
		fn(t, &tdr.TaskDefinition)
		t.Task.HealthStatus = taskHealth(t, &tdr.TaskDefinition)
		after, _ := json.Marshal(&t.Task)
		if string(before) == string(after) {
			return nil
		}
		t.Task.Version++
		instARN = t.Task.ContainerInstanceArn
		return cp.saveTask(tx, t)
	})
	if instARN != "" {
		cp.agents.touch(instARN)
	}
	return err
}

var statusRank = map[string]int{
	TaskStatusProvisioning: 0, TaskStatusPending: 1, TaskStatusActivating: 2, TaskStatusRunning: 3,
	TaskStatusDeactivating: 4, TaskStatusStopping: 5, "DEPROVISIONING": 6, TaskStatusStopped: 7,
}

// advanceTask moves a task's lastStatus forward to status.
func (cp *ControlPlane) advanceTask(t *taskRecord, status, stopCode, reason string) {
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
func applyContainerChange(t *taskRecord, c ContainerStateChange) {
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
func taskHealth(t *taskRecord, td *TaskDefinition) string {
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
