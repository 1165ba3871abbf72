package types

import "encoding/json"

// Scheduling strategies of a service.
const (
	SchedulingStrategyReplica = "REPLICA"
	SchedulingStrategyDaemon  = "DAEMON"
)

// Deployment statuses: the newest deployment is PRIMARY, older ones that
// still have tasks are ACTIVE.
const (
	DeploymentStatusPrimary  = "PRIMARY"
	DeploymentStatusActive   = "ACTIVE"
	DeploymentStatusInactive = "INACTIVE"
)

// Deployment rollout states.
const (
	RolloutStateInProgress = "IN_PROGRESS"
	RolloutStateCompleted  = "COMPLETED"
	RolloutStateFailed     = "FAILED"
)

// Service is an ECS service: it keeps desiredCount tasks of a task
// definition running (REPLICA) or one task on every matching instance
// (DAEMON), and rolls out new task definitions in deployments.
type Service struct {
	ServiceArn                    string                   `json:"serviceArn"`
	ServiceName                   string                   `json:"serviceName"`
	ClusterArn                    string                   `json:"clusterArn"`
	LoadBalancers                 []json.RawMessage        `json:"loadBalancers"`
	ServiceRegistries             []json.RawMessage        `json:"serviceRegistries"`
	Status                        string                   `json:"status"`
	DesiredCount                  int64                    `json:"desiredCount"`
	RunningCount                  int64                    `json:"runningCount"`
	PendingCount                  int64                    `json:"pendingCount"`
	LaunchType                    string                   `json:"launchType,omitempty"`
	TaskDefinition                string                   `json:"taskDefinition,omitempty"`
	DeploymentConfiguration       *DeploymentConfiguration `json:"deploymentConfiguration,omitempty"`
	Deployments                   []Deployment             `json:"deployments"`
	RoleArn                       string                   `json:"roleArn,omitempty"`
	Events                        []ServiceEvent           `json:"events"`
	CreatedAt                     Time                     `json:"createdAt,omitzero"`
	CreatedBy                     string                   `json:"createdBy,omitempty"`
	PlacementConstraints          []PlacementConstraint    `json:"placementConstraints"`
	PlacementStrategy             []PlacementStrategy      `json:"placementStrategy"`
	NetworkConfiguration          json.RawMessage          `json:"networkConfiguration,omitempty"`
	HealthCheckGracePeriodSeconds *int64                   `json:"healthCheckGracePeriodSeconds,omitempty"`
	SchedulingStrategy            string                   `json:"schedulingStrategy"`
	DeploymentController          *DeploymentController    `json:"deploymentController,omitempty"`
	Tags                          []Tag                    `json:"tags,omitempty"`
	EnableECSManagedTags          bool                     `json:"enableECSManagedTags"`
	PropagateTags                 string                   `json:"propagateTags,omitempty"`
	EnableExecuteCommand          bool                     `json:"enableExecuteCommand"`
	AvailabilityZoneRebalancing   string                   `json:"availabilityZoneRebalancing,omitempty"`
	// CurrentServiceDeployment is the ARN of the service's newest service
	// deployment; CurrentServiceRevisions are the revisions it runs now.
	CurrentServiceDeployment string                          `json:"currentServiceDeployment,omitempty"`
	CurrentServiceRevisions  []ServiceCurrentRevisionSummary `json:"currentServiceRevisions,omitempty"`
}

// Deployment is one rollout of a task definition within a service.
type Deployment struct {
	Id                 string `json:"id"`
	Status             string `json:"status"`
	TaskDefinition     string `json:"taskDefinition"`
	DesiredCount       int64  `json:"desiredCount"`
	PendingCount       int64  `json:"pendingCount"`
	RunningCount       int64  `json:"runningCount"`
	FailedTasks        int64  `json:"failedTasks"`
	CreatedAt          Time   `json:"createdAt,omitzero"`
	UpdatedAt          Time   `json:"updatedAt,omitzero"`
	LaunchType         string `json:"launchType,omitempty"`
	RolloutState       string `json:"rolloutState,omitempty"`
	RolloutStateReason string `json:"rolloutStateReason,omitempty"`
}

// DeploymentConfiguration bounds a rolling deployment: how many tasks may
// run above, and must stay healthy below, the desired count.
type DeploymentConfiguration struct {
	DeploymentCircuitBreaker *DeploymentCircuitBreaker `json:"deploymentCircuitBreaker,omitempty"`
	// MaximumPercent caps the tasks (running, pending or stopping) at
	// floor(desiredCount × MaximumPercent / 100).
	MaximumPercent *int64 `json:"maximumPercent,omitempty"`
	// MinimumHealthyPercent keeps ceil(desiredCount × MinimumHealthyPercent
	// / 100) tasks healthy.
	MinimumHealthyPercent *int64 `json:"minimumHealthyPercent,omitempty"`
	// Strategy is ROLLING, the only strategy ecskit runs.
	Strategy          string          `json:"strategy,omitempty"`
	Alarms            json.RawMessage `json:"alarms,omitempty"`
	BakeTimeInMinutes *int64          `json:"bakeTimeInMinutes,omitempty"`
}

// DeploymentCircuitBreaker fails a deployment whose tasks keep failing and,
// with Rollback, rolls back to the last completed deployment.
type DeploymentCircuitBreaker struct {
	Enable   bool `json:"enable"`
	Rollback bool `json:"rollback"`
	// ResetOnHealthyTask resets the failure count when a task becomes
	// healthy (default true).
	ResetOnHealthyTask     *bool                   `json:"resetOnHealthyTask,omitempty"`
	ThresholdConfiguration *ThresholdConfiguration `json:"thresholdConfiguration,omitempty"`
}

// Circuit breaker threshold types.
const (
	ThresholdCount            = "COUNT"
	ThresholdBoundedPercent   = "BOUNDED_PERCENT"
	ThresholdUnboundedPercent = "UNBOUNDED_PERCENT"
)

// ThresholdConfiguration sets how many failed tasks trip the breaker: a
// COUNT, or a percentage of the desired count (BOUNDED_PERCENT, default 50,
// clamped to 3–200; UNBOUNDED_PERCENT, at least 1).
type ThresholdConfiguration struct {
	Type  string `json:"type,omitempty"`
	Value int64  `json:"value,omitempty"`
}

// DeploymentController names who runs deployments; ecskit runs ECS.
type DeploymentController struct {
	Type string `json:"type"`
}

// ServiceEvent is one entry of a service's event log.
type ServiceEvent struct {
	Id        string `json:"id"`
	CreatedAt Time   `json:"createdAt,omitzero"`
	Message   string `json:"message"`
}

// CreateServiceInput is the request of CreateService.
type CreateServiceInput struct {
	Cluster                       string                   `json:"cluster,omitempty"`
	ServiceName                   string                   `json:"serviceName"`
	TaskDefinition                string                   `json:"taskDefinition,omitempty"`
	DesiredCount                  *int64                   `json:"desiredCount,omitempty"`
	ClientToken                   string                   `json:"clientToken,omitempty"`
	LaunchType                    string                   `json:"launchType,omitempty"`
	Role                          string                   `json:"role,omitempty"`
	DeploymentConfiguration       *DeploymentConfiguration `json:"deploymentConfiguration,omitempty"`
	PlacementConstraints          []PlacementConstraint    `json:"placementConstraints,omitempty"`
	PlacementStrategy             []PlacementStrategy      `json:"placementStrategy,omitempty"`
	HealthCheckGracePeriodSeconds *int64                   `json:"healthCheckGracePeriodSeconds,omitempty"`
	SchedulingStrategy            string                   `json:"schedulingStrategy,omitempty"`
	DeploymentController          *DeploymentController    `json:"deploymentController,omitempty"`
	Tags                          []Tag                    `json:"tags,omitempty"`
	EnableECSManagedTags          bool                     `json:"enableECSManagedTags,omitempty"`
	PropagateTags                 string                   `json:"propagateTags,omitempty"`
	EnableExecuteCommand          bool                     `json:"enableExecuteCommand,omitempty"`
	AvailabilityZoneRebalancing   string                   `json:"availabilityZoneRebalancing,omitempty"`
	LoadBalancers                 []json.RawMessage        `json:"loadBalancers,omitempty"`
	ServiceRegistries             []json.RawMessage        `json:"serviceRegistries,omitempty"`
	NetworkConfiguration          json.RawMessage          `json:"networkConfiguration,omitempty"`
	PlatformVersion               string                   `json:"platformVersion,omitempty"`
	CapacityProviderStrategy      json.RawMessage          `json:"capacityProviderStrategy,omitempty"`
}

// CreateServiceOutput is the response of CreateService.
type CreateServiceOutput struct {
	Service *Service `json:"service"`
}

// UpdateServiceInput is the request of UpdateService. Nil fields are left
// as they are; an empty (non-nil) placement list clears it.
type UpdateServiceInput struct {
	Cluster                       string                   `json:"cluster,omitempty"`
	Service                       string                   `json:"service"`
	DesiredCount                  *int64                   `json:"desiredCount,omitempty"`
	TaskDefinition                string                   `json:"taskDefinition,omitempty"`
	DeploymentConfiguration       *DeploymentConfiguration `json:"deploymentConfiguration,omitempty"`
	PlacementConstraints          []PlacementConstraint    `json:"placementConstraints,omitempty"`
	PlacementStrategy             []PlacementStrategy      `json:"placementStrategy,omitempty"`
	ForceNewDeployment            bool                     `json:"forceNewDeployment,omitempty"`
	HealthCheckGracePeriodSeconds *int64                   `json:"healthCheckGracePeriodSeconds,omitempty"`
	EnableExecuteCommand          *bool                    `json:"enableExecuteCommand,omitempty"`
	EnableECSManagedTags          *bool                    `json:"enableECSManagedTags,omitempty"`
	PropagateTags                 string                   `json:"propagateTags,omitempty"`
	NetworkConfiguration          json.RawMessage          `json:"networkConfiguration,omitempty"`
	PlatformVersion               string                   `json:"platformVersion,omitempty"`
	AvailabilityZoneRebalancing   string                   `json:"availabilityZoneRebalancing,omitempty"`
}

// UpdateServiceOutput is the response of UpdateService.
type UpdateServiceOutput struct {
	Service *Service `json:"service"`
}

// DeleteServiceInput is the request of DeleteService.
type DeleteServiceInput struct {
	Cluster string `json:"cluster,omitempty"`
	Service string `json:"service"`
	Force   *bool  `json:"force,omitempty"`
}

// DeleteServiceOutput is the response of DeleteService.
type DeleteServiceOutput struct {
	Service *Service `json:"service"`
}

// DescribeServicesInput is the request of DescribeServices.
type DescribeServicesInput struct {
	Cluster  string   `json:"cluster,omitempty"`
	Services []string `json:"services"`
	Include  []string `json:"include,omitempty"`
}

// DescribeServicesOutput is the response of DescribeServices.
type DescribeServicesOutput struct {
	Services []Service `json:"services"`
	Failures []Failure `json:"failures"`
}

// ListServicesInput is the request of ListServices.
type ListServicesInput struct {
	Cluster            string `json:"cluster,omitempty"`
	LaunchType         string `json:"launchType,omitempty"`
	SchedulingStrategy string `json:"schedulingStrategy,omitempty"`
	MaxResults         *int64 `json:"maxResults,omitempty"`
	NextToken          string `json:"nextToken,omitempty"`
}

// ListServicesOutput is the response of ListServices.
type ListServicesOutput struct {
	ServiceArns []string `json:"serviceArns"`
	NextToken   string   `json:"nextToken,omitempty"`
}
