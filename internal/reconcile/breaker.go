package reconcile

// Limits returns the rolling-update bounds for desired tasks: at most
// floor(desired × maxPercent / 100) tasks, at least
// ceil(desired × minPercent / 100) healthy.
func Limits(desired, maxPercent, minPercent int64) (maxTotal, minHealthy int64) {
	return desired * maxPercent / 100, (desired*minPercent + 99) / 100
}

// Threshold is the number of failed tasks that trips the circuit breaker:
// by default clamp(ceil(0.5 × desired), 3, 200).
func Threshold(b *Breaker, desired int64) int64 {
	typ, val := b.ThresholdType, b.ThresholdValue
	if typ == "" {
		typ = "BOUNDED_PERCENT"
	}
	if val <= 0 && typ != "COUNT" {
		val = 50
	}
	switch typ {
	case "COUNT":
		return max(val, 1)
	case "UNBOUNDED_PERCENT":
		return max((desired*val+99)/100, 1)
	default:
		return min(max((desired*val+99)/100, 3), 200)
	}
}

// countFailure counts a failed task against its deployment, which trips
// the circuit breaker at the threshold; a FAILED deployment counts no more.
func (p *pass) countFailure(dep *Deployment) {
	if dep.RolloutState == RolloutFailed {
		return
	}
	dep.FailedTasks++
	dep.UpdatedAt = p.st.Now
	p.checkBreaker()
}

// checkBreaker fails the PRIMARY deployment once its failed tasks reach
// the threshold and, with rollback, asks to deploy again what ran before:
// the last COMPLETED deployment's task definition, or where none has
// completed, that of the deployment that was PRIMARY before the failed one.
func (p *pass) checkBreaker() {
	prim, b := p.primary(), p.svc.Breaker
	if prim == nil || b == nil || prim.RolloutState != RolloutInProgress ||
		prim.FailedTasks < Threshold(b, prim.DesiredCount) {
		return
	}
	prim.RolloutState = RolloutFailed
	prim.RolloutStateReason = reasonBreaker
	prim.UpdatedAt = p.st.Now
	p.tripped = true
	p.event(MsgBreaker(p.svc.Name, prim.ID))
	if !b.Rollback {
		return
	}
	rb := &Rollback{Failed: prim.ID}
	switch good := p.svc.LastGood; {
	case good != nil && good.TaskDefinition != prim.TaskDefinition:
		rb.To, rb.TaskDefinition, rb.Completed = good.ID, good.TaskDefinition, true
	case good == nil && prim.PreviousTaskDefinition != "" && prim.PreviousTaskDefinition != prim.TaskDefinition:
		rb.To, rb.TaskDefinition = prim.PreviousID, prim.PreviousTaskDefinition
	default:
		return
	}
	p.plan.Rollback = rb
	if rb.Completed {
		p.event(MsgRollback(p.svc.Name, rb.Failed, rb.To))
	} else {
		p.event(MsgRollbackUncompleted(p.svc.Name, rb.Failed, rb.To))
	}
}
