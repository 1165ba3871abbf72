package services

import (
	"fmt"

	"github.com/ecskit/ecs/internal/arn"
	"github.com/ecskit/ecs/internal/reconcile"
	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/types"
)

// Record is a service as stored: the API view (without the counts,
// deployments and events, which are filled in when it is read) and the
// scheduler's own state. Every decision about one service is made in one
// store transaction that reads and rewrites this record, so two control
// planes sharing a store never act twice on one service.
type Record struct {
	Cluster     string        `json:"cluster"`
	Service     types.Service `json:"service"`
	Deployments []Deployment  `json:"deployments"`
	// Tasks are the service's tasks the scheduler has not yet seen
	// STOPPED, by task ID. Every service task is created by the scheduler
	// in the transaction that adds it here.
	Tasks  map[string]*TrackedTask `json:"tasks,omitempty"`
	Sticky map[string]StickyEvent  `json:"sticky,omitempty"`
	// Throttle slows down relaunches of tasks that never reach RUNNING.
	Throttle Throttle `json:"throttle"`
	// LastGood is the last deployment that COMPLETED, the target of a
	// circuit breaker rollback.
	LastGood    *Deployment `json:"lastGood,omitempty"`
	ClientToken string      `json:"clientToken,omitempty"`
	// Steady is set while the service is at its desired state; SteadyAt is
	// when that was last reported (again every six hours, as ECS does).
	Steady   bool       `json:"steady,omitempty"`
	SteadyAt types.Time `json:"steadyAt,omitzero"`

	// newEvents are events not yet added to the event log (oldest first),
	// newRevisions service revisions not yet added to the history.
	newEvents    []types.ServiceEvent
	newRevisions []types.ServiceRevision
}

// Deployment is a deployment with the task definition it runs.
type Deployment struct {
	Deployment types.Deployment `json:"deployment"`
	Family     string           `json:"family"`
	Revision   int64            `json:"revision"`
	// PreviousID and PreviousTaskDefinition name the deployment that was
	// PRIMARY when this one started: where no deployment has completed
	// yet, the circuit breaker rolls back to it.
	PreviousID             string `json:"previousId,omitempty"`
	PreviousTaskDefinition string `json:"previousTaskDefinition,omitempty"`
	// ServiceDeploymentArn and ServiceRevisionArn place the deployment in
	// the service's history; a rollback deployment (RollbackOf names the
	// deployment that failed) continues the failed one's service
	// deployment with the revision it returns to.
	ServiceDeploymentArn string `json:"serviceDeploymentArn,omitempty"`
	ServiceRevisionArn   string `json:"serviceRevisionArn,omitempty"`
	RollbackOf           string `json:"rollbackOf,omitempty"`
}

// TrackedTask is what the scheduler remembers of one of its tasks.
type TrackedTask struct {
	Deployment string `json:"deployment"`
	// Running is set once the task was seen RUNNING, Healthy once it was
	// seen healthy (each resets the throttle or the circuit breaker once).
	Running bool `json:"running,omitempty"`
	Healthy bool `json:"healthy,omitempty"`
	// Failed is set when the scheduler stopped the task for failing its
	// health checks (already counted against the circuit breaker).
	Failed bool `json:"failed,omitempty"`
}

// Throttle is the launch throttle: after tasks fail to start, the
// next launch waits until NextLaunch.
type Throttle struct {
	Failures   int        `json:"failures,omitempty"`
	NextLaunch types.Time `json:"nextLaunch,omitzero"`
}

// Prefix is the key prefix of a cluster's services.
func Prefix(cluster string) string { return "services/" + cluster + "/" }

// Key is the key of a service.
func Key(cluster, name string) string { return Prefix(cluster) + name }

// primary returns the PRIMARY deployment (the newest), or nil.
func (r *Record) primary() *Deployment {
	if len(r.Deployments) == 0 {
		return nil
	}
	return &r.Deployments[0]
}

// deployment returns the deployment with id, or nil.
func (r *Record) deployment(id string) *Deployment {
	for i := range r.Deployments {
		if r.Deployments[i].Deployment.Id == id {
			return &r.Deployments[i]
		}
	}
	return nil
}

// isDaemon reports whether the service runs one task per instance.
func (r *Record) isDaemon() bool {
	return r.Service.SchedulingStrategy == types.SchedulingStrategyDaemon
}

// newDeploymentID returns "ecs-svc/" and 19 digits.
func (sc *Scheduler) newDeploymentID() string {
	return fmt.Sprintf("ecs-svc/%019d", uint64(sc.cp.Seed())%10_000_000_000_000_000_000)
}

// startDeployment makes td the service's PRIMARY deployment, in a new
// service revision; the previous deployments become ACTIVE and are
// replaced by the scheduler. A new deployment resets the launch throttle.
func (sc *Scheduler) startDeployment(rec *Record, td *types.TaskDefinition) *Deployment {
	d := sc.pushDeployment(rec, td, "")
	sc.newRevision(rec, d, td)
	return d
}

// pushDeployment makes td the service's PRIMARY deployment.
func (sc *Scheduler) pushDeployment(rec *Record, td *types.TaskDefinition, reason string) *Deployment {
	now := sc.now()
	id := sc.newDeploymentID()
	if reason == "" {
		reason = reconcile.ReasonInProgress(id)
	}
	d := Deployment{
		Family: td.Family, Revision: td.Revision,
		Deployment: types.Deployment{
			Id: id, Status: types.DeploymentStatusPrimary, TaskDefinition: td.TaskDefinitionArn,
			DesiredCount: rec.Service.DesiredCount, CreatedAt: now, UpdatedAt: now,
			LaunchType: "EC2", RolloutState: types.RolloutStateInProgress, RolloutStateReason: reason,
		},
	}
	for i := range rec.Deployments {
		if rec.Deployments[i].Deployment.Status == types.DeploymentStatusPrimary {
			d.PreviousID = rec.Deployments[i].Deployment.Id
			d.PreviousTaskDefinition = rec.Deployments[i].Deployment.TaskDefinition
			rec.Deployments[i].Deployment.Status = types.DeploymentStatusActive
			rec.Deployments[i].Deployment.UpdatedAt = now
		}
	}
	rec.Deployments = append([]Deployment{d}, rec.Deployments...)
	rec.Service.TaskDefinition = td.TaskDefinitionArn
	rec.Throttle = Throttle{}
	rec.Steady = false
	return &rec.Deployments[0]
}

// lookupService resolves a service name or ARN within cluster.
func (sc *Scheduler) lookupService(tx store.Tx, cluster, ref string) (*Record, error) {
	name, ok := sc.serviceName(cluster, ref)
	if !ok {
		return nil, &types.Error{Code: types.ServiceNotFoundException, Field: "service", Message: "Service not found."}
	}
	var rec Record
	found, err := record.Get(tx, Key(cluster, name), &rec)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, &types.Error{Code: types.ServiceNotFoundException, Field: "service", Message: "Service not found."}
	}
	return &rec, nil
}

// serviceName reduces a service name or ARN (service/NAME or
// service/CLUSTER/NAME) to its name.
func (sc *Scheduler) serviceName(cluster, ref string) (string, bool) {
	p, ok := arn.Resource("service", ref)
	if !ok || len(p) == 0 || len(p) > 2 || p[len(p)-1] == "" {
		return "", false
	}
	if len(p) == 2 && p[0] != cluster {
		return "", false
	}
	return p[len(p)-1], true
}

// serviceView builds the API view of a service: counts come from its
// tasks as they are in tx, so they always agree with DescribeTasks.
func (sc *Scheduler) serviceView(tx store.Tx, rec *Record, withTags bool) (*types.Service, error) {
	s := rec.Service
	s.ServiceArn = sc.arn.Service(rec.Cluster, s.ServiceName)
	s.ClusterArn = sc.arn.Cluster(rec.Cluster)
	events, err := sc.serviceEvents(tx, rec)
	if err != nil {
		return nil, err
	}
	s.Events = events
	if !withTags {
		s.Tags = nil
	}
	byDep, err := sc.deploymentCounts(tx, rec)
	if err != nil {
		return nil, err
	}
	s.Deployments = make([]types.Deployment, len(rec.Deployments))
	for i, d := range rec.Deployments {
		s.Deployments[i] = d.Deployment
		c := byDep[d.Deployment.Id]
		s.Deployments[i].RunningCount, s.Deployments[i].PendingCount = c.RunningCount, c.PendingCount
	}
	s.RunningCount, s.PendingCount = byDep[""].RunningCount, byDep[""].PendingCount
	if len(rec.Deployments) > 0 {
		s.CurrentServiceDeployment = rec.Deployments[0].ServiceDeploymentArn
		counts := revisionCounts(rec, byDep)
		seen := map[string]bool{}
		for _, d := range rec.Deployments {
			arn := d.ServiceRevisionArn
			if arn == "" || seen[arn] {
				continue
			}
			seen[arn] = true
			if c := counts[arn]; c.RequestedTaskCount+c.RunningTaskCount+c.PendingTaskCount > 0 || d.Deployment.Status == types.DeploymentStatusPrimary {
				s.CurrentServiceRevisions = append(s.CurrentServiceRevisions, types.ServiceCurrentRevisionSummary{
					Arn: arn, RequestedTaskCount: c.RequestedTaskCount, RunningTaskCount: c.RunningTaskCount, PendingTaskCount: c.PendingTaskCount})
			}
		}
	}
	return &s, nil
}

// taskCounts are the RUNNING and PENDING tasks of a deployment.
type taskCounts struct{ RunningCount, PendingCount int64 }

// deploymentCounts counts a service's tasks by deployment ID, as they are
// in tx; the "" entry counts them all.
func (sc *Scheduler) deploymentCounts(tx store.Tx, rec *Record) (map[string]taskCounts, error) {
	out := map[string]taskCounts{}
	for id, tt := range rec.Tasks {
		t, found, err := sc.cp.GetTask(tx, rec.Cluster, id)
		if err != nil {
			return nil, err
		}
		if !found {
			continue
		}
		all, d := out[""], out[tt.Deployment]
		switch t.Task.LastStatus {
		case types.TaskStatusRunning:
			all.RunningCount++
			d.RunningCount++
		case types.TaskStatusProvisioning, types.TaskStatusPending, types.TaskStatusActivating:
			all.PendingCount++
			d.PendingCount++
		default:
			continue
		}
		out[""], out[tt.Deployment] = all, d
	}
	return out, nil
}

// CountActive counts a cluster's ACTIVE services.
func CountActive(tx store.Tx, cluster string) (int64, error) {
	recs, err := record.List[Record](tx, Prefix(cluster))
	if err != nil {
		return 0, err
	}
	var n int64
	for _, r := range recs {
		if r.Service.Status == types.StatusActive {
			n++
		}
	}
	return n, nil
}
