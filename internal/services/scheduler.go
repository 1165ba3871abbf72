// Package services is ecskit's service scheduler and the service API
// behind it: CreateService, UpdateService, DeleteService,
// DescribeServices, ListServices and the service deployment history
// (ListServiceDeployments, DescribeServiceDeployments,
// DescribeServiceRevisions), which the root package's ControlPlane serves
// through a Scheduler.
//
// The scheduler is a level-triggered reconcile loop: every pass reads one
// service, its tasks and the instances they need, lets the pure
// reconciler (internal/reconcile) decide, and applies its plan, all in one
// store transaction. A service is stored as a Record, with its event log
// and its deployment history beside it. Tasks, placement and task
// definitions remain the control plane's: the scheduler reaches them
// through the ControlPlane interface.
package services

import (
	"context"
	"log/slog"
	"time"

	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/internal/arn"
	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/placement"
	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/types"
)

// ControlPlane is what the scheduler needs of the control plane that
// hosts it. The calls that take a tx work inside the caller's store
// transaction and write nothing else.
type ControlPlane interface {
	// GetTask reads a task; found is false if it is absent.
	GetTask(tx store.Tx, cluster, id string) (t *record.Task, found bool, err error)
	// PutTask writes a task.
	PutTask(tx store.Tx, t *record.Task) error
	// NewTask builds (but does not write) a task of td placed on inst.
	NewTask(cluster string, inst *record.Instance, td *types.TaskDefinition, group, startedBy string, tags []types.Tag) *record.Task
	// StopTask sets a task's desired status to STOPPED with a stop code
	// and reason, and writes it and its instance.
	StopTask(tx store.Tx, t *record.Task, code, reason string) error
	// PlacementRequest turns a task definition, a group and the
	// service's constraints and strategies into a placement request
	// (defaults stand for no strategy).
	PlacementRequest(td *types.TaskDefinition, group string, count int, cons []types.PlacementConstraint, strat []types.PlacementStrategy, defaults []placement.Strategy) (placement.Request, error)
	// PlaceTasks places req's tasks in cluster and creates them, tagged
	// and started by startedBy, for service.
	PlaceTasks(tx store.Tx, cluster string, td *types.TaskDefinition, req placement.Request, startedBy string, tags []types.Tag, service string) ([]*record.Task, []types.Failure, error)
	// AwaitPlacement lets placement catch up with the store; it must not
	// run inside a transaction.
	AwaitPlacement(ctx context.Context)
	// PlacementInstance is placement's view of an instance.
	PlacementInstance(inst *record.Instance) placement.Instance
	// Connected reports whether the agent of a container instance is
	// connected.
	Connected(cluster, id string) bool
	// CachedTaskDefinition returns the revision stored at key if the
	// control plane's cache holds it, or nil.
	CachedTaskDefinition(key string) *types.TaskDefinition
	// FindTaskDefinition resolves a task definition reference, active or
	// not; nil if there is none.
	FindTaskDefinition(tx store.Tx, ref string) (*record.TaskDefinition, error)
	// LaunchableTaskDefinition resolves a reference to an ACTIVE revision;
	// an inactive one fails with inactiveCode.
	LaunchableTaskDefinition(tx store.Tx, ref string, inactiveCode types.Code) (*types.TaskDefinition, error)
	// TaskDefinitionTags are the tags of a revision.
	TaskDefinitionTags(tx store.Tx, td *types.TaskDefinition) []types.Tag
	// ActiveCluster resolves a cluster name or ARN to an ACTIVE cluster.
	ActiveCluster(tx store.Tx, ref string) (*record.Cluster, error)
	// Seed returns a fresh random number.
	Seed() int64
	// NewID returns a fresh hex ID.
	NewID() string
}

// Config is what New needs; every field is required.
type Config struct {
	// ControlPlane is the control plane the scheduler serves.
	ControlPlane ControlPlane
	// Store is the control plane's store, where the service records,
	// event logs and histories live beside its own records.
	Store store.Store
	// Clock and Log are the control plane's.
	Clock clock.Clock
	Log   *slog.Logger
	// ARN names the control plane's resources.
	ARN arn.Namer
}

// Scheduler runs the service scheduler and serves the service API of one
// control plane. It is safe for concurrent use.
type Scheduler struct {
	cp    ControlPlane
	store store.Store
	clock clock.Clock
	log   *slog.Logger
	arn   arn.Namer
}

// New returns a Scheduler; Run starts its loop.
func New(cfg Config) *Scheduler {
	return &Scheduler{cp: cfg.ControlPlane, store: cfg.Store, clock: cfg.Clock, log: cfg.Log, arn: cfg.ARN}
}

// Run runs the scheduler until ctx ends, and returns once everything it
// started has stopped.
func (sc *Scheduler) Run(ctx context.Context) { sc.runServiceScheduler(ctx) }

// ReconcileAll runs one pass over every service now and returns the
// earliest future moment a pass has something to do.
func (sc *Scheduler) ReconcileAll(ctx context.Context) (time.Time, error) {
	return sc.reconcileServices(ctx)
}

// ReconcileService runs one pass over one service now.
func (sc *Scheduler) ReconcileService(ctx context.Context, cluster, name string) error {
	return sc.reconcileRefs(ctx, []serviceRef{{cluster, name}}, newServiceTracker())
}

// View is the API view of a stored service, as DescribeServices shows it.
func (sc *Scheduler) View(tx store.Tx, rec *Record, withTags bool) (*types.Service, error) {
	return sc.serviceView(tx, rec, withTags)
}

func (sc *Scheduler) now() types.Time { return types.NewTime(sc.clock.Now()) }

// invalidParam is the common InvalidParameterException.
func invalidParam(format string, args ...any) *types.Error {
	return types.Errorf(types.InvalidParameterException, format, args...)
}
