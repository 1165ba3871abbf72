package agent

import (
	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/types"
)

// ContainerStatus is the agent's view of where a container is on its
// ladder. A container only ever climbs it, one rung at a time while it
// starts (each step gated by dependsOn), and it may jump to STOPPED from any
// rung.
type ContainerStatus int

// The container status ladder.
const (
	// StatusNone: the agent knows the container from the task definition
	// and has done nothing yet.
	StatusNone ContainerStatus = iota
	// StatusPulled: the image is in the engine's cache, per the pull
	// behaviour.
	StatusPulled
	// StatusCreated: the engine container exists (it has a runtime ID) but
	// has not been started.
	StatusCreated
	// StatusRunning: the engine reports the container running.
	StatusRunning
	// StatusStopped: the container exited, was never started because its
	// task stopped, failed to pull/create/start, or vanished. Terminal.
	StatusStopped
)

var statusNames = [...]string{"NONE", "PULLED", "CREATED", "RUNNING", "STOPPED"}

// String returns the agent-side name (NONE, PULLED, …).
func (s ContainerStatus) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return "UNKNOWN"
	}
	return statusNames[s]
}

// Backend maps the status to what the control plane sees: RUNNING,
// STOPPED, or PENDING for everything before RUNNING.
func (s ContainerStatus) Backend() string {
	switch s {
	case StatusRunning:
		return types.TaskStatusRunning
	case StatusStopped:
		return types.TaskStatusStopped
	default:
		return types.TaskStatusPending
	}
}

// healthOf maps an engine health value to ECS's.
func healthOf(h runtime.Health) string {
	switch h {
	case runtime.HealthHealthy:
		return types.HealthHealthy
	case runtime.HealthUnhealthy:
		return types.HealthUnhealthy
	default:
		return types.HealthUnknown
	}
}

// taskHealth folds the health of a task's essential containers with
// priority UNHEALTHY > UNKNOWN > HEALTHY (ECS-SPEC §1.6).
func taskHealth(containers []*container) string {
	out := types.HealthHealthy
	for _, c := range containers {
		if !c.essential {
			continue
		}
		switch c.health {
		case types.HealthUnhealthy:
			return types.HealthUnhealthy
		case types.HealthHealthy:
		default:
			out = types.HealthUnknown
		}
	}
	return out
}

// Container reasons, "<ErrorName>: <message>" as the ECS agent reports
// them.
const (
	reasonOOM          = "OutOfMemoryError: Container killed due to memory usage"
	reasonVanished     = "ContainerVanishedError: No container matching saved ID found"
	reasonEssentialRan = "Essential container in task exited"
	prefixPull         = "CannotPullContainerError: "
	prefixCreate       = "CannotCreateContainerError: "
	prefixStart        = "CannotStartContainerError: "
	prefixDependency   = "TaskDependencyError: "
	maxReasonLen       = 1024
)

func trimReason(s string) string {
	if len(s) > maxReasonLen {
		return s[:maxReasonLen]
	}
	return s
}
