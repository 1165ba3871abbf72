package ecs

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/store"
)

// cache holds the control plane's in-memory indexes of the store: the
// clusters' tasks (by instance, by status, by family, service and
// startedBy), their instances with what they have left, the decoded task
// definitions, and a placement scheduler per cluster. It is a cache in the
// strict sense: it is rebuilt from the store at Open (and whenever the
// watch falls behind the store's history) and kept current by the store's
// watch. The store stays the only truth: every write still reads and
// compares-and-swaps the records it changes, so a cache that lags can make
// a placement less than optimal or a read a moment old, never wrong.
//
// Revisions: the watch delivers events one at a time, so while events of
// revision R arrive the cache cannot tell whether R is whole. maxSeen is the
// newest revision of which it applied an event, complete the newest it
// knows it applied in full (an event of a later revision arrived, or R was
// one of the cache's own single-record sync writes). Reads that must see
// every committed write wait for complete (see await).
type cache struct {
	cp *ControlPlane

	mu       sync.RWMutex
	maxSeen  int64
	complete int64
	base     int64         // revision of the last rebuild
	progress chan struct{} // closed and replaced when maxSeen or complete move
	clusters map[string]*clusterCache
	taskDefs map[string]*TaskDefinition // by taskDefinitionKey
	recent   *recentTasks

	// hold is held by the applier while it applies events; tests take it
	// to make the cache lag behind the store.
	hold sync.Mutex

	syncKey  string
	syncMu   sync.Mutex   // one sync write at a time
	hi       atomic.Int64 // newest revision a poll was answered with
	fullPoll int64        // polls after an older revision get full answers
}

func newCache(cp *ControlPlane) *cache {
	return &cache{
		cp:       cp,
		progress: make(chan struct{}),
		clusters: map[string]*clusterCache{},
		taskDefs: map[string]*TaskDefinition{},
		recent:   newRecentTasks(),
		syncKey:  cacheSyncPrefix + randomID(),
	}
}

// cacheSyncPrefix holds one record per control plane, written only to
// prove that the cache has applied a revision in full (see await).
const cacheSyncPrefix = "cachesync/"

// run rebuilds the cache from rev's snapshot (already loaded by Open) and
// keeps it current until ctx ends.
func (c *cache) run(ctx context.Context) {
	after := c.revision()
	for ctx.Err() == nil {
		w, err := c.cp.store.Watch(ctx, "", after)
		if errors.Is(err, store.ErrCompacted) {
			after, err = c.reload(ctx)
		}
		if err != nil {
			if ctx.Err() == nil {
				c.cp.log.Warn("store watch failed", "err", err)
				_ = clock.Sleep(ctx, c.cp.clock, time.Second)
			}
			continue
		}
		c.follow(w.Events())
		err = w.Err()
		if ctx.Err() != nil {
			return
		}
		c.cp.log.Warn("store watch ended", "err", err)
		if errors.Is(err, store.ErrCompacted) {
			if after, err = c.reload(ctx); err != nil {
				c.cp.log.Warn("rebuild caches", "err", err)
			}
			continue
		}
		// Watch again from the last whole revision: events are applied as
		// states, so applying some twice does no harm.
		c.mu.RLock()
		after = c.complete
		c.mu.RUnlock()
	}
}

// follow applies events until the channel closes, in batches: one lock
// for as many events as are ready.
func (c *cache) follow(events <-chan store.Event) {
	for ev := range events {
		c.hold.Lock()
		c.mu.Lock()
		c.apply(ev)
		for n := 0; n < 512; n++ {
			select {
			case more, ok := <-events:
				if !ok {
					n = 512
					break
				}
				c.apply(more)
				continue
			default:
			}
			break
		}
		c.mu.Unlock()
		c.hold.Unlock()
	}
}

// revision is the newest revision the cache applied an event of.
func (c *cache) revision() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.maxSeen
}

// reload rebuilds the cache from a fresh snapshot of the store and
// returns its revision.
func (c *cache) reload(ctx context.Context) (int64, error) {
	var rev int64
	err := c.cp.store.View(ctx, func(tx store.Tx) error {
		rev = tx.Revision()
		if err := c.cp.loadHeartbeats(tx); err != nil {
			return err
		}
		return c.load(tx)
	})
	return rev, err
}

// load replaces the cache's content with the records of tx.
func (c *cache) load(tx store.Tx) error {
	fresh := newCache(c.cp)
	for _, prefix := range []string{"taskdefs/", "instances/", "tasks/"} {
		recs, err := tx.List(prefix)
		if err != nil {
			return err
		}
		for _, r := range recs {
			fresh.apply(store.Event{Type: store.EventPut, Record: r, Revision: r.Version})
		}
	}
	rev := tx.Revision()
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.clusters
	c.clusters, c.taskDefs = fresh.clusters, fresh.taskDefs
	c.maxSeen, c.complete, c.base = rev, rev, rev
	// Every poll in progress, and every poll after a revision before the
	// rebuild, gets a full answer: deletions before it are not known.
	c.fullPoll = max(rev, c.hi.Load()) + 1
	for name, cl := range c.clusters {
		for id, in := range cl.insts {
			in.maxVersion = max(in.maxVersion, c.fullPoll)
			if oc := old[name]; oc != nil && oc.insts[id] != nil {
				close(oc.insts[id].wake)
			}
		}
		cl.rebuildSched = true
	}
	atomicMax(&c.hi, c.fullPoll)
	c.signal()
	return nil
}

// signal wakes everyone waiting for progress. Callers hold c.mu.
func (c *cache) signal() {
	close(c.progress)
	c.progress = make(chan struct{})
}

// apply folds one event into the cache. Callers hold c.mu for writing.
func (c *cache) apply(ev store.Event) {
	if ev.Revision > c.maxSeen {
		c.complete = c.maxSeen
		c.maxSeen = ev.Revision
		c.signal()
	}
	key := ev.Record.Key
	switch {
	case strings.HasPrefix(key, "tasks/"):
		c.applyTask(ev)
	case strings.HasPrefix(key, "instances/"):
		c.applyInstance(ev)
	case strings.HasPrefix(key, "taskdefs/"):
		if ev.Type == store.EventDelete {
			delete(c.taskDefs, key)
			return
		}
		var rec record.TaskDefinition
		if err := json.Unmarshal(ev.Record.Value, &rec); err != nil {
			c.cp.log.Warn("cache: decode task definition", "key", key, "err", err)
			return
		}
		c.taskDefs[key] = &rec.TaskDefinition
	case strings.HasPrefix(key, cacheSyncPrefix):
		// A sync write is a transaction of this one record.
		c.complete = ev.Revision
	case strings.HasPrefix(key, heartbeatPrefix):
		c.cp.observeEvent(ev)
	}
}

// cluster returns the cache of a cluster, creating it if need be.
// Callers hold c.mu for writing.
func (c *cache) cluster(name string) *clusterCache {
	cl := c.clusters[name]
	if cl == nil {
		cl = newClusterCache(name)
		c.clusters[name] = cl
	}
	return cl
}

// await waits until the cache has applied, in full, every revision the
// store had committed when it was called: the reads that follow see every
// write that completed before. When the store is quiet the last revision
// cannot be known whole by watching, so await then writes the control
// plane's sync record and waits for its event.
func (c *cache) await(ctx context.Context) error {
	_, err := c.awaitRevision(ctx)
	return err
}

// awaitBriefly is awaitRevision for at most awaitBrief, for calls that
// can do without a caught-up cache (they count from the store instead) but
// are cheaper with one; it returns 0 if the cache did not catch up.
func (c *cache) awaitBriefly(ctx context.Context) int64 {
	ctx, cancel := context.WithTimeout(ctx, awaitBrief)
	defer cancel()
	rev, err := c.awaitRevision(ctx)
	if err != nil {
		return 0
	}
	return rev
}

// awaitBrief bounds awaitBriefly.
const awaitBrief = time.Second

// awaitRevision is await, returning the store revision the cache has
// caught up with.
func (c *cache) awaitRevision(ctx context.Context) (int64, error) {
	var rev int64
	if err := c.cp.store.View(ctx, func(tx store.Tx) error { rev = tx.Revision(); return nil }); err != nil {
		return 0, err
	}
	grace := time.NewTimer(2 * time.Millisecond)
	defer grace.Stop()
	for synced := false; ; {
		c.mu.RLock()
		complete, seen, progress := c.complete, c.maxSeen, c.progress
		c.mu.RUnlock()
		if complete >= rev {
			return rev, nil
		}
		if seen >= rev && !synced {
			select {
			case <-grace.C:
				synced = true
				if err := c.syncWrite(ctx, rev); err != nil {
					return 0, err
				}
				continue
			default:
			}
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-progress:
		case <-grace.C:
			if !synced {
				synced = true
				if err := c.syncWrite(ctx, rev); err != nil {
					return 0, err
				}
			}
		}
	}
}

// syncWrite writes the sync record unless the cache has become complete
// up to rev meanwhile (concurrent awaits share one write).
func (c *cache) syncWrite(ctx context.Context, rev int64) error {
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	c.mu.RLock()
	done := c.complete >= rev
	c.mu.RUnlock()
	if done {
		return nil
	}
	return c.cp.store.Update(ctx, func(tx store.Tx) error {
		return tx.Put(c.syncKey, []byte(`{}`))
	})
}

// awaitSeen waits (at most d) until the cache has applied events of
// revision rev: a placement inside a transaction reading at rev then sees
// what the transaction sees, give or take the events of rev itself.
func (c *cache) awaitSeen(rev int64, d time.Duration) {
	var timer *time.Timer
	for {
		c.mu.RLock()
		seen, progress := c.maxSeen, c.progress
		c.mu.RUnlock()
		if seen >= rev {
			return
		}
		if timer == nil {
			timer = time.NewTimer(d)
			defer timer.Stop()
		}
		select {
		case <-progress:
		case <-timer.C:
			return
		}
	}
}

// taskDefinition returns the decoded task definition at key, or nil.
func (c *cache) taskDefinition(key string) *TaskDefinition {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.taskDefs[key]
}

// clusterCounts returns a cluster's registered (ACTIVE or DRAINING)
// instances and its RUNNING and PENDING tasks, if the cache has applied
// every revision up to rev.
func (c *cache) clusterCounts(cluster string, rev int64) (instances, running, pending int64, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.complete < rev {
		return 0, 0, 0, false
	}
	cl := c.clusters[cluster]
	if cl == nil {
		return 0, 0, 0, true
	}
	return cl.registered, cl.running, cl.pending, true
}

// pendingOn counts the tasks on an instance whose lastStatus is PENDING
// (or PROVISIONING).
func (c *cache) pendingOn(cluster, id string) int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var n int64
	if cl := c.clusters[cluster]; cl != nil {
		if in := cl.insts[id]; in != nil {
			for _, t := range in.tasks {
				if t.last == TaskStatusPending || t.last == TaskStatusProvisioning {
					n++
				}
			}
		}
	}
	return n
}

// instanceTaskIDs returns the IDs of the tasks on an instance that are not
// STOPPED, in order, if the cache has applied every revision up to rev, or
// if it holds the instance's record at instVersion (its store version in
// the caller's transaction) and has applied that revision in full. Every
// task placed on an instance is written with it, so a task placed since
// would have moved the record's version.
func (c *cache) instanceTaskIDs(cluster, id string, rev, instVersion int64) ([]string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var in *instEntry
	if cl := c.clusters[cluster]; cl != nil {
		in = cl.insts[id]
	}
	current := in != nil && in.rec != nil && in.version == instVersion &&
		(in.version <= c.complete || in.version < c.maxSeen)
	if c.complete < rev && !current {
		return nil, false
	}
	var ids []string
	if in != nil {
		for tid, t := range in.tasks {
			if t.last != TaskStatusStopped {
				ids = append(ids, tid)
			}
		}
	}
	slices.Sort(ids)
	return ids, true
}

// desiredStopped returns, by cluster, the IDs of the tasks desired STOPPED
// (the only ones that can be STOPPED), from their ListTasks index.
func (c *cache) desiredStopped() map[string][]string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := map[string][]string{}
	for name, cl := range c.clusters {
		if set := cl.lists[listKey{TaskStatusStopped, "", ""}]; set != nil {
			set.Ascend("", func(id string) bool {
				out[name] = append(out[name], id)
				return true
			})
		}
	}
	return out
}

// completeAt reports whether the cache has applied every revision up to
// rev in full.
func (c *cache) completeAt(rev int64) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.complete >= rev
}
