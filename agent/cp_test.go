package agent_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/ecskit/ecs"
)

var instanceSeq atomic.Int64

// testCP is a small stateful control plane: it keeps tasks, answers polls
// with their desired state, and folds the agent's reports into them, the
// way the real one does. Tests assert on the state it ends up with.
type testCP struct {
	mu            sync.Mutex
	rev           int64
	changed       chan struct{} // closed on every change
	registrations []ecs.RegisterContainerInstanceInput
	instanceArn   string
	tasks         map[string]*cpTask
	order         []string
	failSubmits   int // refuse this many submits
}

// cpTask is one task and everything reported about it.
type cpTask struct {
	task     ecs.Task
	td       ecs.TaskDefinition
	statuses []string            // task statuses reported, in order
	history  map[string][]string // container -> statuses reported, deduplicated
	stops    []string            // containers in the order they were reported STOPPED
	reports  []ecs.SubmitTaskStateChangeInput
}

func newTestCP() *testCP {
	return &testCP{rev: 1, changed: make(chan struct{}), tasks: map[string]*cpTask{}}
}

func (cp *testCP) bump() {
	cp.rev++
	close(cp.changed)
	cp.changed = make(chan struct{})
}

func (cp *testCP) RegisterContainerInstance(_ context.Context, in *ecs.RegisterContainerInstanceInput) (*ecs.RegisterContainerInstanceOutput, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	cp.registrations = append(cp.registrations, *in)
	arn := in.ContainerInstanceArn
	if arn == "" || arn != cp.instanceArn {
		arn = fmt.Sprintf("arn:aws:ecs:us-east-1:123456789012:container-instance/default/%d", instanceSeq.Add(1))
	}
	cp.instanceArn = arn
	return &ecs.RegisterContainerInstanceOutput{ContainerInstance: &ecs.ContainerInstance{ContainerInstanceArn: arn}}, nil
}

func (cp *testCP) PollTasks(ctx context.Context, in *ecs.PollTasksInput) (*ecs.PollTasksOutput, error) {
	cp.mu.Lock()
	for cp.rev <= in.AfterRevision && in.AfterRevision != 0 {
		ch := cp.changed
		cp.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-ch:
		}
		cp.mu.Lock()
	}
	defer cp.mu.Unlock()
	out := &ecs.PollTasksOutput{Revision: cp.rev}
	for _, arn := range cp.order {
		ct := cp.tasks[arn]
		if ct.task.LastStatus == ecs.TaskStatusStopped || ct.task.ContainerInstanceArn != in.ContainerInstance {
			continue
		}
		task, td := ct.task, ct.td
		task.Containers = append([]ecs.Container(nil), task.Containers...)
		out.Tasks = append(out.Tasks, ecs.AssignedTask{Task: &task, TaskDefinition: &td})
	}
	return out, nil
}

func (cp *testCP) SubmitTaskStateChange(_ context.Context, in *ecs.SubmitTaskStateChangeInput) (*ecs.SubmitTaskStateChangeOutput, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if cp.failSubmits > 0 {
		cp.failSubmits--
		return nil, fmt.Errorf("control plane unavailable")
	}
	return cp.submitLocked(in)
}

// SubmitTaskStateChanges folds each change in as SubmitTaskStateChange
// does; a refused call refuses them all.
func (cp *testCP) SubmitTaskStateChanges(_ context.Context, in *ecs.SubmitTaskStateChangesInput) (*ecs.SubmitTaskStateChangesOutput, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if cp.failSubmits > 0 {
		cp.failSubmits--
		return nil, fmt.Errorf("control plane unavailable")
	}
	out := &ecs.SubmitTaskStateChangesOutput{Acknowledgment: "true", Failures: []ecs.Failure{}}
	for i := range in.Changes {
		if _, err := cp.submitLocked(&in.Changes[i]); err != nil {
			out.Failures = append(out.Failures, ecs.Failure{Arn: in.Changes[i].Task, Reason: "InvalidParameterException", Detail: err.Error()})
		}
	}
	return out, nil
}

// submitLocked folds one task state change in; cp.mu is held.
func (cp *testCP) submitLocked(in *ecs.SubmitTaskStateChangeInput) (*ecs.SubmitTaskStateChangeOutput, error) {
	ct := cp.tasks[in.Task]
	if ct == nil {
		return nil, fmt.Errorf("task %s not found", in.Task)
	}
	ct.reports = append(ct.reports, *in)
	if n := len(ct.statuses); n == 0 || ct.statuses[n-1] != in.Status {
		ct.statuses = append(ct.statuses, in.Status)
	}
	ct.task.LastStatus = in.Status
	if in.StopCode != "" && ct.task.StopCode == "" {
		ct.task.StopCode = in.StopCode
		ct.task.StoppedReason = in.Reason
	}
	if in.Status == ecs.TaskStatusStopped && ct.task.StopCode != "" && ct.task.StoppedReason == "" {
		ct.task.StoppedReason = in.Reason
	}
	if !in.ExecutionStoppedAt.IsZero() {
		ct.task.ExecutionStoppedAt = in.ExecutionStoppedAt
	}
	ct.task.PullStartedAt, ct.task.PullStoppedAt = in.PullStartedAt, in.PullStoppedAt
	for _, c := range in.Containers {
		cp.container(ct, c)
	}
	cp.bump()
	return &ecs.SubmitTaskStateChangeOutput{Acknowledgment: "true"}, nil
}

func (cp *testCP) SubmitContainerStateChange(_ context.Context, in *ecs.SubmitContainerStateChangeInput) (*ecs.SubmitContainerStateChangeOutput, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if cp.failSubmits > 0 {
		cp.failSubmits--
		return nil, fmt.Errorf("control plane unavailable")
	}
	ct := cp.tasks[in.Task]
	if ct == nil {
		return nil, fmt.Errorf("task %s not found", in.Task)
	}
	cp.container(ct, ecs.ContainerStateChange{
		ContainerName: in.ContainerName, RuntimeId: in.RuntimeId, Status: in.Status, ExitCode: in.ExitCode,
		Reason: in.Reason, NetworkBindings: in.NetworkBindings, HealthStatus: in.HealthStatus,
	})
	cp.bump()
	return &ecs.SubmitContainerStateChangeOutput{Acknowledgment: "true"}, nil
}

// container folds one container report into the task; cp.mu is held.
func (cp *testCP) container(ct *cpTask, in ecs.ContainerStateChange) {
	for i := range ct.task.Containers {
		c := &ct.task.Containers[i]
		if c.Name != in.ContainerName {
			continue
		}
		h := ct.history[c.Name]
		if len(h) == 0 || h[len(h)-1] != in.Status {
			ct.history[c.Name] = append(h, in.Status)
			if in.Status == ecs.TaskStatusStopped {
				ct.stops = append(ct.stops, c.Name)
			}
		}
		c.LastStatus, c.RuntimeId, c.ExitCode, c.Reason = in.Status, in.RuntimeId, in.ExitCode, in.Reason
		c.NetworkBindings, c.HealthStatus = in.NetworkBindings, in.HealthStatus
	}
}

// runTask assigns a new task of td to the registered instance.
func (cp *testCP) runTask(td ecs.TaskDefinition, overrides *ecs.TaskOverride) string {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if td.Revision == 0 {
		td.Revision = 1
	}
	arn := fmt.Sprintf("arn:aws:ecs:us-east-1:123456789012:task/default/%032d", len(cp.order)+1)
	task := ecs.Task{
		TaskArn: arn, ContainerInstanceArn: cp.instanceArn, LastStatus: ecs.TaskStatusProvisioning,
		DesiredStatus: ecs.TaskStatusRunning, Overrides: overrides,
	}
	for _, cd := range td.ContainerDefinitions {
		task.Containers = append(task.Containers, ecs.Container{Name: cd.Name, TaskArn: arn, Image: cd.Image, LastStatus: ecs.TaskStatusPending})
	}
	cp.tasks[arn] = &cpTask{task: task, td: td, history: map[string][]string{}}
	cp.order = append(cp.order, arn)
	cp.bump()
	return arn
}

// stopTask sets a task's desired status to STOPPED, as StopTask does.
func (cp *testCP) stopTask(arn string) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	ct := cp.tasks[arn]
	ct.task.DesiredStatus = ecs.TaskStatusStopped
	if ct.task.StopCode == "" {
		ct.task.StopCode = ecs.StopCodeUserInitiated
		ct.task.StoppedReason = "Task stopped by user"
	}
	cp.bump()
}

// get returns a copy of a task and its report history.
func (cp *testCP) get(arn string) cpTask {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	ct := *cp.tasks[arn]
	ct.task.Containers = append([]ecs.Container(nil), ct.task.Containers...)
	ct.statuses = append([]string(nil), ct.statuses...)
	ct.stops = append([]string(nil), ct.stops...)
	h := map[string][]string{}
	for k, v := range ct.history {
		h[k] = append([]string(nil), v...)
	}
	ct.history = h
	return ct
}

func (ct cpTask) container(name string) ecs.Container {
	for _, c := range ct.task.Containers {
		if c.Name == name {
			return c
		}
	}
	return ecs.Container{}
}

func (cp *testCP) lastRegistration() ecs.RegisterContainerInstanceInput {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return cp.registrations[len(cp.registrations)-1]
}
