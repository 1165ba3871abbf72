package types

// The calls an agent makes. RegisterContainerInstance, SubmitTaskStateChange
// and SubmitContainerStateChange are ECS's own; PollTasks stands in for
// ECS's agent communication service: a long poll that hands an agent the
// desired state of its tasks and doubles as its heartbeat.

// RegisterContainerInstanceInput is the request of RegisterContainerInstance.
type RegisterContainerInstanceInput struct {
	Cluster                           string       `json:"cluster,omitempty"`
	InstanceIdentityDocument          string       `json:"instanceIdentityDocument,omitempty"`
	InstanceIdentityDocumentSignature string       `json:"instanceIdentityDocumentSignature,omitempty"`
	TotalResources                    []Resource   `json:"totalResources,omitempty"`
	VersionInfo                       *VersionInfo `json:"versionInfo,omitempty"`
	// ContainerInstanceArn re-registers an existing instance.
	ContainerInstanceArn string      `json:"containerInstanceArn,omitempty"`
	Attributes           []Attribute `json:"attributes,omitempty"`
	Tags                 []Tag       `json:"tags,omitempty"`
}

// RegisterContainerInstanceOutput is the response of RegisterContainerInstance.
type RegisterContainerInstanceOutput struct {
	ContainerInstance *ContainerInstance `json:"containerInstance"`
}

// PollTasksInput asks for the tasks assigned to one instance.
type PollTasksInput struct {
	Cluster           string `json:"cluster,omitempty"`
	ContainerInstance string `json:"containerInstance"`
	// AfterRevision makes the call wait until the instance's assignments
	// change after this revision (0 answers at once).
	AfterRevision int64 `json:"afterRevision,omitempty"`
	// WaitSeconds bounds the wait (default 20).
	WaitSeconds int64 `json:"waitSeconds,omitempty"`
	// Incremental asks for the tasks that changed after AfterRevision
	// only, rather than every task (see PollTasksOutput.Incremental).
	Incremental bool `json:"incremental,omitempty"`
}

// AssignedTask is a task as its agent receives it: the task with its
// desired status and the task definition it runs.
type AssignedTask struct {
	Task           *Task           `json:"task"`
	TaskDefinition *TaskDefinition `json:"taskDefinition"`
}

// PollTasksOutput lists every task assigned to the instance that is not yet
// STOPPED, or desired STOPPED but not yet reported STOPPED; an incremental
// answer lists only those that changed.
type PollTasksOutput struct {
	Tasks []AssignedTask `json:"tasks"`
	// Revision is the revision the answer reflects; pass it back as
	// AfterRevision.
	Revision int64 `json:"revision"`
	// Incremental is set when Tasks holds only the tasks that changed after
	// the poll's AfterRevision, and Removed the ARNs of those that left the
	// list (STOPPED or forgotten). When it is not set, Tasks is the whole
	// list, as for a poll that did not ask for changes only.
	Incremental bool     `json:"incremental,omitempty"`
	Removed     []string `json:"removed,omitempty"`
}

// ContainerStateChange reports one container's observed state.
type ContainerStateChange struct {
	ContainerName   string           `json:"containerName"`
	RuntimeId       string           `json:"runtimeId,omitempty"`
	Status          string           `json:"status"`
	ExitCode        *int64           `json:"exitCode,omitempty"`
	Reason          string           `json:"reason,omitempty"`
	NetworkBindings []NetworkBinding `json:"networkBindings,omitempty"`
	ImageDigest     string           `json:"imageDigest,omitempty"`
	// HealthStatus is ecskit's addition: ECS carries health over a
	// separate telemetry channel.
	HealthStatus string `json:"healthStatus,omitempty"`
}

// SubmitTaskStateChangeInput reports a task's observed state.
type SubmitTaskStateChangeInput struct {
	Cluster            string                 `json:"cluster,omitempty"`
	Task               string                 `json:"task"`
	Status             string                 `json:"status"`
	Reason             string                 `json:"reason,omitempty"`
	Containers         []ContainerStateChange `json:"containers,omitempty"`
	PullStartedAt      Time                   `json:"pullStartedAt,omitzero"`
	PullStoppedAt      Time                   `json:"pullStoppedAt,omitzero"`
	ExecutionStoppedAt Time                   `json:"executionStoppedAt,omitzero"`
	// StopCode is ecskit's addition: the agent's account of why the task
	// stopped (TaskFailedToStart or EssentialContainerExited).
	StopCode string `json:"stopCode,omitempty"`
}

// SubmitTaskStateChangeOutput acknowledges a task state change.
type SubmitTaskStateChangeOutput struct {
	Acknowledgment string `json:"acknowledgment"`
}

// SubmitContainerStateChangeInput reports one container's observed state.
type SubmitContainerStateChangeInput struct {
	Cluster         string           `json:"cluster,omitempty"`
	Task            string           `json:"task"`
	ContainerName   string           `json:"containerName"`
	RuntimeId       string           `json:"runtimeId,omitempty"`
	Status          string           `json:"status"`
	ExitCode        *int64           `json:"exitCode,omitempty"`
	Reason          string           `json:"reason,omitempty"`
	NetworkBindings []NetworkBinding `json:"networkBindings,omitempty"`
	HealthStatus    string           `json:"healthStatus,omitempty"`
}

// SubmitContainerStateChangeOutput acknowledges a container state change.
type SubmitContainerStateChangeOutput struct {
	Acknowledgment string `json:"acknowledgment"`
}

// MaxTaskStateChanges is how many state changes one
// SubmitTaskStateChanges call may carry.
const MaxTaskStateChanges = 50

// SubmitTaskStateChangesInput reports the observed state of several tasks
// at once (at most MaxTaskStateChanges), so that an agent whose tasks
// change together costs the control plane one transaction. It is ecskit's
// addition.
type SubmitTaskStateChangesInput struct {
	// Cluster applies to every change that names none.
	Cluster string                       `json:"cluster,omitempty"`
	Changes []SubmitTaskStateChangeInput `json:"changes"`
}

// SubmitTaskStateChangesOutput acknowledges a batch of task state changes;
// Failures names (by the task the change named) each change that was not
// recorded, with the error code as Reason.
type SubmitTaskStateChangesOutput struct {
	Acknowledgment string    `json:"acknowledgment"`
	Failures       []Failure `json:"failures"`
}
