package ecs

import (
	"sort"
	"time"

	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/placement"
)

// clusterSched is a long-lived placement.Scheduler over one cluster's
// instances as the cache knows them. It never keeps the tasks it places:
// after each request the chosen instances are set back to their recorded
// state, and they change only when the store's watch (or a fresher record
// read inside a transaction) says so. A placement is therefore a proposal
// that the transaction checks against the records it reads.
type clusterSched struct {
	s    *placement.Scheduler
	slot map[string]int       // instance ID -> scheduler index
	base []placement.Instance // the recorded state of each index
	vers []int64              // the store version base reflects
	// nextSweep is when an agent's connection may time out next; the
	// connectivity of every instance is checked again then.
	nextSweep time.Time
	// gen is the agent tracker's generation at the last sweep: it moves
	// when an agent that was not connected connects.
	gen uint64
}

// placement is a proposal of the cache's scheduler.
type cachedPlacement struct {
	// instances holds, per placed task, the chosen instance's ID.
	instances []string
	failures  []placement.Failure
	// empty: the cluster has no instance that is not INACTIVE.
	empty bool
}

// place proposes where req's tasks go, on the cache's view of cluster.
func (c *cache) place(cluster string, req placement.Request) (cachedPlacement, error) {
	c.mu.Lock()
	cl := c.cluster(cluster)
	c.mu.Unlock()
	cl.schedMu.Lock()
	defer cl.schedMu.Unlock()
	sc := c.syncSched(cl)
	var out cachedPlacement
	if sc.s.Len() == 0 || len(sc.slot) == 0 {
		out.empty = true
		return out, nil
	}
	res, err := sc.s.Place(req)
	if err != nil {
		return out, err
	}
	touched := map[int]bool{}
	for _, d := range res.Decisions {
		out.instances = append(out.instances, sc.s.Instance(d.Instance).ID)
		touched[d.Instance] = true
	}
	for i := range touched {
		sc.s.Set(i, sc.base[i])
	}
	out.failures = res.Failures
	return out, nil
}

// syncSched brings the cluster's scheduler in line with the cache: it
// builds it if need be, then applies the instances changed since.
// Callers hold cl.schedMu.
func (c *cache) syncSched(cl *clusterCache) *clusterSched {
	cp := c.cp
	c.mu.RLock()
	defer c.mu.RUnlock()
	cl.dirtyMu.Lock()
	dirty := cl.dirty
	cl.dirty = nil
	cl.dirtyMu.Unlock()
	for _, id := range dirty {
		if in := cl.insts[id]; in != nil {
			in.dirty.Store(false)
		}
	}
	sc := cl.sched
	if sc == nil || cl.rebuildSched {
		// Building reads every instance under the cache's read lock; the
		// flag is cleared by the next rebuild's writer, which sees it set.
		sc = &clusterSched{slot: map[string]int{}}
		var ids []string
		for id, in := range cl.insts {
			if in.rec != nil && in.rec.Status != StatusInactive {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		snap := placement.Snapshot{Instances: make([]placement.Instance, 0, len(ids))}
		for i, id := range ids {
			in := cl.insts[id]
			pi := cp.placementInstance(in.rec)
			snap.Instances = append(snap.Instances, pi)
			sc.base = append(sc.base, pi)
			sc.vers = append(sc.vers, in.version)
			sc.slot[id] = i
		}
		sc.s = placement.NewScheduler(snap)
		cl.sched = sc
		cl.rebuildSched = false
		c.sweep(sc)
		return sc
	}
	for _, id := range dirty {
		in := cl.insts[id]
		if in == nil || in.rec == nil {
			continue
		}
		c.setSlot(sc, in.rec, in.version)
	}
	if !cp.clock.Now().Before(sc.nextSweep) || sc.gen != cp.agents.Generation() {
		c.sweep(sc)
	}
	return sc
}

// setSlot records an instance's state in the scheduler, unless the
// scheduler already reflects a newer version of it.
func (c *cache) setSlot(sc *clusterSched, rec *record.Instance, version int64) {
	i, ok := sc.slot[rec.ID]
	if !ok {
		if rec.Status == StatusInactive {
			return
		}
		pi := c.cp.placementInstance(rec)
		i = sc.s.Add(pi)
		sc.slot[rec.ID] = i
		sc.base = append(sc.base, pi)
		sc.vers = append(sc.vers, version)
		return
	}
	if version <= sc.vers[i] && version != 0 {
		return
	}
	pi := c.cp.placementInstance(rec)
	sc.base[i], sc.vers[i] = pi, version
	sc.s.Set(i, pi)
}

// sweep checks every instance's agent connection again and notes when
// the next one may time out.
func (c *cache) sweep(sc *clusterSched) {
	sc.gen = c.cp.agents.Generation()
	now := c.cp.clock.Now()
	next := now.Add(c.cp.agentTimeout)
	for i := range sc.base {
		pi := &sc.base[i]
		connected, expires := c.cp.agents.State(pi.ARN)
		if connected && !expires.IsZero() && expires.Before(next) {
			next = expires
		}
		if connected != pi.AgentConnected {
			pi.AgentConnected = connected
			sc.s.Set(i, *pi)
		}
	}
	sc.nextSweep = next
}

// refresh tells the cluster's scheduler about instance records read inside
// a transaction, which may be newer than the cache's.
func (c *cache) refresh(cluster string, recs map[string]*record.Instance, versions map[string]int64) {
	c.mu.RLock()
	cl := c.clusters[cluster]
	c.mu.RUnlock()
	if cl == nil {
		return
	}
	cl.schedMu.Lock()
	defer cl.schedMu.Unlock()
	if cl.sched == nil {
		return
	}
	for id, rec := range recs {
		c.setSlot(cl.sched, rec, versions[id])
	}
}
