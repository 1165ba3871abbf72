package ecs

import (
	"errors"
	"slices"

	"github.com/ecskit/ecs/placement"
)

// limits returns the rolling-update bounds for desired tasks: at most
// floor(desired × maximumPercent / 100) tasks, at least
// ceil(desired × minimumHealthyPercent / 100) healthy.
func limits(dc *DeploymentConfiguration, desired int64) (maxTotal, minHealthy int64) {
	maxP, minP := int64(200), int64(100)
	if dc != nil && dc.MaximumPercent != nil {
		maxP = *dc.MaximumPercent
	}
	if dc != nil && dc.MinimumHealthyPercent != nil {
		minP = *dc.MinimumHealthyPercent
	}
	return desired * maxP / 100, (desired*minP + 99) / 100
}

// breakerThreshold is the number of failed tasks that trips the circuit
// breaker: by default clamp(ceil(0.5 × desired), 3, 200).
func breakerThreshold(cb *DeploymentCircuitBreaker, desired int64) int64 {
	typ, val := ThresholdBoundedPercent, int64(50)
	if tc := cb.ThresholdConfiguration; tc != nil {
		if tc.Type != "" {
			typ = tc.Type
		}
		if tc.Value > 0 || tc.Type == ThresholdCount {
			val = tc.Value
		}
	}
	switch typ {
	case ThresholdCount:
		return max(val, 1)
	case ThresholdUnboundedPercent:
		return max((desired*val+99)/100, 1)
	default:
		return min(max((desired*val+99)/100, 3), 200)
	}
}

func resetOnHealthy(dc *DeploymentConfiguration) bool {
	if dc == nil || dc.DeploymentCircuitBreaker == nil || dc.DeploymentCircuitBreaker.ResetOnHealthyTask == nil {
		return true
	}
	return *dc.DeploymentCircuitBreaker.ResetOnHealthyTask
}

// checkBreaker fails the PRIMARY deployment once its failed tasks reach
// the threshold and, with rollback, deploys the last completed task
// definition again.
func (p *pass) checkBreaker() error {
	rec := p.rec
	prim := rec.primary()
	dc := rec.Service.DeploymentConfiguration
	if prim == nil || prim.Deployment.RolloutState != RolloutStateInProgress || dc == nil ||
		dc.DeploymentCircuitBreaker == nil || !dc.DeploymentCircuitBreaker.Enable {
		return nil
	}
	cb := dc.DeploymentCircuitBreaker
	if prim.Deployment.FailedTasks < breakerThreshold(cb, prim.Deployment.DesiredCount) {
		return nil
	}
	failed := prim.Deployment.Id
	prim.Deployment.RolloutState = RolloutStateFailed
	prim.Deployment.RolloutStateReason = reasonBreaker
	prim.Deployment.UpdatedAt = NewTime(p.now)
	p.cp.addEvent(rec, msgBreaker(p.name, failed))
	good := rec.LastGood
	if !cb.Rollback || good == nil || good.Deployment.TaskDefinition == prim.Deployment.TaskDefinition {
		return nil
	}
	td, err := p.taskDefinition(good.Family, good.Revision)
	if err != nil {
		return err
	}
	p.cp.startDeployment(rec, td, reasonRollback(good.Deployment.Id))
	p.cp.addEvent(rec, msgRollback(p.name, failed, good.Deployment.Id))
	return nil
}

// reconcileReplica keeps desiredCount tasks of the PRIMARY deployment
// running on ACTIVE instances, replacing the tasks of older deployments, of
// DRAINING instances and those failing health checks within the deployment
// configuration's limits.
func (p *pass) reconcileReplica() error {
	rec := p.rec
	prim := rec.primary()
	desired := rec.Service.DesiredCount
	prim.Deployment.DesiredCount = desired
	maxTotal, minHealthy := limits(rec.Service.DeploymentConfiguration, desired)

	var keep, old, sick []*taskRecord
	var healthy, total int64
	settled := true // every live task is desired RUNNING and healthy
	for _, t := range p.live {
		if p.lost(t) {
			continue
		}
		total++
		if t.Task.DesiredStatus != TaskStatusRunning {
			settled = false
			continue
		}
		// PENDING tasks on a DRAINING instance are stopped at once.
		if !p.instanceActive(t) && t.Task.LastStatus != TaskStatusRunning {
			if err := p.stop(t, reasonScaling(prim.Deployment.Id)); err != nil {
				return err
			}
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
		h := p.mustHealthy(t)
		if h {
			healthy++
		} else {
			settled = false
		}
		if rec.Tasks[t.ID].Deployment == prim.Deployment.Id && p.instanceActive(t) {
			keep = append(keep, t)
		} else {
			old = append(old, t)
		}
	}

	// Scale in: the PRIMARY deployment has more tasks than desired.
	if n := int64(len(keep)) - desired; n > 0 {
		for _, t := range p.scaleIn(keep, int(n)) {
			if p.mustHealthy(t) {
				healthy--
			}
			if err := p.stop(t, reasonScaling(prim.Deployment.Id)); err != nil {
				return err
			}
			keep = slices.DeleteFunc(keep, func(k *taskRecord) bool { return k == t })
		}
	}

	// Replace old tasks: unhealthy ones at once, healthy ones while enough
	// healthy tasks remain.
	slices.SortStableFunc(old, func(a, b *taskRecord) int { return boolRank(p.mustHealthy(a)) - boolRank(p.mustHealthy(b)) })
	failed := prim.Deployment.RolloutState == RolloutStateFailed
	for _, t := range old {
		h := p.mustHealthy(t)
		if failed || h && healthy-1 < minHealthy {
			continue
		}
		if h {
			healthy--
		}
		if err := p.stop(t, reasonScaling(prim.Deployment.Id)); err != nil {
			return err
		}
	}

	// Start PRIMARY tasks up to the desired count, within maximumPercent.
	need := desired - int64(len(keep))
	room := maxTotal - total
	if need > 0 && !failed && !p.throttled() {
		if room > 0 {
			n := min(need, room)
			if err := p.placeReplicas(prim, int(n)); err != nil {
				return err
			}
			need, room = need-n, room-n
		} else if !p.acted && settled {
			p.cp.addSticky(rec, stickyStuck, msgStuck(p.name))
		}
	}

	// A task failing health checks stops once its replacement is healthy,
	// or at once when there is no room to start the replacement first (or
	// it is not a task to keep anyway).
	var keepHealthy int64
	for _, t := range keep {
		if p.mustHealthy(t) {
			keepHealthy++
		}
	}
	for _, t := range sick {
		current := rec.Tasks[t.ID].Deployment == prim.Deployment.Id && p.instanceActive(t)
		if current && keepHealthy < desired && (need <= 0 || room > 0) {
			continue
		}
		if err := p.stopUnhealthy(t); err != nil {
			return err
		}
	}
	if !p.acted {
		p.complete(len(keep) == int(desired) && len(old) == 0 && settled)
	}
	return nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// complete marks the PRIMARY deployment COMPLETED once it alone runs the
// desired count of healthy tasks, drops older deployments without tasks,
// and records the steady state.
func (p *pass) complete(done bool) {
	rec := p.rec
	liveBy := map[string]int{}
	for _, t := range p.live {
		liveBy[rec.Tasks[t.ID].Deployment]++
	}
	// Older deployments go once their tasks are gone; a FAILED one stays
	// visible until the deployment that replaced it completes.
	rec.Deployments = slices.DeleteFunc(rec.Deployments, func(d deploymentRecord) bool {
		return d.Deployment.Status != DeploymentStatusPrimary && liveBy[d.Deployment.Id] == 0 &&
			(done || d.Deployment.RolloutState != RolloutStateFailed)
	})
	prim := rec.primary()
	if done && prim.Deployment.RolloutState == RolloutStateInProgress {
		prim.Deployment.RolloutState = RolloutStateCompleted
		prim.Deployment.RolloutStateReason = reasonCompleted(prim.Deployment.Id)
		prim.Deployment.UpdatedAt = NewTime(p.now)
		good := *prim
		rec.LastGood = &good
		p.cp.addEvent(rec, msgCompleted(p.name, prim.Deployment.Id))
	}
	steady := done && len(rec.Deployments) == 1 && prim.Deployment.RolloutState == RolloutStateCompleted
	if steady && (!rec.Steady || !p.now.Before(rec.SteadyAt.Add(stickyRepeat))) {
		p.cp.addEvent(rec, msgSteady(p.name))
		rec.SteadyAt = NewTime(p.now)
	}
	if steady {
		p.wake(rec.SteadyAt.Add(stickyRepeat))
	}
	if done {
		clearSticky(rec, stickyStuck)
	}
	rec.Steady = steady
}

// placeReplicas places n PRIMARY tasks with the service's constraints and
// strategies; what cannot be placed becomes an event naming the closest
// matching instance.
func (p *pass) placeReplicas(prim *deploymentRecord, n int) error {
	rec := p.rec
	td, err := p.taskDefinition(prim.Family, prim.Revision)
	if err != nil {
		return err
	}
	req, err := placementRequest(td, nil, "service:"+p.name, n, rec.Service.PlacementConstraints, rec.Service.PlacementStrategy, placement.DefaultServiceStrategies())
	if err != nil {
		return err
	}
	req.Seed = p.cp.seed()
	placed, failures, err := p.cp.placeTasks(p.tx, rec.Cluster, td, nil, req, prim.Deployment.Id, p.serviceTags(td), p.name)
	var e *Error
	if errors.As(err, &e) && e.Code == InvalidParameterException {
		p.cp.addSticky(rec, stickyPlacement, msgUnplaced(p.name, nil))
		return nil
	}
	if err != nil {
		return err
	}
	p.track(prim, placed)
	if len(failures) > 0 {
		f := placement.Failure{ARN: failures[0].Arn, Reason: failures[0].Reason}
		p.cp.addSticky(rec, stickyPlacement, msgUnplaced(p.name, &f))
	} else {
		clearSticky(rec, stickyPlacement)
	}
	return nil
}

// track records newly placed tasks of a deployment.
func (p *pass) track(dep *deploymentRecord, placed []*taskRecord) {
	if p.rec.Tasks == nil {
		p.rec.Tasks = map[string]*trackedTask{}
	}
	for _, t := range placed {
		p.rec.Tasks[t.ID] = &trackedTask{Deployment: dep.Deployment.Id}
		p.started = append(p.started, t.ID)
		p.acted = true
	}
}

// serviceTags are the tags a new task gets from propagateTags.
func (p *pass) serviceTags(td *TaskDefinition) []Tag {
	switch p.rec.Service.PropagateTags {
	case "TASK_DEFINITION":
		return p.cp.taskDefinitionTags(p.tx, td)
	case "SERVICE":
		return slices.Clone(p.rec.Service.Tags)
	}
	return nil
}
