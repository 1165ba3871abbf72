package services

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/ecskit/ecs/clock"
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

// runServiceScheduler runs a pass over every service at start, then over
// the services the tracker finds due: after a change that concerns them,
// at the deadline a pass asked for, or when an agent they depend on
// connects or disconnects (checked every serviceTick).
func (sc *Scheduler) runServiceScheduler(ctx context.Context) {
	tr := newServiceTracker()
	var rev int64
	if err := sc.store.View(ctx, func(tx store.Tx) error { rev = tx.Revision(); return nil }); err != nil {
		return
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc.watchServices(ctx, tr, rev)
	}()
	connected := func(cluster, id string) bool { return sc.cp.Connected(cluster, id) }
	lastSweep := sc.clock.Now()
	for ctx.Err() == nil {
		now := sc.clock.Now()
		if now.Sub(lastSweep) >= serviceTick {
			tr.sweep(connected)
			lastSweep = now
		}
		refs, full := tr.take(now)
		var err error
		if full {
			refs, err = sc.serviceRefs(ctx)
		}
		if err == nil {
			err = sc.reconcileRefs(ctx, refs, tr)
		}
		if err != nil && ctx.Err() == nil {
			sc.log.Warn("service scheduler pass failed", "err", err)
		}
		wait := serviceTick - sc.clock.Now().Sub(lastSweep)
		if next := tr.next(); !next.IsZero() {
			wait = min(wait, next.Sub(sc.clock.Now()))
		}
		if wait <= 0 {
			continue
		}
		t := sc.clock.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-tr.kick:
		case <-t.C():
		}
		t.Stop()
	}
}

// watchServices feeds the tracker every committed change after rev; when
// the watch must restart, every service becomes due.
func (sc *Scheduler) watchServices(ctx context.Context, tr *serviceTracker, rev int64) {
	for ctx.Err() == nil {
		w, err := sc.store.Watch(ctx, "", rev)
		if err == nil {
			for ev := range w.Events() {
				rev = ev.Revision
				tr.observe(ev.Record.Key, ev.Record.Value)
			}
			err = w.Err()
		}
		if ctx.Err() != nil {
			return
		}
		sc.log.Warn("service scheduler: store watch ended", "err", err)
		if clock.Sleep(ctx, sc.clock, time.Second) != nil {
			return
		}
		_ = sc.store.View(ctx, func(tx store.Tx) error { rev = tx.Revision(); return nil })
		tr.all()
	}
}

// reconcileServices runs one pass over every ACTIVE or DRAINING service
// and returns the earliest future moment a pass has something to do.
func (sc *Scheduler) reconcileServices(ctx context.Context) (time.Time, error) {
	refs, err := sc.serviceRefs(ctx)
	if err != nil {
		return time.Time{}, err
	}
	tr := newServiceTracker()
	err = sc.reconcileRefs(ctx, refs, tr)
	return tr.next(), err
}

// serviceRefs lists every service, DAEMON services first: their tasks are
// placed on an instance before REPLICA tasks (ECS's daemon priority).
func (sc *Scheduler) serviceRefs(ctx context.Context) ([]serviceRef, error) {
	var daemons, replicas []serviceRef
	err := sc.store.View(ctx, func(tx store.Tx) error {
		recs, err := tx.List("services/")
		for _, r := range recs {
			cluster, name, ok := strings.Cut(strings.TrimPrefix(r.Key, "services/"), "/")
			if !ok || strings.Contains(name, "/") {
				continue
			}
			if isDaemonRecord(r.Value) {
				daemons = append(daemons, serviceRef{cluster, name})
			} else {
				replicas = append(replicas, serviceRef{cluster, name})
			}
		}
		return err
	})
	return append(daemons, replicas...), err
}

// reconcileRefs runs one pass over each service, in order, and tells the
// tracker what each found.
func (sc *Scheduler) reconcileRefs(ctx context.Context, refs []serviceRef, tr *serviceTracker) error {
	var firstErr error
	for _, s := range refs {
		var res passResult
		// A pass places tasks on the cache's scheduler: let it see the
		// store as it is now (an instance registered a moment ago).
		sc.cp.AwaitPlacement(ctx)
		err := sc.store.Update(ctx, func(tx store.Tx) error {
			var err error
			res, err = sc.reconcileService(tx, s.cluster, s.name)
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			sc.log.Warn("service pass failed", "cluster", s.cluster, "service", s.name, "err", err)
			if firstErr == nil {
				firstErr = err
			}
			// Try again soon rather than on the next change only.
			res = passResult{next: sc.clock.Now().Add(time.Second), hungry: true}
		}
		tr.record(s, res)
	}
	return firstErr
}
