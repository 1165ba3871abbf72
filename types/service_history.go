package types

import "encoding/json"

// The deployment history of a service as ECS serves it
// (ListServiceDeployments, DescribeServiceDeployments,
// DescribeServiceRevisions): a service deployment moves the service from
// its source service revisions to a target one; a service revision is the
// configuration a deployment runs (its task definition and the service's
// network and load balancer settings).

// Service deployment statuses.
const (
	ServiceDeploymentPending            = "PENDING"
	ServiceDeploymentSuccessful         = "SUCCESSFUL"
	ServiceDeploymentStopped            = "STOPPED"
	ServiceDeploymentStopRequested      = "STOP_REQUESTED"
	ServiceDeploymentInProgress         = "IN_PROGRESS"
	ServiceDeploymentRollbackRequested  = "ROLLBACK_REQUESTED"
	ServiceDeploymentRollbackInProgress = "ROLLBACK_IN_PROGRESS"
	ServiceDeploymentRollbackSuccessful = "ROLLBACK_SUCCESSFUL"
	ServiceDeploymentRollbackFailed     = "ROLLBACK_FAILED"
)

// Statuses of a service deployment's circuit breaker and alarms.
const (
	RollbackMonitorTriggered          = "TRIGGERED"
	RollbackMonitorMonitoring         = "MONITORING"
	RollbackMonitorMonitoringComplete = "MONITORING_COMPLETE"
	RollbackMonitorDisabled           = "DISABLED"
)

// ServiceDeployment is one deployment of a service, kept after it ends.
type ServiceDeployment struct {
	ServiceDeploymentArn     string                           `json:"serviceDeploymentArn"`
	ServiceArn               string                           `json:"serviceArn"`
	ClusterArn               string                           `json:"clusterArn"`
	CreatedAt                Time                             `json:"createdAt,omitzero"`
	StartedAt                Time                             `json:"startedAt,omitzero"`
	FinishedAt               Time                             `json:"finishedAt,omitzero"`
	StoppedAt                Time                             `json:"stoppedAt,omitzero"`
	UpdatedAt                Time                             `json:"updatedAt,omitzero"`
	SourceServiceRevisions   []ServiceRevisionSummary         `json:"sourceServiceRevisions"`
	TargetServiceRevision    *ServiceRevisionSummary          `json:"targetServiceRevision,omitempty"`
	Status                   string                           `json:"status"`
	StatusReason             string                           `json:"statusReason,omitempty"`
	DeploymentConfiguration  *DeploymentConfiguration         `json:"deploymentConfiguration,omitempty"`
	Rollback                 *ServiceDeploymentRollback       `json:"rollback,omitempty"`
	DeploymentCircuitBreaker *ServiceDeploymentCircuitBreaker `json:"deploymentCircuitBreaker,omitempty"`
	Alarms                   *ServiceDeploymentAlarms         `json:"alarms,omitempty"`
}

// ServiceDeploymentBrief is a service deployment as ListServiceDeployments
// lists it.
type ServiceDeploymentBrief struct {
	ServiceDeploymentArn     string `json:"serviceDeploymentArn"`
	ServiceArn               string `json:"serviceArn"`
	ClusterArn               string `json:"clusterArn"`
	StartedAt                Time   `json:"startedAt,omitzero"`
	CreatedAt                Time   `json:"createdAt,omitzero"`
	FinishedAt               Time   `json:"finishedAt,omitzero"`
	TargetServiceRevisionArn string `json:"targetServiceRevisionArn,omitempty"`
	Status                   string `json:"status"`
	StatusReason             string `json:"statusReason,omitempty"`
}

// ServiceRevisionSummary counts the tasks of one service revision.
type ServiceRevisionSummary struct {
	Arn                string `json:"arn"`
	RequestedTaskCount int64  `json:"requestedTaskCount"`
	RunningTaskCount   int64  `json:"runningTaskCount"`
	PendingTaskCount   int64  `json:"pendingTaskCount"`
}

// ServiceCurrentRevisionSummary counts the tasks of a service revision
// the service runs now.
type ServiceCurrentRevisionSummary struct {
	Arn                string `json:"arn"`
	RequestedTaskCount int64  `json:"requestedTaskCount"`
	RunningTaskCount   int64  `json:"runningTaskCount"`
	PendingTaskCount   int64  `json:"pendingTaskCount"`
}

// ServiceDeploymentRollback tells what a rollback deployed.
type ServiceDeploymentRollback struct {
	Reason             string `json:"reason,omitempty"`
	StartedAt          Time   `json:"startedAt,omitzero"`
	ServiceRevisionArn string `json:"serviceRevisionArn,omitempty"`
}

// ServiceDeploymentCircuitBreaker is the circuit breaker's account of a
// service deployment.
type ServiceDeploymentCircuitBreaker struct {
	Status       string `json:"status"`
	FailureCount int64  `json:"failureCount"`
	Threshold    int64  `json:"threshold"`
}

// ServiceDeploymentAlarms is the alarms' account of a service deployment
// (ecskit has no CloudWatch alarms: always DISABLED).
type ServiceDeploymentAlarms struct {
	Status string `json:"status"`
}

// ServiceRevision is the configuration one deployment runs.
type ServiceRevision struct {
	ServiceRevisionArn   string            `json:"serviceRevisionArn"`
	ServiceArn           string            `json:"serviceArn"`
	ClusterArn           string            `json:"clusterArn"`
	TaskDefinition       string            `json:"taskDefinition"`
	LaunchType           string            `json:"launchType,omitempty"`
	ContainerImages      []ContainerImage  `json:"containerImages"`
	GuardDutyEnabled     bool              `json:"guardDutyEnabled"`
	NetworkConfiguration json.RawMessage   `json:"networkConfiguration,omitempty"`
	LoadBalancers        []json.RawMessage `json:"loadBalancers,omitempty"`
	ServiceRegistries    []json.RawMessage `json:"serviceRegistries,omitempty"`
	CreatedAt            Time              `json:"createdAt,omitzero"`
}

// ContainerImage is one container's image in a service revision.
type ContainerImage struct {
	ContainerName string `json:"containerName"`
	Image         string `json:"image"`
	ImageDigest   string `json:"imageDigest,omitempty"`
}

// ServiceDeploymentsCreatedAt filters deployments by creation time.
type ServiceDeploymentsCreatedAt struct {
	Before Time `json:"before,omitzero"`
	After  Time `json:"after,omitzero"`
}

// ListServiceDeploymentsInput is the request of ListServiceDeployments.
type ListServiceDeploymentsInput struct {
	Service    string                       `json:"service"`
	Cluster    string                       `json:"cluster,omitempty"`
	Status     []string                     `json:"status,omitempty"`
	CreatedAt  *ServiceDeploymentsCreatedAt `json:"createdAt,omitempty"`
	NextToken  string                       `json:"nextToken,omitempty"`
	MaxResults *int64                       `json:"maxResults,omitempty"`
}

// ListServiceDeploymentsOutput is the response of ListServiceDeployments.
type ListServiceDeploymentsOutput struct {
	ServiceDeployments []ServiceDeploymentBrief `json:"serviceDeployments"`
	NextToken          string                   `json:"nextToken,omitempty"`
}

// DescribeServiceDeploymentsInput is the request of
// DescribeServiceDeployments.
type DescribeServiceDeploymentsInput struct {
	ServiceDeploymentArns []string `json:"serviceDeploymentArns"`
}

// DescribeServiceDeploymentsOutput is the response of
// DescribeServiceDeployments.
type DescribeServiceDeploymentsOutput struct {
	ServiceDeployments []ServiceDeployment `json:"serviceDeployments"`
	Failures           []Failure           `json:"failures"`
}

// DescribeServiceRevisionsInput is the request of DescribeServiceRevisions.
type DescribeServiceRevisionsInput struct {
	ServiceRevisionArns []string `json:"serviceRevisionArns"`
}

// DescribeServiceRevisionsOutput is the response of
// DescribeServiceRevisions.
type DescribeServiceRevisionsOutput struct {
	ServiceRevisions []ServiceRevision `json:"serviceRevisions"`
	Failures         []Failure         `json:"failures"`
}
