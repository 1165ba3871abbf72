// Package placement is the ECS task scheduler as a pure function: given a
// snapshot of a cluster's container instances and a placement request, it
// decides where each task goes and, for the tasks it cannot place, why.
//
// The contract: Place and Scheduler perform no I/O, start no goroutines and
// read no clock; for a given snapshot, request and Request.Seed the result
// is always the same, whatever the map iteration order. The snapshot passed
// in is never modified. Caveats: a Scheduler is not safe for concurrent
// use; among instances that every strategy ranks equal, the choice is
// random (seeded), so tests should assert what the strategies decide, not
// which of several equal instances won.
//
// The control plane uses the package for RunTask and services, and users of
// real ECS can import it (and its harness, package sim) to unit-test their
// placement strategies and constraints.
//
// The pipeline follows ECS's documented order (ECS-SPEC §4):
//
//  1. candidates: ACTIVE instances whose agent is connected;
//  2. resource filters: required attributes, CPU, memory, TCP and UDP
//     static host ports (reserved ports included);
//  3. constraints: distinctInstance and memberOf(expression), in order;
//  4. strategies, in order, each breaking the ties of the one before:
//     binpack, spread, random; remaining ties go to the seeded random
//     source.
//
// Count > 1 is placed one task at a time, each seeing the ones before. A
// task that cannot be placed gets a Failure naming the closest instance:
// the one that passed the most stages of the pipeline above (the first in
// snapshot order among equals), with the reason of the stage that
// rejected it, and an explanation counting the instances each filter
// rejected.
//
// The memberOf expressions are the cluster query language (ECS-SPEC §4.5),
// compiled by ParseExpression; the same Expression serves the
// ListContainerInstances filter.
package placement

import (
	"time"
)

// Instance status values, as ECS spells them.
const (
	StatusActive   = "ACTIVE"
	StatusDraining = "DRAINING"
	StatusInactive = "INACTIVE"
)

// Instance is a container instance as placement sees it: what it has left,
// what it carries and which tasks of which groups run on it.
type Instance struct {
	// ARN is the container instance ARN; failures name it.
	ARN string
	// ID is the container instance ID (the last ARN component).
	ID string
	// EC2InstanceID is the subject ec2InstanceId of the query language.
	EC2InstanceID string
	// Status is StatusActive, StatusDraining or StatusInactive; only
	// ACTIVE instances take new tasks.
	Status string
	// AgentConnected is whether the agent's session is live; only
	// connected instances take new tasks.
	AgentConnected bool
	// AgentVersion is the agent's version (subject agentVersion).
	AgentVersion string
	// RegisteredAt is when the instance registered (subject registeredAt).
	RegisteredAt time.Time
	// Attributes maps attribute names to values ("" for name-only
	// attributes such as capabilities).
	Attributes map[string]string

	// RemainingCPU and RemainingMemory are what is left after the
	// reservations of the tasks placed on the instance (CPU units, MiB).
	RemainingCPU    int64
	RemainingMemory int64
	// UsedPorts and UsedPortsUDP are the host ports already taken: the
	// instance's reserved ports plus the static ports of its tasks.
	UsedPorts    []int
	UsedPortsUDP []int

	// RunningTasksCount is the number of tasks with desiredStatus RUNNING.
	RunningTasksCount int
	// Groups counts the instance's tasks (desiredStatus RUNNING) per task
	// group.
	Groups map[string]int
}

// Snapshot is the state of one cluster at one moment.
type Snapshot struct {
	Instances []Instance
}

// ConstraintType is distinctInstance or memberOf.
type ConstraintType string

// Constraint types.
const (
	DistinctInstance ConstraintType = "distinctInstance"
	MemberOf         ConstraintType = "memberOf"
)

// Constraint is a placement constraint.
type Constraint struct {
	Type ConstraintType
	// Expression is a cluster query language expression (memberOf only).
	Expression string
}

// StrategyType is binpack, spread or random.
type StrategyType string

// Strategy types.
const (
	Binpack StrategyType = "binpack"
	Spread  StrategyType = "spread"
	Random  StrategyType = "random"
)

// Strategy is a placement strategy.
type Strategy struct {
	Type StrategyType
	// Field is cpu or memory for binpack; instanceId, host or
	// attribute:NAME for spread; unused for random.
	Field string
}

// Attribute is a required instance attribute; an empty Value requires only
// that the attribute is present.
type Attribute struct {
	Name  string
	Value string
}

// Request asks for Count tasks of one shape to be placed.
type Request struct {
	// Group is the task group (family:NAME, service:NAME or the caller's).
	Group string
	// Count is the number of tasks to place, each after the one before has
	// been accounted for.
	Count int
	// CPU and Memory are the task's reservation (CPU units, MiB).
	CPU    int64
	Memory int64
	// Ports and PortsUDP are the task's static host ports.
	Ports    []int
	PortsUDP []int
	// RequiredAttributes must all be present on the instance.
	RequiredAttributes []Attribute
	// Constraints from the request and the task definition together.
	Constraints []Constraint
	// Strategies in order; empty means random.
	Strategies []Strategy
	// Seed makes the random choices repeatable.
	Seed int64
}

// Failure reasons, as ECS reports them.
const (
	ReasonCPU              = "RESOURCE:CPU"
	ReasonMemory           = "RESOURCE:MEMORY"
	ReasonPorts            = "RESOURCE:PORTS"
	ReasonPortsUDP         = "RESOURCE:PORTS_UDP"
	ReasonAgent            = "AGENT"
	ReasonAttribute        = "ATTRIBUTE"
	ReasonMemberOf         = "MemberOf placement constraint unsatisfied."
	ReasonDistinctInstance = "DistinctInstance placement constraint unsatisfied."
)

// Decision places one task on one instance.
type Decision struct {
	// Instance is the index into Snapshot.Instances.
	Instance int
	// ARN is that instance's ARN.
	ARN string
}

// Failure explains why one task could not be placed.
type Failure struct {
	// ARN is the closest-matching instance's ARN: the one that passed the
	// most pipeline stages, the first in snapshot order among equals. It
	// is "" when the snapshot has no instances at all (ECS then answers
	// "No Container Instances were found in your cluster.").
	ARN string
	// Reason is one of the Reason constants: that of the stage that
	// rejected the closest instance ("" when there is no instance).
	Reason string
	// Explanation counts, per filter, the instances it rejected, e.g.
	// "no container instance met all requirements: 3 lacked memory, 2 failed
	// memberOf(attribute:stack == prod)".
	Explanation string
}

// Result holds, in order, a Decision per placed task and a Failure per task
// that could not be placed.
type Result struct {
	Decisions []Decision
	Failures  []Failure
}
