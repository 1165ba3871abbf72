package ecs

import (
	"slices"

	"github.com/ecskit/ecs/placement"
)

// reconcileDaemon keeps one PRIMARY task on every ACTIVE instance that
// satisfies the service's memberOf constraints. Tasks on DRAINING,
// deregistered or no longer matching instances are stopped; an old
// deployment's task is stopped (within minimumHealthyPercent) before its
// instance gets the new one, since maximumPercent is 100.
func (p *pass) reconcileDaemon() error {
	rec := p.rec
	if err := p.replaceUnhealthy(); err != nil {
		return err
	}
	prim := rec.primary()
	td, err := p.taskDefinition(prim.Family, prim.Revision)
	if err != nil {
		return err
	}
	match, err := p.daemonMatcher(td)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(p.insts))
	var desired int64
	eligible := map[string]bool{}
	for id, in := range p.insts {
		ids = append(ids, id)
		if in.Status == StatusActive && match(p.cp.placementInstance(in)) {
			eligible[id] = true
			desired++
		}
	}
	slices.Sort(ids)
	rec.Service.DesiredCount = desired
	prim.Deployment.DesiredCount = desired
	_, minHealthy := limits(rec.Service.DeploymentConfiguration, desired)

	byInst := map[string][]*taskRecord{}
	var healthy int64
	settled := true
	for _, t := range p.live {
		byInst[t.InstanceID] = append(byInst[t.InstanceID], t)
		if p.mustHealthy(t) {
			healthy++
		} else {
			settled = false
		}
	}
	failed := prim.Deployment.RolloutState == RolloutStateFailed
	stopReason := reasonScaling(prim.Deployment.Id)
	done := settled
	var place []*instanceRecord
	for _, id := range ids {
		var cur, old []*taskRecord
		for _, t := range byInst[id] {
			switch {
			case t.Task.DesiredStatus != TaskStatusRunning:
			case rec.Tasks[t.ID].Deployment == prim.Deployment.Id:
				cur = append(cur, t)
			default:
				old = append(old, t)
			}
		}
		if !eligible[id] {
			for _, t := range append(cur, old...) {
				if err := p.stop(t, stopReason); err != nil {
					return err
				}
			}
			done = done && len(byInst[id]) == 0
			continue
		}
		done = done && len(cur) == 1 && len(old) == 0
		switch {
		case len(cur) > 0:
			extra := append(cur[1:], old...)
			for _, t := range extra {
				if err := p.stop(t, stopReason); err != nil {
					return err
				}
			}
		case len(old) > 0:
			for _, t := range old {
				h := p.mustHealthy(t)
				if failed || h && healthy-1 < minHealthy {
					continue
				}
				if h {
					healthy--
				}
				if err := p.stop(t, stopReason); err != nil {
					return err
				}
			}
		case len(byInst[id]) == 0 && !failed:
			place = append(place, p.insts[id])
		}
	}
	if len(place) > 0 && !p.throttled() {
		for _, in := range place {
			if err := p.placeDaemon(prim, td, in.ID); err != nil {
				return err
			}
		}
	}
	if !p.acted {
		p.complete(done)
	}
	return nil
}

// daemonMatcher compiles the memberOf constraints of the service and its
// task definition.
func (p *pass) daemonMatcher(td *TaskDefinition) (func(placement.Instance) bool, error) {
	var exprs []*placement.Expression
	add := func(typ, expr string) error {
		if typ != string(placement.MemberOf) || expr == "" {
			return nil
		}
		e, err := placement.ParseExpression(expr)
		if err != nil {
			return &Error{Code: InvalidParameterException, Field: "placementConstraints", Message: err.Error(), Err: err}
		}
		exprs = append(exprs, e)
		return nil
	}
	for _, c := range p.rec.Service.PlacementConstraints {
		if err := add(c.Type, c.Expression); err != nil {
			return nil, err
		}
	}
	for _, c := range td.PlacementConstraints {
		if err := add(c.Type, c.Expression); err != nil {
			return nil, err
		}
	}
	return func(in placement.Instance) bool {
		for _, e := range exprs {
			if !e.Match(&in) {
				return false
			}
		}
		return true
	}, nil
}

// placeDaemon places the PRIMARY task on one instance, if it fits.
func (p *pass) placeDaemon(prim *deploymentRecord, td *TaskDefinition, instID string) error {
	rec := p.rec
	var inst instanceRecord // re-read: stops in this pass may have changed it
	found, err := getJSON(p.tx, instanceKey(rec.Cluster, instID), &inst)
	if err != nil || !found {
		return err
	}
	group := "service:" + p.name
	req, err := placementRequest(td, nil, group, 1, rec.Service.PlacementConstraints, nil, nil)
	if err != nil {
		return err
	}
	req.Seed = p.cp.seed()
	res, err := placement.Place(placement.Snapshot{Instances: []placement.Instance{p.cp.placementInstance(&inst)}}, req)
	if err != nil {
		return &Error{Code: InvalidParameterException, Message: err.Error(), Err: err}
	}
	if len(res.Decisions) == 0 {
		if len(res.Failures) > 0 {
			p.cp.addSticky(rec, stickyPlacement, msgUnplaced(p.name, &res.Failures[0]))
		}
		return nil
	}
	t := p.cp.newTask(rec.Cluster, &inst, td, nil, group, prim.Deployment.Id, p.serviceTags(td))
	t.ServiceName = p.name
	inst.reserve(t)
	p.cp.settleTask(&inst, t)
	if err := putJSON(p.tx, taskKey(rec.Cluster, t.ID), t); err != nil {
		return err
	}
	if err := putJSON(p.tx, instanceKey(rec.Cluster, inst.ID), &inst); err != nil {
		return err
	}
	p.track(prim, []*taskRecord{t})
	clearSticky(rec, stickyPlacement)
	return nil
}
