package reconcile

import (
	"slices"
	"strings"
)

// daemon keeps one PRIMARY task on every ACTIVE, eligible instance. Tasks
// on DRAINING, deregistered or no longer eligible instances are stopped;
// an old deployment's task is stopped (within minimumHealthyPercent)
// before its instance gets the new one, since maximumPercent is 100.
func (p *pass) daemon() {
	// A daemon instance holds one task only: unhealthy ones go at once.
	for _, t := range p.live {
		if p.unhealthy(t) {
			p.stopUnhealthy(t)
		}
	}
	if p.plan.Rollback != nil {
		return
	}
	prim := p.primary()
	ids := make([]string, 0, len(p.st.Instances))
	var desired int64
	for _, in := range p.st.Instances {
		ids = append(ids, in.ID)
		if in.Active && in.Eligible {
			desired++
		}
	}
	slices.SortFunc(ids, strings.Compare)
	p.plan.DesiredCount = desired
	prim.DesiredCount = desired
	_, minHealthy := Limits(desired, p.svc.MaximumPercent, p.svc.MinimumHealthyPercent)

	byInst := map[string][]*Task{}
	var healthy int64
	settled := true
	for _, t := range p.live {
		byInst[t.Instance] = append(byInst[t.Instance], t)
		if p.healthy(t) {
			healthy++
		} else {
			settled = false
		}
	}
	failed := p.failedPrimary()
	done := settled
	var place []string
	for _, id := range ids {
		in := p.insts[id]
		var cur, old []*Task
		for _, t := range byInst[id] {
			switch {
			case !p.desiredRunning(t):
			case t.Deployment == prim.ID:
				cur = append(cur, t)
			default:
				old = append(old, t)
			}
		}
		if !in.Active || !in.Eligible {
			for _, t := range append(cur, old...) {
				p.scalingStop(t)
			}
			done = done && len(byInst[id]) == 0
			continue
		}
		done = done && len(cur) == 1 && len(old) == 0
		switch {
		case len(cur) > 0:
			for _, t := range append(cur[1:], old...) {
				p.scalingStop(t)
			}
		case len(old) > 0:
			for _, t := range old {
				h := p.healthy(t)
				if failed || h && healthy-1 < minHealthy {
					continue
				}
				if h {
					healthy--
				}
				p.scalingStop(t)
			}
		case len(byInst[id]) == 0 && !failed:
			place = append(place, id)
		}
	}
	if len(place) > 0 && !p.tripped && !p.throttled() {
		p.plan.Place = &Place{Deployment: prim.ID, Instances: place}
	}
	if len(p.plan.Stops) == 0 {
		p.complete(done)
	}
}
