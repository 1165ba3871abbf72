package agent

import (
	"context"

	"github.com/ecskit/ecs"
)

// ControlPlane is the narrow view of the control plane an agent needs. The
// in-process *ecs.ControlPlane implements it, and so does the HTTP client of
// a remote agent.
type ControlPlane interface {
	// RegisterContainerInstance registers the instance, or re-registers
	// the one named by ContainerInstanceArn.
	RegisterContainerInstance(ctx context.Context, in *ecs.RegisterContainerInstanceInput) (*ecs.RegisterContainerInstanceOutput, error)
	// PollTasks long-polls for the instance's task assignments; every call
	// is also the agent's heartbeat.
	PollTasks(ctx context.Context, in *ecs.PollTasksInput) (*ecs.PollTasksOutput, error)
	// SubmitTaskStateChange reports a task's observed status, stop code
	// and timestamps, with its containers.
	SubmitTaskStateChange(ctx context.Context, in *ecs.SubmitTaskStateChangeInput) (*ecs.SubmitTaskStateChangeOutput, error)
	// SubmitTaskStateChanges reports several tasks' observed states, with
	// their containers, in one call; the agent batches its reports with
	// it.
	SubmitTaskStateChanges(ctx context.Context, in *ecs.SubmitTaskStateChangesInput) (*ecs.SubmitTaskStateChangesOutput, error)
	// SubmitContainerStateChange reports one container's observed state.
	SubmitContainerStateChange(ctx context.Context, in *ecs.SubmitContainerStateChangeInput) (*ecs.SubmitContainerStateChangeOutput, error)
}
