package ecs

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/ecskit/ecs/store"
)

// The service scheduler is a level-triggered reconcile loop: every pass
// reads a service, its tasks and the cluster's instances, compares desired
// with observed state and takes bounded steps, all in one store
// transaction. A missed wake-up costs nothing but time, and a restarted
// control plane (or a second one on the same store) simply carries on.
const (
	// serviceTick is how often every service is looked at even when the
	// store did not change (agent connectivity, for one, is not stored).
	serviceTick = 5 * time.Second
	// healthyAfter is how long a task without health checks must have
	// been RUNNING to count as healthy.
	healthyAfter = 40 * time.Second
	// throttleBase and throttleMax bound the launch throttle's delay.
	throttleBase = 5 * time.Second
	throttleMax  = 15 * time.Minute
)

// startControllers starts the level-triggered controllers (the service
// scheduler); they stop when ctx is cancelled, and Close waits for them
// through cp.wg.
func (cp *ControlPlane) startControllers(ctx context.Context) {
	cp.wg.Add(1)
	go func() {
		defer cp.wg.Done()
		cp.runServiceScheduler(ctx)
	}()
}

// runServiceScheduler runs passes after every store change, every
// serviceTick and at the next deadline a pass asked for.
func (cp *ControlPlane) runServiceScheduler(ctx context.Context) {
	for ctx.Err() == nil {
		woken := cp.notify.wait()
		next, err := cp.reconcileServices(ctx)
		if err != nil && ctx.Err() == nil {
			cp.log.Warn("service scheduler pass failed", "err", err)
		}
		wait := serviceTick
		if !next.IsZero() {
			if d := next.Sub(cp.clock.Now()); d > 0 && d < wait {
				wait = d
			}
		}
		t := cp.clock.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-woken:
		case <-t.C():
		}
		t.Stop()
	}
}

// reconcileServices runs one pass over every ACTIVE or DRAINING service
// and returns the earliest future moment a pass has something to do.
func (cp *ControlPlane) reconcileServices(ctx context.Context) (time.Time, error) {
	var keys []string
	err := cp.store.View(ctx, func(tx store.Tx) error {
		recs, err := tx.List("services/")
		for _, r := range recs {
			keys = append(keys, r.Key)
		}
		return err
	})
	if err != nil {
		return time.Time{}, err
	}
	var next time.Time
	var firstErr error
	for _, k := range keys {
		parts := strings.Split(strings.TrimPrefix(k, "services/"), "/")
		if len(parts) != 2 {
			continue
		}
		var due time.Time
		err := cp.store.Update(ctx, func(tx store.Tx) error {
			var err error
			due, err = cp.reconcileService(tx, parts[0], parts[1])
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return next, ctx.Err()
			}
			cp.log.Warn("service pass failed", "cluster", parts[0], "service", parts[1], "err", err)
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if !due.IsZero() && (next.IsZero() || due.Before(next)) {
			next = due
		}
	}
	return next, firstErr
}

// pass is one reconcile pass over one service, inside one transaction.
type pass struct {
	cp   *ControlPlane
	tx   store.Tx
	rec  *serviceRecord
	now  time.Time
	name string

	live  []*taskRecord // tracked tasks not yet STOPPED, by ID
	insts map[string]*instanceRecord
	tds   map[string]*TaskDefinition

	started, stopped []string // task IDs, for the events
	acted            bool     // the pass started or stopped something
	due              time.Time
}

// reconcileService runs one pass over a service and writes its record
// back if anything changed.
func (cp *ControlPlane) reconcileService(tx store.Tx, cluster, name string) (time.Time, error) {
	var rec serviceRecord
	found, err := getJSON(tx, serviceKey(cluster, name), &rec)
	if err != nil || !found || rec.Service.Status == StatusInactive {
		return time.Time{}, err
	}
	before, err := json.Marshal(&rec)
	if err != nil {
		return time.Time{}, err
	}
	p := &pass{cp: cp, tx: tx, rec: &rec, now: cp.clock.Now(), name: name,
		insts: map[string]*instanceRecord{}, tds: map[string]*TaskDefinition{}}
	if err := p.load(); err != nil {
		return time.Time{}, err
	}
	if err := p.observe(); err != nil {
		return time.Time{}, err
	}
	switch {
	case rec.Service.Status == StatusDraining:
		err = p.drainService()
	case rec.isDaemon():
		err = p.reconcileDaemon()
	default:
		err = p.reconcileReplica()
	}
	if err != nil {
		return time.Time{}, err
	}
	if len(p.started) > 0 {
		cp.addEvent(&rec, msgStarted(name, p.started))
	}
	if len(p.stopped) > 0 {
		cp.addEvent(&rec, msgStopped(name, p.stopped))
	}
	after, err := json.Marshal(&rec)
	if err != nil {
		return time.Time{}, err
	}
	if !bytes.Equal(before, after) {
		if err := putJSON(tx, serviceKey(cluster, name), &rec); err != nil {
			return time.Time{}, err
		}
	}
	if err := cp.flushEvents(tx, &rec); err != nil {
		return time.Time{}, err
	}
	return p.due, nil
}

// wake asks for a pass at t (if it is in the future).
func (p *pass) wake(t time.Time) {
	if t.After(p.now) && (p.due.IsZero() || t.Before(p.due)) {
		p.due = t
	}
}

// load reads the cluster's instances and the tracked tasks.
func (p *pass) load() error {
	insts, err := listJSON[instanceRecord](p.tx, instancePrefix(p.rec.Cluster))
	if err != nil {
		return err
	}
	for i := range insts {
		p.insts[insts[i].ID] = &insts[i]
	}
	return nil
}

// taskDefinition returns a revision, active or not.
func (p *pass) taskDefinition(family string, rev int64) (*TaskDefinition, error) {
	k := taskDefinitionKey(family, rev)
	if td := p.tds[k]; td != nil {
		return td, nil
	}
	var rec taskDefinitionRecord
	found, err := getJSON(p.tx, k, &rec)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, &Error{Code: ClientException, Field: "taskDefinition", Message: "TaskDefinition not found."}
	}
	p.tds[k] = &rec.TaskDefinition
	return &rec.TaskDefinition, nil
}

// observe reads every tracked task: a STOPPED one is forgotten (and
// counted against the circuit breaker and the launch throttle if it
// failed), a running one that became RUNNING or healthy resets them.
func (p *pass) observe() error {
	rec := p.rec
	ids := make([]string, 0, len(rec.Tasks))
	for id := range rec.Tasks {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		tt := rec.Tasks[id]
		var t taskRecord
		found, err := getJSON(p.tx, taskKey(rec.Cluster, id), &t)
		if err != nil {
			return err
		}
		if !found {
			delete(rec.Tasks, id)
			continue
		}
		dep := rec.deployment(tt.Deployment)
		if t.Task.LastStatus == TaskStatusStopped {
			delete(rec.Tasks, id)
			failed := t.Task.StopCode == StopCodeTaskFailedToStart || t.Task.StopCode == StopCodeEssentialContainerExited
			if failed && !tt.Healthy && !tt.Failed && dep != nil {
				if err := p.countFailure(dep); err != nil {
					return err
				}
			}
			if failed && !tt.Running {
				p.throttle()
			}
			continue
		}
		if t.Task.LastStatus == TaskStatusRunning && !tt.Running {
			tt.Running = true
			rec.Throttle = throttleState{}
			clearSticky(rec, stickyThrottle)
		}
		healthy, err := p.healthy(&t)
		if err != nil {
			return err
		}
		if healthy && !tt.Healthy {
			tt.Healthy = true
			if dep != nil && resetOnHealthy(rec.Service.DeploymentConfiguration) && dep.Deployment.FailedTasks != 0 {
				dep.Deployment.FailedTasks = 0
				dep.Deployment.UpdatedAt = NewTime(p.now)
			}
		}
		p.live = append(p.live, &t)
	}
	return nil
}

// countFailure counts a failed task against its deployment, which trips
// the circuit breaker at the threshold; a FAILED deployment counts no more.
func (p *pass) countFailure(dep *deploymentRecord) error {
	if dep.Deployment.RolloutState == RolloutStateFailed {
		return nil
	}
	dep.Deployment.FailedTasks++
	dep.Deployment.UpdatedAt = NewTime(p.now)
	return p.checkBreaker()
}

// throttle records a task that stopped before reaching RUNNING: the next
// launch waits 5 s, 10 s, 20 s, … up to 15 minutes.
func (p *pass) throttle() {
	th := &p.rec.Throttle
	th.Failures++
	d := throttleBase << min(th.Failures-1, 20)
	if d > throttleMax || d <= 0 {
		d = throttleMax
	}
	th.NextLaunch = NewTime(p.now.Add(d))
	if th.Failures >= 2 {
		p.cp.addSticky(p.rec, stickyThrottle, msgThrottled(p.name))
	}
}

// throttled reports whether launches must wait, asking for a pass when
// they may resume.
func (p *pass) throttled() bool {
	if nl := p.rec.Throttle.NextLaunch.Time; !nl.IsZero() && p.now.Before(nl) {
		p.wake(nl)
		return true
	}
	return false
}

// taskDef returns the task definition a task runs.
func (p *pass) taskDef(t *taskRecord) (*TaskDefinition, error) {
	return p.taskDefinition(t.Family, t.Revision)
}

// healthy reports whether a task counts as healthy: RUNNING and desired
// RUNNING, and HEALTHY if its essential containers have health checks,
// else RUNNING for 40 s.
func (p *pass) healthy(t *taskRecord) (bool, error) {
	if t.Task.LastStatus != TaskStatusRunning || t.Task.DesiredStatus != TaskStatusRunning {
		return false, nil
	}
	td, err := p.taskDef(t)
	if err != nil {
		return false, err
	}
	if hasHealthCheck(td) {
		return t.Task.HealthStatus == HealthHealthy, nil
	}
	mark := t.Task.StartedAt.Add(healthyAfter)
	if p.now.Before(mark) {
		p.wake(mark)
		return false, nil
	}
	return true, nil
}

// mustHealthy is healthy for callers that already loaded the task
// definition (observe did, for every live task).
func (p *pass) mustHealthy(t *taskRecord) bool {
	h, _ := p.healthy(t)
	return h
}

// hasHealthCheck reports whether an essential container has a health
// check.
func hasHealthCheck(td *TaskDefinition) bool {
	for i := range td.ContainerDefinitions {
		if td.ContainerDefinitions[i].IsEssential() && td.ContainerDefinitions[i].HealthCheck != nil {
			return true
		}
	}
	return false
}

// unhealthy reports whether a task failed its health checks after the
// service's grace period.
func (p *pass) unhealthy(t *taskRecord) bool {
	if t.Task.DesiredStatus != TaskStatusRunning || t.Task.LastStatus != TaskStatusRunning || t.Task.HealthStatus != HealthUnhealthy {
		return false
	}
	grace := time.Duration(0)
	if g := p.rec.Service.HealthCheckGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	end := t.Task.StartedAt.Add(grace)
	if p.now.Before(end) {
		p.wake(end)
		return false
	}
	return true
}

// stop stops a task for the scheduler.
func (p *pass) stop(t *taskRecord, reason string) error {
	if t.Task.DesiredStatus == TaskStatusStopped {
		return nil
	}
	if err := p.cp.stopTask(p.tx, t, StopCodeServiceSchedulerInitiated, reason); err != nil {
		return err
	}
	p.stopped = append(p.stopped, t.ID)
	p.acted = true
	return nil
}

// replaceUnhealthy stops every task that failed its health checks (the
// DAEMON way: its instance can hold one task only).
func (p *pass) replaceUnhealthy() error {
	for _, t := range p.live {
		if p.unhealthy(t) {
			if err := p.stopUnhealthy(t); err != nil {
				return err
			}
		}
	}
	return nil
}

// stopUnhealthy stops a task that failed its health checks; it counts
// against its deployment's circuit breaker (which may start a rollback:
// callers must not hold on to deployment pointers).
func (p *pass) stopUnhealthy(t *taskRecord) error {
	tt := p.rec.Tasks[t.ID]
	if dep := p.rec.deployment(tt.Deployment); dep != nil {
		if err := p.countFailure(dep); err != nil {
			return err
		}
	}
	tt.Failed = true
	p.cp.addEvent(p.rec, msgUnhealthy(p.name, t.ID))
	return p.stop(t, reasonUnhealthy)
}

// instanceActive reports whether a task's instance still takes tasks.
func (p *pass) instanceActive(t *taskRecord) bool {
	in := p.insts[t.InstanceID]
	return in != nil && in.Status == StatusActive
}

// drainService stops the tasks of a deleted service; once none is left
// desired RUNNING it becomes INACTIVE.
func (p *pass) drainService() error {
	prim := p.rec.primary()
	for _, t := range p.live {
		if err := p.stop(t, reasonScaling(prim.Deployment.Id)); err != nil {
			return err
		}
	}
	p.rec.Service.Status = StatusInactive
	p.rec.Steady = false
	return nil
}
