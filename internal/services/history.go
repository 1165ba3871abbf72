package services

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/ecskit/ecs/internal/reconcile"
	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/types"
)

// maxServiceDeployments is how many service deployments a service's
// history keeps (the newest).
const maxServiceDeployments = 100

// serviceHistory is a service's deployment history, stored apart from the
// service record and rewritten only when a deployment starts or changes
// status.
type serviceHistory struct {
	// Deployments, oldest first.
	Deployments []historyEntry          `json:"deployments"`
	Revisions   []types.ServiceRevision `json:"revisions"`
}

// historyEntry is one service deployment: the deployment (by ID) that
// started it, and the rollback deployment that may have followed.
type historyEntry struct {
	ID string `json:"id"`
	// Seq orders the entries (newer ones are higher).
	Seq int64 `json:"seq"`
	// Target and Sources are service revision ARNs: what the deployment
	// deploys, and what ran when it started.
	Target     string                  `json:"target"`
	Sources    []string                `json:"sources,omitempty"`
	Deployment types.ServiceDeployment `json:"deployment"`
}

func serviceHistoryKey(cluster, name string) string { return "servicehistory/" + cluster + "/" + name }

// newRevision gives a deployment its service deployment and a new service
// revision of td.
func (sc *Scheduler) newRevision(rec *Record, d *Deployment, td *types.TaskDefinition) {
	name := rec.Service.ServiceName
	d.ServiceDeploymentArn = sc.arn.ServiceDeployment(rec.Cluster, name, strconv.FormatUint(uint64(sc.cp.Seed()), 36))
	d.ServiceRevisionArn = sc.arn.ServiceRevision(rec.Cluster, name, strings.TrimPrefix(d.Deployment.Id, "ecs-svc/"))
	rev := types.ServiceRevision{
		ServiceRevisionArn: d.ServiceRevisionArn, ServiceArn: sc.arn.Service(rec.Cluster, name),
		ClusterArn: sc.arn.Cluster(rec.Cluster), TaskDefinition: td.TaskDefinitionArn, LaunchType: "EC2",
		ContainerImages: []types.ContainerImage{}, NetworkConfiguration: rec.Service.NetworkConfiguration,
		LoadBalancers: rec.Service.LoadBalancers, ServiceRegistries: rec.Service.ServiceRegistries,
		CreatedAt: d.Deployment.CreatedAt,
	}
	for _, c := range td.ContainerDefinitions {
		rev.ContainerImages = append(rev.ContainerImages, types.ContainerImage{ContainerName: c.Name, Image: c.Image})
	}
	rec.newRevisions = append(rec.newRevisions, rev)
}

// syncHistory brings the service's history up to date with its
// deployments: new deployments get an entry, and entries follow the
// rollout (and rollback) of their deployments until they end.
func (sc *Scheduler) syncHistory(tx store.Tx, rec *Record) error {
	key := serviceHistoryKey(rec.Cluster, rec.Service.ServiceName)
	var h serviceHistory
	if _, err := record.Get(tx, key, &h); err != nil {
		return err
	}
	before, err := json.Marshal(&h)
	if err != nil {
		return err
	}
	h.Revisions = append(h.Revisions, rec.newRevisions...)
	rec.newRevisions = nil
	for i := len(rec.Deployments) - 1; i >= 0; i-- {
		d := &rec.Deployments[i]
		if d.RollbackOf != "" || slices.ContainsFunc(h.Deployments, func(e historyEntry) bool { return e.ID == d.Deployment.Id }) {
			continue
		}
		e := historyEntry{ID: d.Deployment.Id, Target: d.ServiceRevisionArn, Seq: 1}
		if n := len(h.Deployments); n > 0 {
			e.Seq = h.Deployments[n-1].Seq + 1
		}
		for _, o := range rec.Deployments[i+1:] { // the older ones
			if o.ServiceRevisionArn != "" && !slices.Contains(e.Sources, o.ServiceRevisionArn) {
				e.Sources = append(e.Sources, o.ServiceRevisionArn)
			}
		}
		e.Deployment = types.ServiceDeployment{
			ServiceDeploymentArn: d.ServiceDeploymentArn, ServiceArn: sc.arn.Service(rec.Cluster, rec.Service.ServiceName),
			ClusterArn: sc.arn.Cluster(rec.Cluster), CreatedAt: d.Deployment.CreatedAt, StartedAt: d.Deployment.CreatedAt,
			UpdatedAt: d.Deployment.UpdatedAt, Status: types.ServiceDeploymentInProgress,
			DeploymentConfiguration: rec.Service.DeploymentConfiguration,
			Alarms:                  &types.ServiceDeploymentAlarms{Status: types.RollbackMonitorDisabled},
		}
		h.Deployments = append(h.Deployments, e)
	}
	for i := range h.Deployments {
		sc.followDeployment(rec, &h.Deployments[i])
	}
	if n := len(h.Deployments) - maxServiceDeployments; n > 0 {
		h.Deployments = h.Deployments[n:]
	}
	h.Revisions = slices.DeleteFunc(h.Revisions, func(r types.ServiceRevision) bool {
		return !slices.ContainsFunc(h.Deployments, func(e historyEntry) bool {
			return e.Target == r.ServiceRevisionArn || slices.Contains(e.Sources, r.ServiceRevisionArn)
		})
	})
	after, err := json.Marshal(&h)
	if err != nil || string(after) == string(before) {
		return err
	}
	return tx.Put(key, after)
}

// terminal reports whether a service deployment status is final.
func terminal(status string) bool {
	switch status {
	case types.ServiceDeploymentSuccessful, types.ServiceDeploymentStopped, types.ServiceDeploymentRollbackSuccessful, types.ServiceDeploymentRollbackFailed:
		return true
	}
	return false
}

// followDeployment derives an entry's status from its deployment and the
// rollback deployment that may have followed it.
func (sc *Scheduler) followDeployment(rec *Record, e *historyEntry) {
	sd := &e.Deployment
	if terminal(sd.Status) {
		return
	}
	d := rec.deployment(e.ID)
	var rb *Deployment
	for i := range rec.Deployments {
		if rec.Deployments[i].RollbackOf == e.ID {
			rb = &rec.Deployments[i]
		}
	}
	now := sc.now()
	if d != nil {
		dep := &d.Deployment
		sd.UpdatedAt = dep.UpdatedAt
		sd.DeploymentCircuitBreaker = breakerStatus(rec, dep)
	}
	switch {
	case rb != nil:
		sd.Rollback = &types.ServiceDeploymentRollback{
			Reason:    "The deployment circuit breaker initiated a rollback.",
			StartedAt: rb.Deployment.CreatedAt, ServiceRevisionArn: rb.ServiceRevisionArn,
		}
		sd.Status, sd.StatusReason = types.ServiceDeploymentRollbackInProgress, rb.Deployment.RolloutStateReason
		switch rb.Deployment.RolloutState {
		case types.RolloutStateCompleted:
			sd.Status, sd.FinishedAt = types.ServiceDeploymentRollbackSuccessful, rb.Deployment.UpdatedAt
			sd.StatusReason = "Service deployment rolled back because the circuit breaker threshold was exceeded."
		case types.RolloutStateFailed:
			sd.Status, sd.FinishedAt = types.ServiceDeploymentRollbackFailed, rb.Deployment.UpdatedAt
			sd.StatusReason = rb.Deployment.RolloutStateReason
		}
		if rb.Deployment.Status != types.DeploymentStatusPrimary && !terminal(sd.Status) {
			sd.Status, sd.StoppedAt = types.ServiceDeploymentRollbackFailed, now
			sd.StatusReason = "Rollback stopped: a newer service deployment started."
		}
	case d == nil:
		sd.Status, sd.StoppedAt = types.ServiceDeploymentStopped, now
		sd.StatusReason = "Service deployment stopped: a newer service deployment started."
	case d.Deployment.RolloutState == types.RolloutStateCompleted:
		sd.Status, sd.FinishedAt = types.ServiceDeploymentSuccessful, d.Deployment.UpdatedAt
		sd.StatusReason = ""
	case d.Deployment.RolloutState == types.RolloutStateFailed:
		sd.Status, sd.StoppedAt = types.ServiceDeploymentStopped, d.Deployment.UpdatedAt
		sd.StatusReason = d.Deployment.RolloutStateReason
	case d.Deployment.Status != types.DeploymentStatusPrimary:
		sd.Status, sd.StoppedAt = types.ServiceDeploymentStopped, now
		sd.StatusReason = "Service deployment stopped: a newer service deployment started."
	}
	if sd.DeploymentCircuitBreaker != nil && sd.DeploymentCircuitBreaker.Status == types.RollbackMonitorMonitoring && terminal(sd.Status) {
		sd.DeploymentCircuitBreaker.Status = types.RollbackMonitorMonitoringComplete
	}
}

// breakerStatus is the circuit breaker's account of a deployment.
func breakerStatus(rec *Record, d *types.Deployment) *types.ServiceDeploymentCircuitBreaker {
	dc := rec.Service.DeploymentConfiguration
	if dc == nil || dc.DeploymentCircuitBreaker == nil || !dc.DeploymentCircuitBreaker.Enable {
		return &types.ServiceDeploymentCircuitBreaker{Status: types.RollbackMonitorDisabled}
	}
	cb := dc.DeploymentCircuitBreaker
	b := &reconcile.Breaker{}
	if tc := cb.ThresholdConfiguration; tc != nil {
		b.ThresholdType, b.ThresholdValue = tc.Type, tc.Value
	}
	out := &types.ServiceDeploymentCircuitBreaker{Status: types.RollbackMonitorMonitoring, FailureCount: d.FailedTasks, Threshold: reconcile.Threshold(b, d.DesiredCount)}
	switch d.RolloutState {
	case types.RolloutStateFailed:
		out.Status = types.RollbackMonitorTriggered
	case types.RolloutStateCompleted:
		out.Status = types.RollbackMonitorMonitoringComplete
	}
	return out
}
