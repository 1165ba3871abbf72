package ecs

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"

	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/taskdef"
)

// newTask builds the record of a task placed on inst.
func (cp *ControlPlane) newTask(cluster string, inst *record.Instance, td *TaskDefinition, ov *TaskOverride, group, startedBy string, tags []Tag) *record.Task {
	id := cp.newID()
	arn := cp.taskARN(cluster, id)
	cpu, mem, ports, udp := taskdef.Requirements(td, ov)
	now := cp.now()
	t := &record.Task{
		Cluster: cluster, ID: id, InstanceID: inst.ID,
		Family: td.Family, Revision: td.Revision,
		CPU: cpu, Memory: mem, Ports: ports, PortsUDP: udp,
	}
	if ov == nil {
		ov = &TaskOverride{}
	}
	if ov.ContainerOverrides == nil {
		ov.ContainerOverrides = []ContainerOverride{}
	}
	az, _ := inst.Attr("ecs.availability-zone")
	t.Task = Task{
		TaskArn:              arn,
		ClusterArn:           cp.clusterARN(cluster),
		TaskDefinitionArn:    td.TaskDefinitionArn,
		ContainerInstanceArn: cp.instanceARN(cluster, inst.ID),
		Overrides:            ov,
		LastStatus:           TaskStatusPending,
		DesiredStatus:        TaskStatusRunning,
		HealthStatus:         HealthUnknown,
		Cpu:                  strconv.FormatInt(cpu, 10),
		Memory:               strconv.FormatInt(mem, 10),
		StartedBy:            startedBy,
		Version:              1,
		CreatedAt:            now,
		Group:                group,
		LaunchType:           "EC2",
		AvailabilityZone:     az,
		Tags:                 tags,
	}
	if td.Cpu != "" {
		t.Task.Cpu = td.Cpu
	}
	if td.Memory != "" {
		t.Task.Memory = td.Memory
	}
	if ov.Cpu != "" {
		t.Task.Cpu = ov.Cpu
	}
	if ov.Memory != "" {
		t.Task.Memory = ov.Memory
	}
	if arch, ok := inst.Attr("ecs.cpu-architecture"); ok {
		t.Task.Attributes = []Attribute{{Name: "ecs.cpu-architecture", Value: arch}}
	}
	for _, cd := range td.ContainerDefinitions {
		c := Container{
			ContainerArn:    cp.containerARN(cluster, id, uuid(cp.newID())),
			TaskArn:         arn,
			Name:            cd.Name,
			Image:           cd.Image,
			LastStatus:      TaskStatusPending,
			NetworkBindings: []NetworkBinding{},
			HealthStatus:    HealthUnknown,
			Cpu:             strconv.FormatInt(cd.Cpu, 10),
		}
		if cd.Memory != nil {
			c.Memory = strconv.FormatInt(*cd.Memory, 10)
		}
		if cd.MemoryReservation != nil {
			c.MemoryReservation = strconv.FormatInt(*cd.MemoryReservation, 10)
		}
		for _, co := range ov.ContainerOverrides {
			if co.Name != cd.Name {
				continue
			}
			if co.Cpu != nil {
				c.Cpu = strconv.FormatInt(*co.Cpu, 10)
			}
			if co.Memory != nil {
				c.Memory = strconv.FormatInt(*co.Memory, 10)
			}
			if co.MemoryReservation != nil {
				c.MemoryReservation = strconv.FormatInt(*co.MemoryReservation, 10)
			}
		}
		t.Task.Containers = append(t.Task.Containers, c)
	}
	return t
}

// lookupTask resolves a task ID or ARN within cluster.
func (cp *ControlPlane) lookupTask(tx store.Tx, cluster, ref string) (*record.Task, error) {
	c, id, err := cp.leafID("task", ref)
	if err != nil {
		return nil, err
	}
	if c != "" && c != cluster {
		return nil, invalidParam("Task %q is not in cluster %q.", ref, cluster)
	}
	t, found, err := cp.getTask(tx, cluster, id)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, &Error{Code: InvalidParameterException, Field: "task", Message: "The referenced task was not found."}
	}
	return t, nil
}

// StopTask sets a task's desired status to STOPPED; its agent stops the
// containers (SIGTERM, then SIGKILL after stopTimeout).
func (cp *ControlPlane) StopTask(ctx context.Context, in *StopTaskInput) (*StopTaskOutput, error) {
	if in.Task == "" {
		return nil, invalidParam("task cannot be empty.")
	}
	reason := in.Reason
	if reason == "" {
		reason = "Task stopped by user"
	}
	if len(reason) > 1024 {
		reason = reason[:1024]
	}
	var out Task
	err := cp.store.Update(ctx, func(tx store.Tx) error {
		cl, err := cp.activeCluster(tx, in.Cluster)
		if err != nil {
			return err
		}
		t, err := cp.lookupTask(tx, cl.Name, in.Task)
		if err != nil {
			return err
		}
		if err := cp.stopTask(tx, t, StopCodeUserInitiated, reason); err != nil {
			return err
		}
		out = t.Task
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &StopTaskOutput{Task: &out}, nil
}

// stopTask sets desired STOPPED with a stop code and reason, unless the
// task is already desired STOPPED, and writes task and instance.
func (cp *ControlPlane) stopTask(tx store.Tx, t *record.Task, code, reason string) error {
	if t.Task.DesiredStatus == TaskStatusStopped {
		return nil
	}
	t.Task.DesiredStatus = TaskStatusStopped
	t.Task.StopCode = code
	t.Task.StoppedReason = reason
	if t.Task.LastStatus == TaskStatusRunning {
		t.Task.StoppingAt = cp.now()
	}
	t.Task.Version++
	return cp.saveTask(tx, t)
}

// saveTask settles the task's accounting on its instance and writes both
// (the instance only if its accounting changed).
func (cp *ControlPlane) saveTask(tx store.Tx, t *record.Task) error {
	if record.Settled(t) {
		return cp.putTask(tx, t)
	}
	var inst record.Instance
	found, err := record.Get(tx, record.InstanceKey(t.Cluster, t.InstanceID), &inst)
	if err != nil {
		return err
	}
	if found {
		record.Settle(&inst, t)
		if err := record.Put(tx, record.InstanceKey(t.Cluster, inst.ID), &inst); err != nil {
			return err
		}
	}
	return cp.putTask(tx, t)
}

// DescribeTasks describes up to 100 tasks; unknown ones are MISSING
// failures.
func (cp *ControlPlane) DescribeTasks(ctx context.Context, in *DescribeTasksInput) (*DescribeTasksOutput, error) {
	if len(in.Tasks) == 0 {
		return nil, invalidParam("Tasks cannot be empty.")
	}
	if len(in.Tasks) > 100 {
		return nil, invalidParam("tasks can have at most 100 items.")
	}
	withTags := slices.Contains(in.Include, "TAGS")
	out := &DescribeTasksOutput{Tasks: []Task{}, Failures: []Failure{}}
	err := cp.store.View(ctx, func(tx store.Tx) error {
		cl, err := cp.activeCluster(tx, in.Cluster)
		if err != nil {
			return err
		}
		for _, ref := range in.Tasks {
			t, err := cp.lookupTask(tx, cl.Name, ref)
			if err != nil {
				arn := ref
				if _, id, e := cp.leafID("task", ref); e == nil {
					arn = cp.taskARN(cl.Name, id)
				}
				out.Failures = append(out.Failures, Failure{Arn: arn, Reason: "MISSING"})
				continue
			}
			task := t.Task
			if !withTags {
				task.Tags = nil
			}
			out.Tasks = append(out.Tasks, task)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListTasks lists task ARNs by instance, family, service, startedBy and
// desired status (default RUNNING).
func (cp *ControlPlane) ListTasks(ctx context.Context, in *ListTasksInput) (*ListTasksOutput, error) {
	desired := in.DesiredStatus
	switch desired {
	case "":
		desired = TaskStatusRunning
	case TaskStatusRunning, TaskStatusStopped, TaskStatusPending:
	default:
		return nil, &Error{Code: InvalidParameterException, Field: "desiredStatus", Message: "desiredStatus must be RUNNING, PENDING or STOPPED."}
	}
	if in.LaunchType != "" && in.LaunchType != "EC2" && in.LaunchType != "FARGATE" && in.LaunchType != "EXTERNAL" {
		return nil, &Error{Code: InvalidParameterException, Field: "launchType", Message: "Invalid launchType."}
	}
	size := 100
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 100 {
			return nil, invalidParam("maxResults must be between 1 and 100.")
		}
		size = int(*in.MaxResults)
	}
	after := ""
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil {
			return nil, invalidParam("Invalid nextToken.")
		}
		after = string(b)
	}
	q := taskQuery{desired: desired, family: in.Family, service: in.ServiceName, startedBy: in.StartedBy, launchType: in.LaunchType}
	if in.ContainerInstance != "" {
		_, id, err := cp.leafID("container-instance", in.ContainerInstance)
		if err != nil {
			return nil, err
		}
		q.instance = id
	}
	var cluster string
	err := cp.store.View(ctx, func(tx store.Tx) error {
		cl, err := cp.activeCluster(tx, in.Cluster)
		if cl != nil {
			cluster = cl.Name
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := cp.cache.await(ctx); err != nil {
		return nil, err
	}
	ids, more := cp.cache.listTasks(cluster, q, after, size)
	out := &ListTasksOutput{TaskArns: make([]string, 0, len(ids))}
	for _, id := range ids {
		out.TaskArns = append(out.TaskArns, cp.taskARN(cluster, id))
	}
	if more && len(ids) > 0 {
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(ids[len(ids)-1]))
	}
	return out, nil
}
