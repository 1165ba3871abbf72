package services

import (
	"slices"
	"strings"
	"time"

	"github.com/ecskit/ecs/internal/reconcile"
	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/placement"
	"github.com/ecskit/ecs/types"
)

// state builds the reconciler's view of the service from what the pass
// loaded.
func (p *pass) state() (*reconcile.State, error) {
	rec := p.rec
	st := &reconcile.State{Service: p.serviceState(), Now: p.now, Seed: p.sc.cp.Seed()}
	primTasks := 0
	for id, tt := range rec.Tasks {
		t := p.tasks[id]
		if t == nil {
			continue
		}
		td, err := p.taskDefinition(t.Family, t.Revision)
		if err != nil {
			return nil, err
		}
		if len(rec.Deployments) > 0 && tt.Deployment == rec.Deployments[0].Deployment.Id {
			primTasks++
		}
		st.Tasks = append(st.Tasks, reconcile.Task{
			ID: id, Deployment: tt.Deployment, Instance: t.InstanceID,
			LastStatus: t.Task.LastStatus, DesiredStatus: t.Task.DesiredStatus, StopCode: t.Task.StopCode,
			Health: t.Task.HealthStatus, HealthChecked: hasHealthCheck(td),
			CreatedAt: t.Task.CreatedAt.Time, StartedAt: t.Task.StartedAt.Time,
			CPU: t.CPU, Memory: t.Memory, Lost: p.lost(t),
			Mark: reconcile.Mark{Running: tt.Running, Healthy: tt.Healthy, Failed: tt.Failed},
		})
	}
	// Placement views are needed to pick tasks on scale-in and to match
	// a DAEMON service's constraints; they are not built otherwise.
	daemon := rec.isDaemon() && rec.Service.Status == types.StatusActive
	withPlacement := daemon || primTasks > int(rec.Service.DesiredCount)
	var match func(placement.Instance) bool
	if daemon && len(rec.Deployments) > 0 {
		prim := rec.primary()
		td, err := p.taskDefinition(prim.Family, prim.Revision)
		if err != nil {
			return nil, err
		}
		if match, err = p.daemonMatcher(td); err != nil {
			return nil, err
		}
	}
	for _, in := range p.insts {
		if in == nil {
			continue // deregistered
		}
		ri := reconcile.Instance{ID: in.ID, Active: in.Status == types.StatusActive}
		if withPlacement {
			ri.Placement = p.sc.cp.PlacementInstance(in)
		}
		if match != nil {
			ri.Eligible = match(ri.Placement)
		}
		st.Instances = append(st.Instances, ri)
	}
	slices.SortFunc(st.Instances, func(a, b reconcile.Instance) int { return strings.Compare(a.ID, b.ID) })
	return st, nil
}

// serviceState is the reconciler's view of the service record.
func (p *pass) serviceState() reconcile.Service {
	rec := p.rec
	s := &rec.Service
	dc := s.DeploymentConfiguration
	maxP, minP := int64(200), int64(100)
	if rec.isDaemon() {
		maxP, minP = 100, 0
	}
	if dc != nil && dc.MaximumPercent != nil {
		maxP = *dc.MaximumPercent
	}
	if dc != nil && dc.MinimumHealthyPercent != nil {
		minP = *dc.MinimumHealthyPercent
	}
	out := reconcile.Service{
		Name: p.name, Daemon: rec.isDaemon(), Draining: s.Status == types.StatusDraining,
		DesiredCount: s.DesiredCount, MaximumPercent: maxP, MinimumHealthyPercent: minP,
		Throttle: reconcile.Throttle{Failures: rec.Throttle.Failures, NextLaunch: rec.Throttle.NextLaunch.Time},
		Steady:   rec.Steady, SteadyAt: rec.SteadyAt.Time,
	}
	if g := s.HealthCheckGracePeriodSeconds; g != nil {
		out.HealthCheckGracePeriod = time.Duration(*g) * time.Second
	}
	if dc != nil && dc.DeploymentCircuitBreaker != nil && dc.DeploymentCircuitBreaker.Enable {
		cb := dc.DeploymentCircuitBreaker
		b := &reconcile.Breaker{Rollback: cb.Rollback, ResetOnHealthyTask: cb.ResetOnHealthyTask == nil || *cb.ResetOnHealthyTask}
		if tc := cb.ThresholdConfiguration; tc != nil {
			b.ThresholdType, b.ThresholdValue = tc.Type, tc.Value
		}
		out.Breaker = b
	}
	for _, st := range s.PlacementStrategy {
		out.Strategies = append(out.Strategies, placement.Strategy{Type: placement.StrategyType(st.Type), Field: st.Field})
	}
	for i := range rec.Deployments {
		out.Deployments = append(out.Deployments, deploymentState(&rec.Deployments[i]))
	}
	if rec.LastGood != nil {
		g := deploymentState(rec.LastGood)
		out.LastGood = &g
	}
	return out
}

func deploymentState(r *Deployment) reconcile.Deployment {
	d := &r.Deployment
	return reconcile.Deployment{
		ID: d.Id, Status: d.Status, TaskDefinition: d.TaskDefinition, DesiredCount: d.DesiredCount,
		FailedTasks: d.FailedTasks, RolloutState: d.RolloutState, RolloutStateReason: d.RolloutStateReason,
		UpdatedAt: d.UpdatedAt.Time, PreviousID: r.PreviousID, PreviousTaskDefinition: r.PreviousTaskDefinition,
	}
}

// lost reports whether a task sits on an instance whose agent is
// disconnected. The scheduler cannot reach such a task: it neither counts
// it nor stops it, so a replacement starts elsewhere; when the agent comes
// back the task counts again and the surplus is scaled in.
func (p *pass) lost(t *record.Task) bool {
	in := p.insts[t.InstanceID]
	if in == nil || in.Status == types.StatusInactive || t.Task.DesiredStatus != types.TaskStatusRunning {
		return false
	}
	return !p.sc.cp.Connected(in.Cluster, in.ID)
}

// hasHealthCheck reports whether an essential container has a health
// check.
func hasHealthCheck(td *types.TaskDefinition) bool {
	for i := range td.ContainerDefinitions {
		if td.ContainerDefinitions[i].IsEssential() && td.ContainerDefinitions[i].HealthCheck != nil {
			return true
		}
	}
	return false
}
