package ecs

import (
	"context"
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

func (cp *ControlPlane) housekeepOnce(ctx context.Context) error {
	now := cp.clock.Now()
	return cp.store.Update(ctx, func(tx store.Tx) error {
		tasks, err := record.List[record.Task](tx, "tasks/")
		if err != nil {
			return err
		}
		inUse := map[string]bool{}
		for _, t := range tasks {
			if t.Task.LastStatus == TaskStatusStopped && !t.Task.StoppedAt.IsZero() && now.Sub(t.Task.StoppedAt.Time) > StoppedTaskRetention {
				if err := tx.Delete(record.TaskKey(t.Cluster, t.ID)); err != nil {
					return err
				}
				continue
			}
			if t.Task.LastStatus != TaskStatusStopped {
				inUse[record.TaskDefinitionKey(t.Family, t.Revision)] = true
			}
		}
		tds, err := tx.List("taskdefs/")
		if err != nil {
			return err
		}
		for _, r := range tds {
			var rec record.TaskDefinition
			if _, err := record.Get(tx, r.Key, &rec); err != nil {
				return err
			}
			if rec.TaskDefinition.Status == TaskDefinitionStatusDeleteInProgress && !inUse[r.Key] && !cp.serviceUses(tx, &rec.TaskDefinition) {
				if err := tx.Delete(r.Key); err != nil {
					return err
				}
			}
		}
		return nil
	})
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
