package services

import (
	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/placement"
	"github.com/ecskit/ecs/types"
)

// daemonMatcher compiles the memberOf constraints of the service and its
// task definition.
func (p *pass) daemonMatcher(td *types.TaskDefinition) (func(placement.Instance) bool, error) {
	var exprs []*placement.Expression
	add := func(typ, expr string) error {
		if typ != string(placement.MemberOf) || expr == "" {
			return nil
		}
		e, err := placement.ParseExpression(expr)
		if err != nil {
			return &types.Error{Code: types.InvalidParameterException, Field: "placementConstraints", Message: err.Error(), Err: err}
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
func (p *pass) placeDaemon(prim *Deployment, td *types.TaskDefinition, instID string) error {
	rec := p.rec
	var inst record.Instance // re-read: stops in this pass may have changed it
	found, err := record.Get(p.tx, record.InstanceKey(rec.Cluster, instID), &inst)
	if err != nil || !found {
		return err
	}
	group := "service:" + p.name
	req, err := p.sc.cp.PlacementRequest(td, group, 1, rec.Service.PlacementConstraints, nil, nil)
	if err != nil {
		return err
	}
	req.Seed = p.sc.cp.Seed()
	res, err := placement.Place(placement.Snapshot{Instances: []placement.Instance{p.sc.cp.PlacementInstance(&inst)}}, req)
	if err != nil {
		return &types.Error{Code: types.InvalidParameterException, Message: err.Error(), Err: err}
	}
	if len(res.Decisions) == 0 {
		if len(res.Failures) > 0 {
			p.sc.addSticky(rec, stickyPlacement, msgUnplaced(p.name, &res.Failures[0]))
		}
		return nil
	}
	t := p.sc.cp.NewTask(rec.Cluster, &inst, td, group, prim.Deployment.Id, p.serviceTags(td))
	t.ServiceName = p.name
	inst.Reserve(t)
	record.Settle(&inst, t)
	if err := p.sc.cp.PutTask(p.tx, t); err != nil {
		return err
	}
	if err := record.Put(p.tx, record.InstanceKey(rec.Cluster, inst.ID), &inst); err != nil {
		return err
	}
	p.track(prim, []*record.Task{t})
	clearSticky(rec, stickyPlacement)
	return nil
}
