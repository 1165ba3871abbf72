package reconcile

import (
	"slices"
	"strings"
	"time"
)

// pass is one computation over one service.
type pass struct {
	st    *State
	svc   *Service
	plan  *Plan
	deps  []Deployment // the plan's deployments, PRIMARY first
	insts map[string]*Instance
	live  []*Task // tracked tasks not yet STOPPED, by ID
	// tripped is set once the breaker failed the PRIMARY deployment in
	// this pass.
	tripped bool
	stopped map[string]bool
}

// Compute decides one pass over a service. It never modifies st.
func Compute(st *State) *Plan {
	p := &pass{
		st:  st,
		svc: &st.Service,
		plan: &Plan{
			Marks:        map[string]Mark{},
			Throttle:     st.Service.Throttle,
			Steady:       st.Service.Steady,
			SteadyAt:     st.Service.SteadyAt,
			DesiredCount: st.Service.DesiredCount,
		},
		deps:    slices.Clone(st.Service.Deployments),
		insts:   make(map[string]*Instance, len(st.Instances)),
		stopped: map[string]bool{},
	}
	for i := range st.Instances {
		p.insts[st.Instances[i].ID] = &st.Instances[i]
	}
	p.observe()
	if p.plan.Rollback == nil && len(p.deps) > 0 {
		switch {
		case p.svc.Draining:
			p.drain()
		case p.svc.Daemon:
			p.daemon()
		default:
			p.replica()
		}
	}
	p.plan.Deployments = p.deps
	return p.plan
}

// primary returns the PRIMARY deployment, or nil.
func (p *pass) primary() *Deployment {
	if len(p.deps) == 0 {
		return nil
	}
	return &p.deps[0]
}

// deployment returns the deployment with id, or nil.
func (p *pass) deployment(id string) *Deployment {
	for i := range p.deps {
		if p.deps[i].ID == id {
			return &p.deps[i]
		}
	}
	return nil
}

// wake asks for a pass at t (if it is in the future).
func (p *pass) wake(t time.Time) {
	if t.After(p.st.Now) && (p.plan.Next.IsZero() || t.Before(p.plan.Next)) {
		p.plan.Next = t
	}
}

func (p *pass) event(msg string) { p.plan.Events = append(p.plan.Events, Event{Message: msg}) }
func (p *pass) sticky(kind, msg string) {
	p.plan.Events = append(p.plan.Events, Event{Sticky: kind, Message: msg})
}
func (p *pass) clearSticky(kind string) {
	p.plan.Events = append(p.plan.Events, Event{Sticky: kind, Clear: true})
}
func (p *pass) setMark(t *Task, m Mark) { p.plan.Marks[t.ID] = m }
func (p *pass) running(t *Task) bool    { return t.LastStatus == StatusRunning }
func (p *pass) failedPrimary() bool     { return p.primary().RolloutState == RolloutFailed }
func (p *pass) acted() bool             { return len(p.plan.Stops) > 0 || p.plan.Place != nil }

// desiredRunning reports whether a task is desired RUNNING and not
// stopped by this pass.
func (p *pass) desiredRunning(t *Task) bool {
	return t.DesiredStatus == StatusRunning && !p.stopped[t.ID]
}

// current reports whether a task belongs to the PRIMARY deployment and
// sits on an ACTIVE instance: a task to keep.
func (p *pass) current(t *Task) bool { return t.Deployment == p.primary().ID && p.instanceActive(t) }

func (p *pass) instanceActive(t *Task) bool {
	in := p.insts[t.Instance]
	return in != nil && in.Active
}

// scalingStop stops a task for the PRIMARY deployment's sake.
func (p *pass) scalingStop(t *Task) { p.stopTask(t, ReasonScaling(p.primary().ID), false) }

// observe reads every tracked task: a STOPPED one is forgotten (and
// counted against the circuit breaker and the launch throttle if it
// failed), a live one that became RUNNING or healthy resets them.
func (p *pass) observe() {
	tasks := make([]*Task, len(p.st.Tasks))
	for i := range p.st.Tasks {
		tasks[i] = &p.st.Tasks[i]
	}
	slices.SortFunc(tasks, func(a, b *Task) int { return strings.Compare(a.ID, b.ID) })
	for _, t := range tasks {
		m := t.Mark
		dep := p.deployment(t.Deployment)
		if t.LastStatus == StatusStopped {
			failed := t.StopCode == StopCodeFailedToStart || t.StopCode == StopCodeEssentialExit
			if failed && !m.Healthy && !m.Failed && dep != nil {
				p.countFailure(dep)
			}
			if failed && !m.Running {
				p.throttle()
			}
			continue
		}
		if t.LastStatus == StatusRunning && !m.Running {
			m.Running = true
			p.plan.Throttle = Throttle{}
			p.clearSticky(StickyThrottle)
		}
		if p.healthy(t) && !m.Healthy {
			m.Healthy = true
			if dep != nil && p.resetOnHealthy() && dep.FailedTasks != 0 {
				dep.FailedTasks = 0
				dep.UpdatedAt = p.st.Now
			}
		}
		p.setMark(t, m)
		p.live = append(p.live, t)
	}
}

func (p *pass) resetOnHealthy() bool {
	return p.svc.Breaker == nil || p.svc.Breaker.ResetOnHealthyTask
}

// healthy reports whether a task counts as healthy: RUNNING and desired
// RUNNING, and HEALTHY if its essential containers have health checks,
// else RUNNING for 40 s.
func (p *pass) healthy(t *Task) bool {
	if !p.running(t) || !p.desiredRunning(t) {
		return false
	}
	if t.HealthChecked {
		return t.Health == HealthHealthy
	}
	if p.st.Now.Before(t.StartedAt.Add(HealthyAfter)) {
		p.wake(t.StartedAt.Add(HealthyAfter))
		return false
	}
	return true
}

// unhealthy reports whether a task failed its health checks after the
// service's grace period.
func (p *pass) unhealthy(t *Task) bool {
	if !p.running(t) || !p.desiredRunning(t) || t.Health != HealthUnhealthy {
		return false
	}
	if p.st.Now.Before(t.StartedAt.Add(p.svc.HealthCheckGracePeriod)) {
		p.wake(t.StartedAt.Add(p.svc.HealthCheckGracePeriod))
		return false
	}
	return true
}

// stopTask stops a task for the scheduler (once).
func (p *pass) stopTask(t *Task, reason string, unhealthy bool) {
	if t.DesiredStatus != StatusRunning || p.stopped[t.ID] {
		return
	}
	p.stopped[t.ID] = true
	p.plan.Stops = append(p.plan.Stops, Stop{Task: t.ID, Reason: reason, Unhealthy: unhealthy})
}

// stopUnhealthy stops a task that failed its health checks; it counts
// against its deployment's circuit breaker.
func (p *pass) stopUnhealthy(t *Task) {
	m := p.plan.Marks[t.ID]
	if dep := p.deployment(t.Deployment); dep != nil && !m.Failed {
		p.countFailure(dep)
	}
	m.Failed = true
	p.setMark(t, m)
	p.event(MsgUnhealthy(p.svc.Name, t.ID))
	p.stopTask(t, ReasonUnhealthy, true)
}

// throttle records a task that stopped before reaching RUNNING: the next
// launch waits 5 s, 10 s, 20 s, … up to 15 minutes.
func (p *pass) throttle() {
	th := &p.plan.Throttle
	th.Failures++
	d := ThrottleBase << min(th.Failures-1, 20)
	if d > ThrottleMax || d <= 0 {
		d = ThrottleMax
	}
	th.NextLaunch = p.st.Now.Add(d)
	if th.Failures >= 2 {
		p.sticky(StickyThrottle, MsgThrottled(p.svc.Name))
	}
}

// throttled reports whether launches must wait, asking for a pass when
// they may resume.
func (p *pass) throttled() bool {
	if nl := p.plan.Throttle.NextLaunch; !nl.IsZero() && p.st.Now.Before(nl) {
		p.wake(nl)
		return true
	}
	return false
}

// drain stops the tasks of a deleted service; it becomes INACTIVE once
// none is left desired RUNNING.
func (p *pass) drain() {
	for _, t := range p.live {
		p.scalingStop(t)
	}
	p.plan.Inactive = true
	p.plan.Steady = false
}
