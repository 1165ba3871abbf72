package ecs

import (
	"context"
	"time"

	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/placement"
	"github.com/ecskit/ecs/store"
)

const (
	// placeAttempts bounds how often a placement proposed on the cache is
	// tried again after the transaction found a chosen instance changed.
	placeAttempts = 3
	// placeWait bounds how long RunTask waits, before its transaction, for
	// the cache to see the placements committed before it (awaitPlacement).
	placeWait = 200 * time.Millisecond
)

// awaitPlacement lets the cache catch up (for at most placeWait) with the
// placements and instance changes committed before it was called (see
// notePlacementChange), so that a placement sees them: RunTask after
// RunTask spreads as ECS does. The flood of task state reports in between
// need not be waited for: what they change of an instance (resources
// freed by a stopped task) a placement checks in its transaction anyway.
// It must not run inside a transaction: the revision a transaction reads
// may be one its own commit group has yet to commit.
func (cp *ControlPlane) awaitPlacement(ctx context.Context) {
	if rev := cp.placementRev.Load(); rev > 0 {
		cp.cache.awaitSeen(rev, placeWait)
	}
}

// notePlacementChange records that the calls that follow must place on a
// cache that has seen the store's current revision. The calls that place
// tasks or change instances defer it.
func (cp *ControlPlane) notePlacementChange(ctx context.Context) {
	var rev int64
	if cp.store.View(ctx, func(tx store.Tx) error { rev = tx.Revision(); return nil }) == nil {
		atomicMax(&cp.placementRev, rev)
	}
}

// placeTasks places req's tasks and creates them, reserving their
// resources, in tx. The cache's scheduler proposes the instances; tx then
// reads each chosen instance and checks that it still takes its tasks, so
// a cache that lags can never over-commit one: a proposal that no longer
// fits is tried again on the fresher records, and after placeAttempts the
// placement runs on every instance record of tx. Failures are trusted only
// from a cache that has applied tx's revision in full.
func (cp *ControlPlane) placeTasks(tx store.Tx, cluster string, td *TaskDefinition, ov *TaskOverride, req placement.Request, startedBy string, tags []Tag, service string) ([]*record.Task, []Failure, error) {
	rev := tx.Revision()
	for range placeAttempts {
		prop, err := cp.cache.place(cluster, req)
		if err != nil {
			return nil, nil, &Error{Code: InvalidParameterException, Message: err.Error(), Err: err}
		}
		if (prop.empty || len(prop.failures) > 0) && !cp.cache.completeAt(rev) {
			break
		}
		if prop.empty {
			return nil, nil, invalidParam("No Container Instances were found in your cluster.")
		}
		recs, versions, ok, err := cp.checkProposal(tx, cluster, req, prop.instances)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			cp.cache.refresh(cluster, recs, versions)
			continue
		}
		var failures []Failure
		for _, f := range prop.failures {
			failures = append(failures, Failure{Arn: f.ARN, Reason: f.Reason, Detail: f.Explanation})
		}
		placed, err := cp.createTasks(tx, cluster, td, ov, req.Group, startedBy, tags, service, prop.instances, recs)
		return placed, failures, err
	}
	return cp.placeTasksExact(tx, cluster, td, ov, req, startedBy, tags, service)
}

// checkProposal reads the instances a proposal chose and reports whether
// each still takes the tasks proposed for it.
func (cp *ControlPlane) checkProposal(tx store.Tx, cluster string, req placement.Request, chosen []string) (map[string]*record.Instance, map[string]int64, bool, error) {
	counts := map[string]int{}
	for _, id := range chosen {
		counts[id]++
	}
	recs := make(map[string]*record.Instance, len(counts))
	versions := make(map[string]int64, len(counts))
	ok := true
	for id, n := range counts {
		r, err := tx.Get(record.InstanceKey(cluster, id))
		if err != nil {
			return nil, nil, false, err
		}
		var rec record.Instance
		if err := record.Decode(r, &rec); err != nil {
			return nil, nil, false, err
		}
		recs[id], versions[id] = &rec, r.Version
		one := req
		one.Count, one.Strategies = n, nil
		res, err := placement.Place(placement.Snapshot{Instances: []placement.Instance{cp.placementInstance(&rec)}}, one)
		if err != nil {
			return nil, nil, false, err
		}
		if len(res.Decisions) != n {
			ok = false
		}
	}
	return recs, versions, ok, nil
}

// createTasks creates one task per chosen instance ID and writes the
// tasks and the instances that carry them.
func (cp *ControlPlane) createTasks(tx store.Tx, cluster string, td *TaskDefinition, ov *TaskOverride, group, startedBy string, tags []Tag, service string, chosen []string, recs map[string]*record.Instance) ([]*record.Task, error) {
	var placed []*record.Task
	for _, id := range chosen {
		inst := recs[id]
		t := cp.newTask(cluster, inst, td, cloneOverride(ov), group, startedBy, tags)
		t.ServiceName = service
		inst.Reserve(t)
		record.Settle(inst, t)
		if err := cp.putTask(tx, t); err != nil {
			return nil, err
		}
		placed = append(placed, t)
	}
	for id, inst := range recs {
		if err := record.Put(tx, record.InstanceKey(cluster, id), inst); err != nil {
			return nil, err
		}
	}
	return placed, nil
}

// placeTasksExact runs the scheduler over every instance record of tx.
func (cp *ControlPlane) placeTasksExact(tx store.Tx, cluster string, td *TaskDefinition, ov *TaskOverride, req placement.Request, startedBy string, tags []Tag, service string) ([]*record.Task, []Failure, error) {
	insts, err := record.List[record.Instance](tx, record.InstancePrefix(cluster))
	if err != nil {
		return nil, nil, err
	}
	var snap placement.Snapshot
	var recs []*record.Instance
	for i := range insts {
		if insts[i].Status == StatusInactive {
			continue
		}
		recs = append(recs, &insts[i])
		snap.Instances = append(snap.Instances, cp.placementInstance(&insts[i]))
	}
	if len(recs) == 0 {
		return nil, nil, invalidParam("No Container Instances were found in your cluster.")
	}
	res, err := placement.Place(snap, req)
	if err != nil {
		return nil, nil, &Error{Code: InvalidParameterException, Message: err.Error(), Err: err}
	}
	chosen := make([]string, 0, len(res.Decisions))
	byID := map[string]*record.Instance{}
	for _, d := range res.Decisions {
		chosen = append(chosen, recs[d.Instance].ID)
		byID[recs[d.Instance].ID] = recs[d.Instance]
	}
	placed, err := cp.createTasks(tx, cluster, td, ov, req.Group, startedBy, tags, service, chosen, byID)
	if err != nil {
		return nil, nil, err
	}
	var failures []Failure
	for _, f := range res.Failures {
		failures = append(failures, Failure{Arn: f.ARN, Reason: f.Reason, Detail: f.Explanation})
	}
	return placed, failures, nil
}
