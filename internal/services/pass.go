package services

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/ecskit/ecs/internal/reconcile"
	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/placement"
	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/types"
)

// pass is one scheduler pass over one service, inside one transaction:
// it builds the reconciler's view of the service from the store, asks
// reconcile.Compute for a plan and applies it.
type pass struct {
	sc   *Scheduler
	tx   store.Tx
	rec  *Record
	now  time.Time
	name string

	insts map[string]*record.Instance
	tasks map[string]*record.Task // tracked tasks as stored, by ID
	tds   map[string]*types.TaskDefinition

	started, stopped []string // task IDs, for the events
}

// reconcileService runs one pass over a service and writes its record
// back if anything changed. It tells when the pass wants to run again and
// what the service holds.
func (sc *Scheduler) reconcileService(tx store.Tx, cluster, name string) (passResult, error) {
	var rec Record
	found, err := record.Get(tx, Key(cluster, name), &rec)
	if err != nil || !found || rec.Service.Status == types.StatusInactive {
		return passResult{gone: true}, err
	}
	before, err := json.Marshal(&rec)
	if err != nil {
		return passResult{}, err
	}
	// The history follows the deployments alone: it is read and written
	// only when they change, not on every pass that changes the record.
	depsBefore, err := json.Marshal(rec.Deployments)
	if err != nil {
		return passResult{}, err
	}
	p := &pass{sc: sc, tx: tx, rec: &rec, now: sc.now().Time, name: name,
		insts: map[string]*record.Instance{}, tasks: map[string]*record.Task{}, tds: map[string]*types.TaskDefinition{}}
	next, err := p.run()
	if err != nil {
		return passResult{}, err
	}
	if len(p.started) > 0 {
		sc.addEvent(&rec, msgStarted(name, p.started))
	}
	if len(p.stopped) > 0 {
		sc.addEvent(&rec, msgStopped(name, p.stopped))
	}
	after, err := json.Marshal(&rec)
	if err != nil {
		return passResult{}, err
	}
	if !bytes.Equal(before, after) {
		depsAfter, err := json.Marshal(rec.Deployments)
		if err != nil {
			return passResult{}, err
		}
		if len(rec.newRevisions) > 0 || !bytes.Equal(depsBefore, depsAfter) {
			if err := sc.syncHistory(tx, &rec); err != nil {
				return passResult{}, err
			}
		}
		if err := tx.Put(Key(cluster, name), after); err != nil {
			return passResult{}, err
		}
	}
	if err := sc.flushEvents(tx, &rec); err != nil {
		return passResult{}, err
	}
	res := passResult{next: next, daemon: rec.isDaemon(), hungry: !rec.Steady, tasks: make(map[string]string, len(rec.Tasks))}
	for id := range rec.Tasks {
		if t := p.tasks[id]; t != nil {
			res.tasks[id] = t.InstanceID
		}
	}
	return res, nil
}

// run computes and applies plans until one asks for no rollback: a
// rollback starts a deployment, which the next computation acts on.
func (p *pass) run() (time.Time, error) {
	if err := p.load(); err != nil {
		return time.Time{}, err
	}
	for range 3 {
		st, err := p.state()
		if err != nil {
			return time.Time{}, err
		}
		plan := reconcile.Compute(st)
		if err := p.apply(st, plan); err != nil {
			return time.Time{}, err
		}
		if plan.Rollback == nil {
			return plan.Next, nil
		}
		if err := p.rollback(plan.Rollback); err != nil {
			return time.Time{}, err
		}
	}
	return p.now, nil // still rolling: look again at once
}

// load reads the service's tracked tasks (a task the store no longer
// holds is forgotten) and the instances the pass needs: a DAEMON service
// looks at every instance of the cluster, a REPLICA service only at those
// its tasks run on, so that its pass costs what the service holds, not
// what the cluster holds.
func (p *pass) load() error {
	for id := range p.rec.Tasks {
		t, found, err := p.sc.cp.GetTask(p.tx, p.rec.Cluster, id)
		if err != nil {
			return err
		}
		if !found {
			delete(p.rec.Tasks, id)
			continue
		}
		p.tasks[id] = t
	}
	if p.rec.isDaemon() {
		insts, err := record.List[record.Instance](p.tx, record.InstancePrefix(p.rec.Cluster))
		if err != nil {
			return err
		}
		for i := range insts {
			p.insts[insts[i].ID] = &insts[i]
		}
		return nil
	}
	for _, t := range p.tasks {
		if _, done := p.insts[t.InstanceID]; done {
			continue
		}
		var in record.Instance
		found, err := record.Get(p.tx, record.InstanceKey(p.rec.Cluster, t.InstanceID), &in)
		if err != nil {
			return err
		}
		if found {
			p.insts[in.ID] = &in
		} else {
			p.insts[t.InstanceID] = nil
		}
	}
	return nil
}

// taskDefinition returns a revision, active or not.
func (p *pass) taskDefinition(family string, rev int64) (*types.TaskDefinition, error) {
	k := record.TaskDefinitionKey(family, rev)
	if td := p.tds[k]; td != nil {
		return td, nil
	}
	// A revision's containers never change: the cache's decoded copy
	// serves, and the store is read only for one the cache has not seen.
	if td := p.sc.cp.CachedTaskDefinition(k); td != nil {
		p.tds[k] = td
		return td, nil
	}
	var rec record.TaskDefinition
	found, err := record.Get(p.tx, k, &rec)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, &types.Error{Code: types.ClientException, Field: "taskDefinition", Message: "TaskDefinition not found."}
	}
	p.tds[k] = &rec.TaskDefinition
	return &rec.TaskDefinition, nil
}

// rollback starts the deployment the circuit breaker asked for.
func (p *pass) rollback(rb *reconcile.Rollback) error {
	rec, err := p.sc.cp.FindTaskDefinition(p.tx, rb.TaskDefinition)
	if err != nil {
		return err
	}
	if rec == nil {
		return &types.Error{Code: types.ClientException, Field: "taskDefinition", Message: "TaskDefinition not found."}
	}
	failed := p.rec.deployment(rb.Failed)
	d := p.sc.pushDeployment(p.rec, &rec.TaskDefinition, reconcile.ReasonRollback(rb.To))
	// A rollback that fails in turn does not roll back again.
	d.PreviousID, d.PreviousTaskDefinition = "", ""
	// It continues the failed service deployment, with the revision it
	// returns to.
	d.RollbackOf = rb.Failed
	if failed != nil {
		d.ServiceDeploymentArn = failed.ServiceDeploymentArn
	}
	switch to := p.rec.deployment(rb.To); {
	case to != nil && to.ServiceRevisionArn != "":
		d.ServiceRevisionArn = to.ServiceRevisionArn
	case p.rec.LastGood != nil && p.rec.LastGood.Deployment.Id == rb.To && p.rec.LastGood.ServiceRevisionArn != "":
		d.ServiceRevisionArn = p.rec.LastGood.ServiceRevisionArn
	default:
		arn := d.ServiceDeploymentArn
		p.sc.newRevision(p.rec, d, &rec.TaskDefinition)
		d.ServiceDeploymentArn = arn
	}
	return nil
}

// apply carries out a plan: it updates the service record, stops tasks and
// places new ones in the pass's transaction.
func (p *pass) apply(st *reconcile.State, plan *reconcile.Plan) error {
	rec := p.rec
	for _, t := range st.Tasks {
		tt := rec.Tasks[t.ID]
		m, ok := plan.Marks[t.ID]
		if !ok || tt == nil {
			delete(rec.Tasks, t.ID)
			continue
		}
		tt.Running, tt.Healthy, tt.Failed = m.Running, m.Healthy, m.Failed
	}
	p.applyDeployments(plan)
	rec.Service.DesiredCount = plan.DesiredCount
	rec.Throttle = Throttle{Failures: plan.Throttle.Failures, NextLaunch: types.Time{Time: plan.Throttle.NextLaunch}}
	rec.Steady, rec.SteadyAt = plan.Steady, types.Time{Time: plan.SteadyAt}
	if plan.Completed != nil {
		if d := rec.deployment(plan.Completed.ID); d != nil {
			good := *d
			rec.LastGood = &good
		}
	}
	for _, e := range plan.Events {
		switch {
		case e.Clear:
			clearSticky(rec, e.Sticky)
		case e.Sticky != "":
			p.sc.addSticky(rec, e.Sticky, e.Message)
		default:
			p.sc.addEvent(rec, e.Message)
		}
	}
	for _, s := range plan.Stops {
		t := p.tasks[s.Task]
		if t == nil || t.Task.DesiredStatus == types.TaskStatusStopped {
			continue
		}
		if err := p.sc.cp.StopTask(p.tx, t, types.StopCodeServiceSchedulerInitiated, s.Reason); err != nil {
			return err
		}
		p.stopped = append(p.stopped, t.ID)
	}
	if plan.Inactive {
		rec.Service.Status = types.StatusInactive
	}
	if plan.Place != nil {
		return p.place(plan.Place)
	}
	return nil
}

// applyDeployments writes the plan's deployments back to their records.
func (p *pass) applyDeployments(plan *reconcile.Plan) {
	rec := p.rec
	out := make([]Deployment, 0, len(plan.Deployments))
	for _, d := range plan.Deployments {
		r := rec.deployment(d.ID)
		if r == nil {
			continue
		}
		dep := &r.Deployment
		dep.DesiredCount, dep.FailedTasks = d.DesiredCount, d.FailedTasks
		dep.RolloutState, dep.RolloutStateReason = d.RolloutState, d.RolloutStateReason
		dep.UpdatedAt = types.Time{Time: d.UpdatedAt}
		out = append(out, *r)
	}
	rec.Deployments = out
}

// place starts the tasks a plan asked for.
func (p *pass) place(pl *reconcile.Place) error {
	dep := p.rec.deployment(pl.Deployment)
	if dep == nil {
		return nil
	}
	td, err := p.taskDefinition(dep.Family, dep.Revision)
	if err != nil {
		return err
	}
	if p.rec.isDaemon() {
		for _, id := range pl.Instances {
			if err := p.placeDaemon(dep, td, id); err != nil {
				return err
			}
		}
		return nil
	}
	return p.placeReplicas(dep, td, pl.Count)
}

// placeReplicas places n tasks of a deployment with the service's
// constraints and strategies; what cannot be placed becomes an event
// naming the closest matching instance.
func (p *pass) placeReplicas(dep *Deployment, td *types.TaskDefinition, n int) error {
	rec := p.rec
	req, err := p.sc.cp.PlacementRequest(td, "service:"+p.name, n, rec.Service.PlacementConstraints, rec.Service.PlacementStrategy, placement.DefaultServiceStrategies())
	if err != nil {
		return err
	}
	req.Seed = p.sc.cp.Seed()
	placed, failures, err := p.sc.cp.PlaceTasks(p.tx, rec.Cluster, td, req, dep.Deployment.Id, p.serviceTags(td), p.name)
	var e *types.Error
	if errors.As(err, &e) && e.Code == types.InvalidParameterException {
		p.sc.addSticky(rec, stickyPlacement, msgUnplaced(p.name, nil))
		return nil
	}
	if err != nil {
		return err
	}
	p.track(dep, placed)
	if len(failures) > 0 {
		f := placement.Failure{ARN: failures[0].Arn, Reason: failures[0].Reason}
		p.sc.addSticky(rec, stickyPlacement, msgUnplaced(p.name, &f))
	} else {
		clearSticky(rec, stickyPlacement)
	}
	return nil
}

// track records newly placed tasks of a deployment.
func (p *pass) track(dep *Deployment, placed []*record.Task) {
	if p.rec.Tasks == nil {
		p.rec.Tasks = map[string]*TrackedTask{}
	}
	for _, t := range placed {
		p.rec.Tasks[t.ID] = &TrackedTask{Deployment: dep.Deployment.Id}
		p.tasks[t.ID] = t
		p.started = append(p.started, t.ID)
	}
}

// serviceTags are the tags a new task gets from propagateTags.
func (p *pass) serviceTags(td *types.TaskDefinition) []types.Tag {
	switch p.rec.Service.PropagateTags {
	case "TASK_DEFINITION":
		return p.sc.cp.TaskDefinitionTags(p.tx, td)
	case "SERVICE":
		return slices.Clone(p.rec.Service.Tags)
	}
	return nil
}
