// Package reconcile is the service scheduler's decision function.
//
// Compute takes one service as it is — its deployments, its tasks with
// their status, health and age, the instances it may use, and the time —
// and returns a Plan: the tasks to stop and why, how many tasks to place
// for which deployment, the deployments as they must become, the events to
// report, and when it wants to look again. It does no I/O, keeps no state
// and reads no clock: the control plane builds the State from its store,
// applies the Plan in one transaction and owns the loop, the timers and the
// leader check. That is what makes ECS's rules testable as tables of
// "given this service, expect this plan" (Nomad's reconciler has the same
// shape).
//
// The rules it keeps (ECS-SPEC §5.4–5.10):
//
//   - A RUNNING task is stopped only for scale-in, for draining, because it
//     is itself unhealthy (a failed health check), or to be replaced while
//     at least ceil(desired × minimumHealthyPercent / 100) healthy tasks
//     remain. A task that is RUNNING but not yet healthy (no health check
//     and RUNNING for less than 40 s) is young, not unhealthy: it neither
//     counts towards the minimum nor is stopped to make room.
//   - RUNNING + PENDING + STOPPING tasks never exceed
//     floor(desired × maximumPercent / 100).
//   - The circuit breaker fails the PRIMARY deployment once its failed
//     tasks reach the threshold; a FAILED deployment launches nothing.
//     With rollback, the service goes back to the last COMPLETED
//     deployment's task definition or, when none has completed, to the one
//     that was PRIMARY before the failed deployment.
//   - Tasks that stop before ever reaching RUNNING throttle relaunches
//     (5 s, 10 s, 20 s, … up to 15 minutes); a new deployment resets it.
package reconcile

import (
	"time"

	"github.com/ecskit/ecs/placement"
)

// Task and deployment states, as ECS names them.
const (
	StatusRunning = "RUNNING"
	StatusStopped = "STOPPED"

	HealthHealthy   = "HEALTHY"
	HealthUnhealthy = "UNHEALTHY"

	DeploymentPrimary = "PRIMARY"
	DeploymentActive  = "ACTIVE"

	RolloutInProgress = "IN_PROGRESS"
	RolloutCompleted  = "COMPLETED"
	RolloutFailed     = "FAILED"

	StopCodeFailedToStart = "TaskFailedToStart"
	StopCodeEssentialExit = "EssentialContainerExited"
)

// Timing rules of the scheduler.
const (
	// HealthyAfter is how long a task without health checks must have been
	// RUNNING to count as healthy.
	HealthyAfter = 40 * time.Second
	// ThrottleBase and ThrottleMax bound the launch throttle's delay.
	ThrottleBase = 5 * time.Second
	ThrottleMax  = 15 * time.Minute
	// StickyRepeat is how often an unchanged repeated event (and the
	// steady state) is reported again.
	StickyRepeat = 6 * time.Hour
)

// State is one service as the scheduler sees it.
type State struct {
	Service Service
	// Tasks are the service's tasks the scheduler has not yet seen
	// STOPPED (those it sees STOPPED now are forgotten by the plan).
	Tasks []Task
	// Instances are the cluster's registered instances.
	Instances []Instance
	// Now is the time of the pass.
	Now time.Time
	// Seed makes scale-in choices reproducible.
	Seed int64
}

// Service is the part of a service the rules read.
type Service struct {
	Name string
	// Daemon is set for the DAEMON scheduling strategy.
	Daemon bool
	// Draining is set once the service was deleted: every task stops.
	Draining bool
	// DesiredCount is the REPLICA desired count (DAEMON computes its own).
	DesiredCount int64
	// MaximumPercent and MinimumHealthyPercent are the deployment
	// configuration, defaults resolved.
	MaximumPercent        int64
	MinimumHealthyPercent int64
	// Breaker is the deployment circuit breaker, nil when disabled.
	Breaker *Breaker
	// HealthCheckGracePeriod delays acting on failed health checks.
	HealthCheckGracePeriod time.Duration
	// Strategies choose which healthy tasks go first on scale-in.
	Strategies []placement.Strategy
	// Deployments, PRIMARY first.
	Deployments []Deployment
	// LastGood is the last deployment that COMPLETED, if any.
	LastGood *Deployment
	Throttle Throttle
	// Steady and SteadyAt record the last steady-state report.
	Steady   bool
	SteadyAt time.Time
}

// Breaker is a deployment circuit breaker.
type Breaker struct {
	Rollback           bool
	ResetOnHealthyTask bool
	// ThresholdType is COUNT, BOUNDED_PERCENT (default) or
	// UNBOUNDED_PERCENT; ThresholdValue defaults to 50 for the percentages.
	ThresholdType  string
	ThresholdValue int64
}

// Deployment is one deployment of a service.
type Deployment struct {
	ID                 string
	Status             string // PRIMARY or ACTIVE
	TaskDefinition     string // ARN
	DesiredCount       int64
	FailedTasks        int64
	RolloutState       string
	RolloutStateReason string
	UpdatedAt          time.Time
	// PreviousID and PreviousTaskDefinition name the deployment that was
	// PRIMARY when this one started (empty for the first).
	PreviousID             string
	PreviousTaskDefinition string
}

// Throttle is the launch throttle: after tasks fail to start, the next
// launch waits until NextLaunch.
type Throttle struct {
	Failures   int
	NextLaunch time.Time
}

// Task is one of the service's tasks.
type Task struct {
	ID         string
	Deployment string
	Instance   string
	// LastStatus and DesiredStatus are the task's.
	LastStatus    string
	DesiredStatus string
	// StopCode is set once the task is STOPPED.
	StopCode string
	// Health is the task's healthStatus; HealthChecked says its essential
	// containers have health checks (then only HEALTHY counts as healthy).
	Health        string
	HealthChecked bool
	CreatedAt     time.Time
	StartedAt     time.Time
	CPU, Memory   int64
	// Lost is set when the task's agent is disconnected: the scheduler can
	// neither count nor stop it.
	Lost bool
	Mark
}

// Mark is what the scheduler remembers of a task between passes.
type Mark struct {
	// Running is set once the task was seen RUNNING, Healthy once it was
	// seen healthy (each resets the throttle or the breaker once).
	Running bool
	Healthy bool
	// Failed is set when the scheduler stopped the task for failing its
	// health checks (already counted against the circuit breaker).
	Failed bool
}

// Instance is a registered container instance.
type Instance struct {
	ID string
	// Active is false for DRAINING (and INACTIVE) instances.
	Active bool
	// Eligible says a DAEMON service's constraints admit the instance.
	Eligible bool
	// Placement describes the instance for scale-in choices.
	Placement placement.Instance
}

// Plan is what one pass decided.
type Plan struct {
	// Stops are tasks to stop, in order.
	Stops []Stop
	// Place asks for new tasks of a deployment.
	Place *Place
	// Deployments are the service's deployments as they must become.
	Deployments []Deployment
	// DesiredCount is the service's desired count (computed for DAEMON).
	DesiredCount int64
	// Marks are the remembered marks of every task still tracked; a task
	// of the State not in Marks is forgotten.
	Marks    map[string]Mark
	Throttle Throttle
	// Completed is set when the PRIMARY deployment completed in this pass.
	Completed *Deployment
	// Rollback is set when the circuit breaker asks for a rollback: the
	// caller starts a deployment of Rollback.TaskDefinition and computes
	// again.
	Rollback *Rollback
	Steady   bool
	SteadyAt time.Time
	// Inactive is set when a draining service has no task left to stop.
	Inactive bool
	// Events to report (or repeated events to forget), oldest first.
	Events []Event
	// Next is when the pass wants to run again (zero: only on change).
	Next time.Time
}

// Stop is a task to stop.
type Stop struct {
	Task   string
	Reason string
	// Unhealthy is set for a task stopped for failing its health checks.
	Unhealthy bool
}

// Place asks for Count new tasks of Deployment (REPLICA), or one on each
// of Instances (DAEMON).
type Place struct {
	Deployment string
	Count      int
	Instances  []string
}

// Rollback is a circuit-breaker rollback.
type Rollback struct {
	// Failed is the deployment that failed.
	Failed string
	// To is the deployment rolled back to and TaskDefinition its task
	// definition; Completed says whether To had completed (else it was
	// merely PRIMARY before Failed).
	To             string
	TaskDefinition string
	Completed      bool
}

// Event is a service event to report. A Sticky kind is suppressed while
// the same message was reported for that kind less than StickyRepeat ago;
// Clear forgets the kind's last report instead (its cause is gone, so it
// is reported again if the cause returns).
type Event struct {
	Sticky  string
	Message string
	Clear   bool
}

// Kinds of repeated events.
const (
	StickyPlacement = "placement"
	StickyThrottle  = "throttle"
	StickyStuck     = "stuck"
)
