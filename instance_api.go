package ecs

import (
	"context"
	"slices"

	"github.com/ecskit/ecs/internal/paginate"
	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/store"
)

// DescribeContainerInstances describes up to 100 instances; unknown ones
// are MISSING failures.
func (cp *ControlPlane) DescribeContainerInstances(ctx context.Context, in *DescribeContainerInstancesInput) (*DescribeContainerInstancesOutput, error) {
	if len(in.ContainerInstances) == 0 {
		return nil, invalidParam("containerInstances cannot be empty.")
	}
	if len(in.ContainerInstances) > 100 {
		return nil, invalidParam("containerInstances can have at most 100 items.")
	}
	out := &DescribeContainerInstancesOutput{ContainerInstances: []ContainerInstance{}, Failures: []Failure{}}
	// The pending counts come from the cache: let it catch up first.
	cp.cache.awaitBriefly(ctx)
	err := cp.store.View(ctx, func(tx store.Tx) error {
		cl, err := cp.activeCluster(tx, in.Cluster)
		if err != nil {
			return err
		}
		for _, ref := range in.ContainerInstances {
			rec, err := cp.lookupInstance(tx, cl.Name, ref)
			if err != nil {
				arn := ref
				if _, id, e := cp.leafID("container-instance", ref); e == nil {
					arn = cp.instanceARN(cl.Name, id)
				}
				out.Failures = append(out.Failures, Failure{Arn: arn, Reason: "MISSING"})
				continue
			}
			out.ContainerInstances = append(out.ContainerInstances, cp.instanceView(rec))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListContainerInstances lists instance ARNs, by status (default: all but
// INACTIVE) and cluster query language filter.
func (cp *ControlPlane) ListContainerInstances(ctx context.Context, in *ListContainerInstancesInput) (*ListContainerInstancesOutput, error) {
	switch in.Status {
	case "", StatusActive, StatusDraining, "REGISTERING", "DEREGISTERING", "REGISTRATION_FAILED":
	default:
		return nil, &Error{Code: InvalidParameterException, Field: "status", Message: "Invalid status " + in.Status + "."}
	}
	match, err := compileFilter(in.Filter)
	if err != nil {
		return nil, err
	}
	var recs []record.Instance
	err = cp.store.View(ctx, func(tx store.Tx) error {
		cl, err := cp.activeCluster(tx, in.Cluster)
		if err != nil {
			return err
		}
		all, err := record.List[record.Instance](tx, record.InstancePrefix(cl.Name))
		for _, r := range all {
			if in.Status == "" && r.Status == StatusInactive || in.Status != "" && r.Status != in.Status {
				continue
			}
			if match != nil {
				pi := cp.placementInstance(&r)
				if !match(&pi) {
					continue
				}
			}
			recs = append(recs, r)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := paginate.Page(recs, func(r record.Instance) string { return r.ID }, in.MaxResults, in.NextToken, 100)
	if err != nil {
		return nil, err
	}
	out := &ListContainerInstancesOutput{ContainerInstanceArns: []string{}, NextToken: next}
	for _, r := range pg {
		out.ContainerInstanceArns = append(out.ContainerInstanceArns, cp.instanceARN(r.Cluster, r.ID))
	}
	return out, nil
}

// DeregisterContainerInstance makes an instance INACTIVE. With tasks still
// on it, force must be set; those tasks are then no longer tracked (they are
// reported STOPPED, and services replace theirs elsewhere).
func (cp *ControlPlane) DeregisterContainerInstance(ctx context.Context, in *DeregisterContainerInstanceInput) (*DeregisterContainerInstanceOutput, error) {
	defer cp.notePlacementChange(ctx)
	if in.ContainerInstance == "" {
		return nil, invalidParam("containerInstance cannot be empty.")
	}
	force := in.Force != nil && *in.Force
	// Let the cache catch up, so that it can name the instance's tasks.
	cp.cache.awaitBriefly(ctx)
	var out ContainerInstance
	err := cp.store.Update(ctx, func(tx store.Tx) error {
		cl, err := cp.activeCluster(tx, in.Cluster)
		if err != nil {
			return err
		}
		rec, err := cp.lookupInstance(tx, cl.Name, in.ContainerInstance)
		if err != nil {
			return err
		}
		tasks, err := cp.instanceTasks(tx, rec)
		if err != nil {
			return err
		}
		if len(tasks) > 0 && !force {
			return invalidParam("Found running tasks on the instance. Set force to deregister it anyway.")
		}
		now := cp.now()
		for i := range tasks {
			t := &tasks[i]
			t.ForceStop(now, "Container instance deregistration forced by user")
			record.Settle(rec, t)
			if err := cp.putTask(tx, t); err != nil {
				return err
			}
		}
		rec.Status = StatusInactive
		rec.Version++
		out = cp.instanceView(rec)
		return record.Put(tx, record.InstanceKey(cl.Name, rec.ID), rec)
	})
	if err != nil {
		return nil, err
	}
	cp.agents.Forget(out.ContainerInstanceArn)
	out.AgentConnected = false
	return &DeregisterContainerInstanceOutput{ContainerInstance: &out}, nil
}

// UpdateContainerInstancesState sets up to 10 instances ACTIVE or DRAINING.
func (cp *ControlPlane) UpdateContainerInstancesState(ctx context.Context, in *UpdateContainerInstancesStateInput) (*UpdateContainerInstancesStateOutput, error) {
	defer cp.notePlacementChange(ctx)
	if in.Status != StatusActive && in.Status != StatusDraining {
		return nil, &Error{Code: InvalidParameterException, Field: "status", Message: "Container instance status must be ACTIVE or DRAINING."}
	}
	if len(in.ContainerInstances) == 0 || len(in.ContainerInstances) > 10 {
		return nil, &Error{Code: InvalidParameterException, Field: "containerInstances", Message: "containerInstances must have between 1 and 10 items."}
	}
	out := &UpdateContainerInstancesStateOutput{ContainerInstances: []ContainerInstance{}, Failures: []Failure{}}
	err := cp.store.Update(ctx, func(tx store.Tx) error {
		out.ContainerInstances, out.Failures = out.ContainerInstances[:0], out.Failures[:0]
		cl, err := cp.activeCluster(tx, in.Cluster)
		if err != nil {
			return err
		}
		for _, ref := range in.ContainerInstances {
			rec, err := cp.lookupInstance(tx, cl.Name, ref)
			if err != nil {
				out.Failures = append(out.Failures, Failure{Arn: ref, Reason: "MISSING"})
				continue
			}
			arn := cp.instanceARN(cl.Name, rec.ID)
			if rec.Status == StatusInactive {
				out.Failures = append(out.Failures, Failure{Arn: arn, Reason: "INACTIVE", Detail: "The container instance is not ACTIVE or DRAINING."})
				continue
			}
			if rec.Status != in.Status {
				rec.Status = in.Status
				rec.Version++
				if err := record.Put(tx, record.InstanceKey(cl.Name, rec.ID), rec); err != nil {
					return err
				}
			}
			out.ContainerInstances = append(out.ContainerInstances, cp.instanceView(rec))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// instanceTasks returns the tasks on an instance that are not yet STOPPED.
// The cache names them when it has caught up with tx; a task placed on the
// instance after that conflicts with tx, which writes the instance.
func (cp *ControlPlane) instanceTasks(tx store.Tx, inst *record.Instance) ([]record.Task, error) {
	r, err := tx.Get(record.InstanceKey(inst.Cluster, inst.ID))
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	if ids, ok := cp.cache.instanceTaskIDs(inst.Cluster, inst.ID, tx.Revision(), r.Version); ok {
		out := make([]record.Task, 0, len(ids))
		for _, id := range ids {
			t, found, err := cp.getTask(tx, inst.Cluster, id)
			if err != nil {
				return nil, err
			}
			if found && t.InstanceID == inst.ID && t.Task.LastStatus != TaskStatusStopped {
				out = append(out, *t)
			}
		}
		return out, nil
	}
	all, err := record.List[record.Task](tx, record.TaskPrefix(inst.Cluster))
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(t record.Task) bool {
		return t.InstanceID != inst.ID || t.Task.LastStatus == TaskStatusStopped
	}), nil
}
