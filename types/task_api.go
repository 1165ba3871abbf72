package types

import "encoding/json"

// RunTaskInput is the request of RunTask.
type RunTaskInput struct {
	Cluster                  string                `json:"cluster,omitempty"`
	TaskDefinition           string                `json:"taskDefinition"`
	Count                    *int64                `json:"count,omitempty"`
	Group                    string                `json:"group,omitempty"`
	StartedBy                string                `json:"startedBy,omitempty"`
	Overrides                *TaskOverride         `json:"overrides,omitempty"`
	PlacementConstraints     []PlacementConstraint `json:"placementConstraints,omitempty"`
	PlacementStrategy        []PlacementStrategy   `json:"placementStrategy,omitempty"`
	LaunchType               string                `json:"launchType,omitempty"`
	Tags                     []Tag                 `json:"tags,omitempty"`
	PropagateTags            string                `json:"propagateTags,omitempty"`
	EnableECSManagedTags     bool                  `json:"enableECSManagedTags,omitempty"`
	EnableExecuteCommand     bool                  `json:"enableExecuteCommand,omitempty"`
	ClientToken              string                `json:"clientToken,omitempty"`
	ReferenceId              string                `json:"referenceId,omitempty"`
	PlatformVersion          string                `json:"platformVersion,omitempty"`
	NetworkConfiguration     json.RawMessage       `json:"networkConfiguration,omitempty"`
	CapacityProviderStrategy json.RawMessage       `json:"capacityProviderStrategy,omitempty"`
}

// RunTaskOutput is the response of RunTask.
type RunTaskOutput struct {
	Tasks    []Task    `json:"tasks"`
	Failures []Failure `json:"failures"`
}

// StartTaskInput is the request of StartTask.
type StartTaskInput struct {
	Cluster              string          `json:"cluster,omitempty"`
	TaskDefinition       string          `json:"taskDefinition"`
	ContainerInstances   []string        `json:"containerInstances"`
	Group                string          `json:"group,omitempty"`
	StartedBy            string          `json:"startedBy,omitempty"`
	Overrides            *TaskOverride   `json:"overrides,omitempty"`
	Tags                 []Tag           `json:"tags,omitempty"`
	PropagateTags        string          `json:"propagateTags,omitempty"`
	EnableECSManagedTags bool            `json:"enableECSManagedTags,omitempty"`
	EnableExecuteCommand bool            `json:"enableExecuteCommand,omitempty"`
	ReferenceId          string          `json:"referenceId,omitempty"`
	NetworkConfiguration json.RawMessage `json:"networkConfiguration,omitempty"`
}

// StartTaskOutput is the response of StartTask.
type StartTaskOutput struct {
	Tasks    []Task    `json:"tasks"`
	Failures []Failure `json:"failures"`
}

// StopTaskInput is the request of StopTask.
type StopTaskInput struct {
	Cluster string `json:"cluster,omitempty"`
	Task    string `json:"task"`
	Reason  string `json:"reason,omitempty"`
}

// StopTaskOutput is the response of StopTask.
type StopTaskOutput struct {
	Task *Task `json:"task"`
}

// DescribeTasksInput is the request of DescribeTasks.
type DescribeTasksInput struct {
	Cluster string   `json:"cluster,omitempty"`
	Tasks   []string `json:"tasks"`
	Include []string `json:"include,omitempty"`
}

// DescribeTasksOutput is the response of DescribeTasks.
type DescribeTasksOutput struct {
	Tasks    []Task    `json:"tasks"`
	Failures []Failure `json:"failures"`
}

// ListTasksInput is the request of ListTasks.
type ListTasksInput struct {
	Cluster           string `json:"cluster,omitempty"`
	ContainerInstance string `json:"containerInstance,omitempty"`
	Family            string `json:"family,omitempty"`
	ServiceName       string `json:"serviceName,omitempty"`
	StartedBy         string `json:"startedBy,omitempty"`
	DesiredStatus     string `json:"desiredStatus,omitempty"`
	LaunchType        string `json:"launchType,omitempty"`
	MaxResults        *int64 `json:"maxResults,omitempty"`
	NextToken         string `json:"nextToken,omitempty"`
}

// ListTasksOutput is the response of ListTasks.
type ListTasksOutput struct {
	TaskArns  []string `json:"taskArns"`
	NextToken string   `json:"nextToken,omitempty"`
}
