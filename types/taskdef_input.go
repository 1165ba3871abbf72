package types

// RegisterTaskDefinitionInput is the request of RegisterTaskDefinition,
// with ECS's JSON names; `aws ecs register-task-definition --cli-input-json`
// files decode into it.
type RegisterTaskDefinitionInput struct {
	Family                  string                              `json:"family"`
	TaskRoleArn             string                              `json:"taskRoleArn,omitempty"`
	ExecutionRoleArn        string                              `json:"executionRoleArn,omitempty"`
	NetworkMode             string                              `json:"networkMode,omitempty"`
	ContainerDefinitions    []ContainerDefinition               `json:"containerDefinitions"`
	Volumes                 []Volume                            `json:"volumes,omitempty"`
	PlacementConstraints    []TaskDefinitionPlacementConstraint `json:"placementConstraints,omitempty"`
	RequiresCompatibilities []string                            `json:"requiresCompatibilities,omitempty"`
	Cpu                     string                              `json:"cpu,omitempty"`
	Memory                  string                              `json:"memory,omitempty"`
	Tags                    []Tag                               `json:"tags,omitempty"`
	PidMode                 string                              `json:"pidMode,omitempty"`
	IpcMode                 string                              `json:"ipcMode,omitempty"`
	ProxyConfiguration      *ProxyConfiguration                 `json:"proxyConfiguration,omitempty"`
	InferenceAccelerators   []InferenceAccelerator              `json:"inferenceAccelerators,omitempty"`
	EphemeralStorage        *EphemeralStorage                   `json:"ephemeralStorage,omitempty"`
	RuntimePlatform         *RuntimePlatform                    `json:"runtimePlatform,omitempty"`
	EnableFaultInjection    *bool                               `json:"enableFaultInjection,omitempty"`
}

// RegisterTaskDefinitionOutput is the response of RegisterTaskDefinition.
type RegisterTaskDefinitionOutput struct {
	TaskDefinition *TaskDefinition `json:"taskDefinition"`
	Tags           []Tag           `json:"tags"`
}
