package ecs

import (
	"context"
	"slices"
	"time"

	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/internal/services"
	"github.com/ecskit/ecs/store"
)

// Retention of what ECS forgets.
const (
	// StoppedTaskRetention is how long a STOPPED task stays visible to
	// DescribeTasks and ListTasks (ECS: "at least 1 hour").
	StoppedTaskRetention = time.Hour
	// housekeepingInterval is how often the housekeeper runs.
	housekeepingInterval = 5 * time.Minute
)

// housekeep forgets stopped tasks past their retention and deletes task
// definition revisions whose deletion was requested once no task uses them.
// It runs on the leader until ctx ends.
func (cp *ControlPlane) housekeep(ctx context.Context) {
	for {
		if err := cp.housekeepOnce(ctx); err != nil && ctx.Err() == nil {
			cp.log.Warn("housekeeping failed", "err", err)
		}
		if clock.Sleep(ctx, cp.clock, housekeepingInterval) != nil {
			return
		}
	}
}

// housekeepBatch bounds the deletions of one transaction.
const housekeepBatch = 100

// housekeepOnce finds what to forget in a snapshot, then deletes it in
// small transactions that check each record again: one transaction over
// every task would conflict with every task write of a busy cluster. It
// reads the tasks desired STOPPED (the cache names them), and every task
// only when a revision waits for deletion.
func (cp *ControlPlane) housekeepOnce(ctx context.Context) error {
	now := cp.clock.Now()
	if err := cp.cache.await(ctx); err != nil {
		return err
	}
	var expired, doomed []string
	err := cp.store.View(ctx, func(tx store.Tx) error {
		for cluster, ids := range cp.cache.desiredStopped() {
			for _, id := range ids {
				t, found, err := cp.getTask(tx, cluster, id)
				if err != nil {
					return err
				}
				if found && expiredTask(t, now) {
					expired = append(expired, record.TaskKey(cluster, id))
				}
			}
		}
		tds, err := record.List[record.TaskDefinition](tx, "taskdefs/")
		if err != nil {
			return err
		}
		var deleting []string
		for _, rec := range tds {
			if rec.TaskDefinition.Status == TaskDefinitionStatusDeleteInProgress {
				deleting = append(deleting, record.TaskDefinitionKey(rec.TaskDefinition.Family, rec.TaskDefinition.Revision))
			}
		}
		if len(deleting) == 0 {
			return nil
		}
		// No task starts from a revision whose deletion was requested, so
		// one unused in this snapshot stays unused.
		tasks, err := record.List[record.Task](tx, "tasks/")
		if err != nil {
			return err
		}
		inUse := map[string]bool{}
		for _, t := range tasks {
			if t.Task.LastStatus != TaskStatusStopped {
				inUse[record.TaskDefinitionKey(t.Family, t.Revision)] = true
			}
		}
		for _, key := range deleting {
			if !inUse[key] {
				doomed = append(doomed, key)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for batch := range slices.Chunk(expired, housekeepBatch) {
		err := cp.store.Update(ctx, func(tx store.Tx) error {
			for _, key := range batch {
				var t record.Task
				found, err := record.Get(tx, key, &t)
				if err != nil {
					return err
				}
				if found && expiredTask(&t, now) {
					if err := tx.Delete(key); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, key := range doomed {
		err := cp.store.Update(ctx, func(tx store.Tx) error {
			var rec record.TaskDefinition
			found, err := record.Get(tx, key, &rec)
			if err != nil || !found || rec.TaskDefinition.Status != TaskDefinitionStatusDeleteInProgress || cp.serviceUses(tx, &rec.TaskDefinition) {
				return err
			}
			return tx.Delete(key)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// expiredTask reports whether a task has been STOPPED for longer than
// StoppedTaskRetention.
func expiredTask(t *record.Task, now time.Time) bool {
	return t.Task.LastStatus == TaskStatusStopped && !t.Task.StoppedAt.IsZero() && now.Sub(t.Task.StoppedAt.Time) > StoppedTaskRetention
}

// serviceUses reports whether a service that is not INACTIVE still runs
// td in one of its deployments.
func (cp *ControlPlane) serviceUses(tx store.Tx, td *TaskDefinition) bool {
	svcs, err := record.List[services.Record](tx, "services/")
	if err != nil {
		return true
	}
	for _, s := range svcs {
		if s.Service.Status == StatusInactive {
			continue
		}
		for _, d := range s.Deployments {
			if d.Family == td.Family && d.Revision == td.Revision {
				return true
			}
		}
	}
	return false
}
