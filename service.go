package ecs

import (
	"context"

	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/internal/services"
	"github.com/ecskit/ecs/placement"
	"github.com/ecskit/ecs/store"
)

// The service API and the service scheduler live in internal/services;
// the methods here serve them.

// CreateService creates a service and its first deployment; the service
// scheduler then starts its tasks. A name already used by an ACTIVE or
// DRAINING service fails with "Creation of service was not idempotent.",
// unless the call repeats the clientToken that created it.
func (cp *ControlPlane) CreateService(ctx context.Context, in *CreateServiceInput) (*CreateServiceOutput, error) {
	return cp.services.CreateService(ctx, in)
}

// UpdateService changes a service. A new taskDefinition or
// forceNewDeployment starts a deployment; desiredCount, placement and the
// deployment configuration apply to the current one.
func (cp *ControlPlane) UpdateService(ctx context.Context, in *UpdateServiceInput) (*UpdateServiceOutput, error) {
	return cp.services.UpdateService(ctx, in)
}

// DeleteService deletes a service: it turns DRAINING, its tasks are
// stopped, and it becomes INACTIVE once none is left running. A REPLICA
// service scaled above 0 needs force.
func (cp *ControlPlane) DeleteService(ctx context.Context, in *DeleteServiceInput) (*DeleteServiceOutput, error) {
	return cp.services.DeleteService(ctx, in)
}

// DescribeServices describes up to 10 services, including DRAINING and
// INACTIVE ones; unknown ones are MISSING failures.
func (cp *ControlPlane) DescribeServices(ctx context.Context, in *DescribeServicesInput) (*DescribeServicesOutput, error) {
	return cp.services.DescribeServices(ctx, in)
}

// ListServices lists the ARNs of a cluster's ACTIVE services, 10 per page
// by default.
func (cp *ControlPlane) ListServices(ctx context.Context, in *ListServicesInput) (*ListServicesOutput, error) {
	return cp.services.ListServices(ctx, in)
}

// ListServiceDeployments lists a service's deployments, newest first,
// optionally filtered by status and creation time (default page 20).
func (cp *ControlPlane) ListServiceDeployments(ctx context.Context, in *ListServiceDeploymentsInput) (*ListServiceDeploymentsOutput, error) {
	return cp.services.ListServiceDeployments(ctx, in)
}

// DescribeServiceDeployments describes up to 20 service deployments by
// ARN; unknown ones are failures with reason MISSING.
func (cp *ControlPlane) DescribeServiceDeployments(ctx context.Context, in *DescribeServiceDeploymentsInput) (*DescribeServiceDeploymentsOutput, error) {
	return cp.services.DescribeServiceDeployments(ctx, in)
}

// DescribeServiceRevisions describes up to 20 service revisions by ARN;
// unknown ones are failures with reason MISSING.
func (cp *ControlPlane) DescribeServiceRevisions(ctx context.Context, in *DescribeServiceRevisionsInput) (*DescribeServiceRevisionsOutput, error) {
	return cp.services.DescribeServiceRevisions(ctx, in)
}

// startControllers starts the level-triggered controllers (the service
// scheduler); they stop when ctx is cancelled, and Close waits for them
// through cp.wg.
func (cp *ControlPlane) startControllers(ctx context.Context) {
	cp.wg.Add(1)
	go func() {
		defer cp.wg.Done()
		cp.services.Run(ctx)
	}()
}

// newScheduler returns the service scheduler of cp.
func newScheduler(cp *ControlPlane) *services.Scheduler {
	return services.New(services.Config{ControlPlane: schedulerHost{cp}, Store: cp.store, Clock: cp.clock, Log: cp.log, ARN: cp.arns()})
}

// schedulerHost is what the service scheduler sees of the control plane
// (services.ControlPlane); it keeps those calls off ControlPlane's API.
type schedulerHost struct{ cp *ControlPlane }

func (h schedulerHost) GetTask(tx store.Tx, cluster, id string) (*record.Task, bool, error) {
	return h.cp.getTask(tx, cluster, id)
}
func (h schedulerHost) PutTask(tx store.Tx, t *record.Task) error { return h.cp.putTask(tx, t) }
func (h schedulerHost) NewTask(cluster string, inst *record.Instance, td *TaskDefinition, group, startedBy string, tags []Tag) *record.Task {
	return h.cp.newTask(cluster, inst, td, nil, group, startedBy, tags)
}
func (h schedulerHost) StopTask(tx store.Tx, t *record.Task, code, reason string) error {
	return h.cp.stopTask(tx, t, code, reason)
}
func (h schedulerHost) PlacementRequest(td *TaskDefinition, group string, count int, cons []PlacementConstraint, strat []PlacementStrategy, defaults []placement.Strategy) (placement.Request, error) {
	return placementRequest(td, nil, group, count, cons, strat, defaults)
}
func (h schedulerHost) PlaceTasks(tx store.Tx, cluster string, td *TaskDefinition, req placement.Request, startedBy string, tags []Tag, service string) ([]*record.Task, []Failure, error) {
	return h.cp.placeTasks(tx, cluster, td, nil, req, startedBy, tags, service)
}
func (h schedulerHost) AwaitPlacement(ctx context.Context) { h.cp.awaitPlacement(ctx) }
func (h schedulerHost) PlacementInstance(inst *record.Instance) placement.Instance {
	return h.cp.placementInstance(inst)
}
func (h schedulerHost) Connected(cluster, id string) bool {
	return h.cp.agents.Connected(h.cp.instanceARN(cluster, id))
}
func (h schedulerHost) CachedTaskDefinition(key string) *TaskDefinition {
	return h.cp.cache.taskDefinition(key)
}
func (h schedulerHost) FindTaskDefinition(tx store.Tx, ref string) (*record.TaskDefinition, error) {
	return h.cp.findTaskDefinition(tx, ref)
}
func (h schedulerHost) LaunchableTaskDefinition(tx store.Tx, ref string, inactiveCode Code) (*TaskDefinition, error) {
	return h.cp.launchableTaskDefinition(tx, ref, inactiveCode)
}
func (h schedulerHost) TaskDefinitionTags(tx store.Tx, td *TaskDefinition) []Tag {
	return h.cp.taskDefinitionTags(tx, td)
}
func (h schedulerHost) ActiveCluster(tx store.Tx, ref string) (*record.Cluster, error) {
	return h.cp.activeCluster(tx, ref)
}
func (h schedulerHost) Seed() int64   { return h.cp.seed() }
func (h schedulerHost) NewID() string { return h.cp.newID() }
