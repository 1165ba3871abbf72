package agent

import (
	"context"

	"github.com/ecskit/ecs/types"
)

// ControlPlane is the narrow view of the control plane an agent needs. The
// in-process *ecs.ControlPlane implements it, and so does the HTTP client of
// a remote agent.
type ControlPlane interface {
	// RegisterContainerInstance registers the instance, or re-registers
	// the one named by ContainerInstanceArn.
	RegisterContainerInstance(ctx context.Context, in *types.RegisterContainerInstanceInput) (*types.RegisterContainerInstanceOutput, error)
	// PollTasks long-polls for the instance's task assignments; every call
	// is also the agent's heartbeat.
	PollTasks(ctx context.Context, in *types.PollTasksInput) (*types.PollTasksOutput, error)
	// SubmitTaskStateChange reports a task's observed status, stop code
	// and timestamps, with its containers.
	SubmitTaskStateChange(ctx context.Context, in *types.SubmitTaskStateChangeInput) (*types.SubmitTaskStateChangeOutput, error)
	// SubmitTaskStateChanges reports several tasks' observed states, with
	// their containers, in one call; the agent batches its reports with
	// it.
	SubmitTaskStateChanges(ctx context.Context, in *types.SubmitTaskStateChangesInput) (*types.SubmitTaskStateChangesOutput, error)
	// SubmitContainerStateChange reports one container's observed state.
	SubmitContainerStateChange(ctx context.Context, in *types.SubmitContainerStateChangeInput) (*types.SubmitContainerStateChangeOutput, error)
}
