package reconcile

import (
	"cmp"
	"slices"
	"strings"

	"github.com/ecskit/ecs/placement"
)

// replica keeps DesiredCount tasks of the PRIMARY deployment running on
// ACTIVE instances, replacing the tasks of older deployments, of DRAINING
// instances and those failing health checks within the deployment
// configuration's limits.
func (p *pass) replica() {
	prim := p.primary()
	desired := p.svc.DesiredCount
	prim.DesiredCount = desired
	maxTotal, minHealthy := Limits(desired, p.svc.MaximumPercent, p.svc.MinimumHealthyPercent)

	var keep, old, sick []*Task
	var healthy, total int64
	settled := true // every live task is desired RUNNING and healthy
	for _, t := range p.live {
		if t.Lost && t.DesiredStatus == StatusRunning {
			continue
		}
		total++
		if t.DesiredStatus != StatusRunning {
			settled = false
			continue
		}
		// Tasks not yet RUNNING on a DRAINING instance stop at once.
		if !p.instanceActive(t) && !p.running(t) {
			p.scalingStop(t)
			settled = false
			continue
		}
		// Tasks failing health checks are replaced first where
		// maximumPercent allows, then stopped (below).
		if p.unhealthy(t) {
			sick = append(sick, t)
			settled = false
			continue
		}
		if p.healthy(t) {
			healthy++
		} else {
			settled = false
		}
		if p.current(t) {
			keep = append(keep, t)
		} else {
			old = append(old, t)
		}
	}

	// Scale in: the PRIMARY deployment has more tasks than desired.
	if n := len(keep) - int(desired); n > 0 {
		for _, t := range p.scaleIn(keep, n) {
			if p.healthy(t) {
				healthy--
			}
			p.scalingStop(t)
			keep = slices.DeleteFunc(keep, func(k *Task) bool { return k == t })
		}
	}

	// Replace old tasks. One that is not RUNNING yet goes at once; a
	// healthy one goes while enough healthy tasks remain; a young one
	// (RUNNING, not yet healthy) stays until it counts as healthy.
	// Nothing goes while the PRIMARY deployment has FAILED: it launches
	// nothing, so the old tasks keep the service up.
	failed := p.failedPrimary()
	if !failed {
		for _, t := range old {
			if !p.running(t) {
				p.scalingStop(t)
			}
		}
		for _, t := range old {
			if p.running(t) && p.healthy(t) && healthy-1 >= minHealthy {
				healthy--
				p.scalingStop(t)
			}
		}
	}

	// Start PRIMARY tasks up to the desired count, within maximumPercent.
	need := desired - int64(len(keep))
	room := maxTotal - total
	if need > 0 && !failed && !p.throttled() {
		if room > 0 {
			n := min(need, room)
			p.plan.Place = &Place{Deployment: prim.ID, Count: int(n)}
			need, room = need-n, room-n
		} else if !p.acted() && settled {
			p.sticky(StickyStuck, MsgStuck(p.svc.Name))
		}
	}

	// A task failing health checks stops once its replacement is healthy,
	// or at once when there is no room to start the replacement first (or
	// it is not a task to keep anyway).
	var keepHealthy int64
	for _, t := range keep {
		if p.healthy(t) {
			keepHealthy++
		}
	}
	for _, t := range sick {
		if p.current(t) && keepHealthy < desired && (need <= 0 || room > 0) {
			continue
		}
		p.stopUnhealthy(t)
	}
	if p.plan.Rollback != nil {
		p.plan.Place = nil
		return
	}
	if p.tripped {
		p.plan.Place = nil
	}
	if len(p.plan.Stops) == 0 {
		p.complete(len(keep) == int(desired) && len(old) == 0 && settled && p.plan.Place == nil)
	}
}

// scaleIn picks n of a service's tasks to stop: tasks not yet RUNNING go
// first, then RUNNING ones not yet healthy (newest first in both groups);
// among healthy tasks placement.SelectScaleIn decides by the service's
// strategies (ECS-SPEC §4.3), by default keeping the service balanced
// across Availability Zones, then instances.
func (p *pass) scaleIn(cands []*Task, n int) []*Task {
	rank := func(t *Task) int {
		switch {
		case !p.running(t):
			return 0
		case !p.healthy(t):
			return 1
		}
		return 2
	}
	var early, healthy []*Task
	for _, t := range cands {
		if rank(t) < 2 {
			early = append(early, t)
		} else {
			healthy = append(healthy, t)
		}
	}
	slices.SortStableFunc(early, func(a, b *Task) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	out := slices.Clone(early[:min(n, len(early))])
	if n -= len(out); n <= 0 || len(healthy) == 0 {
		return out
	}
	slices.SortFunc(healthy, func(a, b *Task) int { return strings.Compare(a.ID, b.ID) })
	var snap placement.Snapshot
	index := map[string]int{}
	for i := range p.st.Instances {
		in := &p.st.Instances[i]
		index[in.ID] = len(snap.Instances)
		snap.Instances = append(snap.Instances, in.Placement)
	}
	tasks := make([]placement.RunningTask, len(healthy))
	for i, t := range healthy {
		at, ok := index[t.Instance]
		if !ok {
			at = len(snap.Instances) + i // an instance of its own
		}
		tasks[i] = placement.RunningTask{Instance: at, CPU: t.CPU, Memory: t.Memory}
	}
	for _, i := range placement.SelectScaleIn(snap, tasks, n, p.svc.Strategies, p.st.Seed) {
		out = append(out, healthy[i])
	}
	return out
}

// complete marks the PRIMARY deployment COMPLETED once it alone runs the
// desired count of healthy tasks, drops older deployments without tasks,
// and records the steady state.
func (p *pass) complete(done bool) {
	liveBy := map[string]int{}
	for _, t := range p.live {
		liveBy[t.Deployment]++
	}
	// Older deployments go once their tasks are gone; a FAILED one stays
	// visible until the deployment that replaced it completes.
	p.deps = slices.DeleteFunc(p.deps, func(d Deployment) bool {
		return d.Status != DeploymentPrimary && liveBy[d.ID] == 0 && (done || d.RolloutState != RolloutFailed)
	})
	prim := p.primary()
	if done && prim.RolloutState == RolloutInProgress {
		prim.RolloutState = RolloutCompleted
		prim.RolloutStateReason = reasonCompleted(prim.ID)
		prim.UpdatedAt = p.st.Now
		good := *prim
		p.plan.Completed = &good
		p.event(MsgCompleted(p.svc.Name, prim.ID))
	}
	steady := done && len(p.deps) == 1 && prim.RolloutState == RolloutCompleted
	if steady && (!p.svc.Steady || !p.st.Now.Before(p.svc.SteadyAt.Add(StickyRepeat))) {
		p.event(MsgSteady(p.svc.Name))
		p.plan.SteadyAt = p.st.Now
	}
	if steady {
		p.wake(p.plan.SteadyAt.Add(StickyRepeat))
	}
	if done {
		p.clearSticky(StickyStuck)
	}
	p.plan.Steady = steady
}
