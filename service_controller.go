package ecs

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/ecskit/ecs/store"
)

// The service scheduler is a level-triggered reconcile loop: every pass
// reads a service, its tasks and the cluster's instances, lets the pure
// reconciler (internal/reconcile) decide, and applies its plan, all in one
// store transaction. A missed wake-up costs nothing but time, and a
// restarted control plane (or a second one on the same store) simply
// carries on.
const (
	// serviceTick is how often every service is looked at even when the
	// store did not change (agent connectivity, for one, is not stored).
	serviceTick = 5 * time.Second
)

// startControllers starts the level-triggered controllers (the service
// scheduler); they stop when ctx is cancelled, and Close waits for them
// through cp.wg.
func (cp *ControlPlane) startControllers(ctx context.Context) {
	cp.wg.Add(1)
	go func() {
		defer cp.wg.Done()
		cp.runServiceScheduler(ctx)
	}()
}

// runServiceScheduler runs passes after every store change, every
// serviceTick and at the next deadline a pass asked for.
func (cp *ControlPlane) runServiceScheduler(ctx context.Context) {
	for ctx.Err() == nil {
		woken := cp.notify.wait()
		next, err := cp.reconcileServices(ctx)
		if err != nil && ctx.Err() == nil {
			cp.log.Warn("service scheduler pass failed", "err", err)
		}
		wait := serviceTick
		if !next.IsZero() {
			if d := next.Sub(cp.clock.Now()); d > 0 && d < wait {
				wait = d
			}
		}
		t := cp.clock.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-woken:
		case <-t.C():
		}
		t.Stop()
	}
}

// reconcileServices runs one pass over every ACTIVE or DRAINING service
// and returns the earliest future moment a pass has something to do.
func (cp *ControlPlane) reconcileServices(ctx context.Context) (time.Time, error) {
	// DAEMON services go first: their tasks are placed on an instance
	// before REPLICA tasks (ECS's daemon priority).
	var daemons, replicas []string
	err := cp.store.View(ctx, func(tx store.Tx) error {
		recs, err := tx.List("services/")
		for _, r := range recs {
			var kind struct {
				Service struct {
					SchedulingStrategy string `json:"schedulingStrategy"`
				} `json:"service"`
			}
			if json.Unmarshal(r.Value, &kind) == nil && kind.Service.SchedulingStrategy == SchedulingStrategyDaemon {
				daemons = append(daemons, r.Key)
			} else {
				replicas = append(replicas, r.Key)
			}
		}
		return err
	})
	if err != nil {
		return time.Time{}, err
	}
	keys := append(daemons, replicas...)
	var next time.Time
	var firstErr error
	for _, k := range keys {
		parts := strings.Split(strings.TrimPrefix(k, "services/"), "/")
		if len(parts) != 2 {
			continue
		}
		var due time.Time
		err := cp.store.Update(ctx, func(tx store.Tx) error {
			var err error
			due, err = cp.reconcileService(tx, parts[0], parts[1])
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return next, ctx.Err()
			}
			cp.log.Warn("service pass failed", "cluster", parts[0], "service", parts[1], "err", err)
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if !due.IsZero() && (next.IsZero() || due.Before(next)) {
			next = due
		}
	}
	return next, firstErr
}
