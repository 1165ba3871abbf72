package types

// Cluster is an ECS cluster with its counts.
type Cluster struct {
	ClusterArn                        string           `json:"clusterArn"`
	ClusterName                       string           `json:"clusterName"`
	Status                            string           `json:"status"`
	RegisteredContainerInstancesCount int64            `json:"registeredContainerInstancesCount"`
	RunningTasksCount                 int64            `json:"runningTasksCount"`
	PendingTasksCount                 int64            `json:"pendingTasksCount"`
	ActiveServicesCount               int64            `json:"activeServicesCount"`
	Statistics                        []KeyValuePair   `json:"statistics"`
	Tags                              []Tag            `json:"tags"`
	Settings                          []ClusterSetting `json:"settings,omitempty"`
}

// ClusterSetting is a cluster setting such as containerInsights.
type ClusterSetting struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Status values shared by clusters, instances and services.
const (
	StatusActive   = "ACTIVE"
	StatusDraining = "DRAINING"
	StatusInactive = "INACTIVE"
)

// Resource is a container instance resource (CPU, MEMORY, PORTS,
// PORTS_UDP).
type Resource struct {
	Name           string   `json:"name"`
	Type           string   `json:"type"`
	DoubleValue    float64  `json:"doubleValue"`
	LongValue      int64    `json:"longValue"`
	IntegerValue   int64    `json:"integerValue"`
	StringSetValue []string `json:"stringSetValue,omitempty"`
}

// Resource names.
const (
	ResourceCPU      = "CPU"
	ResourceMemory   = "MEMORY"
	ResourcePorts    = "PORTS"
	ResourcePortsUDP = "PORTS_UDP"
)

// VersionInfo describes the agent and engine of an instance.
type VersionInfo struct {
	AgentVersion  string `json:"agentVersion,omitempty"`
	AgentHash     string `json:"agentHash,omitempty"`
	DockerVersion string `json:"dockerVersion,omitempty"`
}

// ContainerInstance is a registered container engine.
type ContainerInstance struct {
	ContainerInstanceArn string      `json:"containerInstanceArn"`
	Ec2InstanceId        string      `json:"ec2InstanceId,omitempty"`
	Version              int64       `json:"version"`
	VersionInfo          VersionInfo `json:"versionInfo"`
	RemainingResources   []Resource  `json:"remainingResources"`
	RegisteredResources  []Resource  `json:"registeredResources"`
	Status               string      `json:"status"`
	StatusReason         string      `json:"statusReason,omitempty"`
	AgentConnected       bool        `json:"agentConnected"`
	RunningTasksCount    int64       `json:"runningTasksCount"`
	PendingTasksCount    int64       `json:"pendingTasksCount"`
	Attributes           []Attribute `json:"attributes"`
	RegisteredAt         Time        `json:"registeredAt,omitzero"`
	Tags                 []Tag       `json:"tags,omitempty"`
}

// Task statuses (lastStatus and desiredStatus).
const (
	TaskStatusProvisioning = "PROVISIONING"
	TaskStatusPending      = "PENDING"
	TaskStatusActivating   = "ACTIVATING"
	TaskStatusRunning      = "RUNNING"
	TaskStatusDeactivating = "DEACTIVATING"
	TaskStatusStopping     = "STOPPING"
	TaskStatusStopped      = "STOPPED"
)

// Stop codes.
const (
	StopCodeTaskFailedToStart         = "TaskFailedToStart"
	StopCodeEssentialContainerExited  = "EssentialContainerExited"
	StopCodeUserInitiated             = "UserInitiated"
	StopCodeServiceSchedulerInitiated = "ServiceSchedulerInitiated"
)

// Health statuses.
const (
	HealthHealthy   = "HEALTHY"
	HealthUnhealthy = "UNHEALTHY"
	HealthUnknown   = "UNKNOWN"
)

// Task is a running (or stopped) instantiation of a task definition.
type Task struct {
	TaskArn              string        `json:"taskArn"`
	ClusterArn           string        `json:"clusterArn"`
	TaskDefinitionArn    string        `json:"taskDefinitionArn"`
	ContainerInstanceArn string        `json:"containerInstanceArn,omitempty"`
	Overrides            *TaskOverride `json:"overrides,omitempty"`
	LastStatus           string        `json:"lastStatus"`
	DesiredStatus        string        `json:"desiredStatus"`
	HealthStatus         string        `json:"healthStatus,omitempty"`
	Cpu                  string        `json:"cpu,omitempty"`
	Memory               string        `json:"memory,omitempty"`
	Containers           []Container   `json:"containers"`
	StartedBy            string        `json:"startedBy,omitempty"`
	Version              int64         `json:"version"`
	StopCode             string        `json:"stopCode,omitempty"`
	StoppedReason        string        `json:"stoppedReason,omitempty"`
	Connectivity         string        `json:"connectivity,omitempty"`
	ConnectivityAt       Time          `json:"connectivityAt,omitzero"`
	PullStartedAt        Time          `json:"pullStartedAt,omitzero"`
	PullStoppedAt        Time          `json:"pullStoppedAt,omitzero"`
	ExecutionStoppedAt   Time          `json:"executionStoppedAt,omitzero"`
	CreatedAt            Time          `json:"createdAt,omitzero"`
	StartedAt            Time          `json:"startedAt,omitzero"`
	StoppingAt           Time          `json:"stoppingAt,omitzero"`
	StoppedAt            Time          `json:"stoppedAt,omitzero"`
	Group                string        `json:"group,omitempty"`
	LaunchType           string        `json:"launchType,omitempty"`
	AvailabilityZone     string        `json:"availabilityZone,omitempty"`
	Attributes           []Attribute   `json:"attributes,omitempty"`
	Tags                 []Tag         `json:"tags,omitempty"`
	EnableExecuteCommand bool          `json:"enableExecuteCommand"`
}

// Container is one container of a task.
type Container struct {
	ContainerArn      string           `json:"containerArn"`
	TaskArn           string           `json:"taskArn"`
	Name              string           `json:"name"`
	Image             string           `json:"image,omitempty"`
	ImageDigest       string           `json:"imageDigest,omitempty"`
	RuntimeId         string           `json:"runtimeId,omitempty"`
	LastStatus        string           `json:"lastStatus"`
	ExitCode          *int64           `json:"exitCode,omitempty"`
	Reason            string           `json:"reason,omitempty"`
	NetworkBindings   []NetworkBinding `json:"networkBindings"`
	HealthStatus      string           `json:"healthStatus,omitempty"`
	Cpu               string           `json:"cpu,omitempty"`
	Memory            string           `json:"memory,omitempty"`
	MemoryReservation string           `json:"memoryReservation,omitempty"`
}

// NetworkBinding is a container port bound on the host.
type NetworkBinding struct {
	BindIP        string `json:"bindIP,omitempty"`
	ContainerPort int64  `json:"containerPort,omitempty"`
	HostPort      int64  `json:"hostPort,omitempty"`
	Protocol      string `json:"protocol,omitempty"`
}

// TaskOverride changes a task's containers at launch.
type TaskOverride struct {
	ContainerOverrides []ContainerOverride `json:"containerOverrides,omitempty"`
	Cpu                string              `json:"cpu,omitempty"`
	Memory             string              `json:"memory,omitempty"`
	TaskRoleArn        string              `json:"taskRoleArn,omitempty"`
	ExecutionRoleArn   string              `json:"executionRoleArn,omitempty"`
}

// ContainerOverride changes one container at launch.
type ContainerOverride struct {
	Name                 string                `json:"name,omitempty"`
	Command              []string              `json:"command,omitempty"`
	Environment          []KeyValuePair        `json:"environment,omitempty"`
	EnvironmentFiles     []EnvironmentFile     `json:"environmentFiles,omitempty"`
	Cpu                  *int64                `json:"cpu,omitempty"`
	Memory               *int64                `json:"memory,omitempty"`
	MemoryReservation    *int64                `json:"memoryReservation,omitempty"`
	ResourceRequirements []ResourceRequirement `json:"resourceRequirements,omitempty"`
}

// PlacementConstraint is a RunTask or service placement constraint.
type PlacementConstraint struct {
	Type       string `json:"type,omitempty"`
	Expression string `json:"expression,omitempty"`
}

// PlacementStrategy is a RunTask or service placement strategy.
type PlacementStrategy struct {
	Type  string `json:"type,omitempty"`
	Field string `json:"field,omitempty"`
}

// Failure reports an item a call could not act on.
type Failure struct {
	Arn    string `json:"arn,omitempty"`
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
}
