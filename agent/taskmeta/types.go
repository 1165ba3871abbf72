package taskmeta

import "time"

// TaskResponse is the task metadata document of ${ECS_CONTAINER_METADATA_URI_V4}/task
// and /taskWithTags (the tags and Errors only in the latter), with the ECS
// agent's field names. Version 3 serves the same document without the
// fields marked v4.
type TaskResponse struct {
	Cluster       string `json:"Cluster"`
	TaskARN       string `json:"TaskARN"`
	Family        string `json:"Family"`
	Revision      string `json:"Revision"`
	DesiredStatus string `json:"DesiredStatus,omitempty"`
	KnownStatus   string `json:"KnownStatus"`
	// ServiceName is the service that started the task (v4).
	ServiceName string `json:"ServiceName,omitempty"`
	// Limits are the task-level cpu (vCPU) and memory (MiB); omitted when
	// the task definition sets neither.
	Limits             *Limits    `json:"Limits,omitempty"`
	PullStartedAt      *time.Time `json:"PullStartedAt,omitempty"`
	PullStoppedAt      *time.Time `json:"PullStoppedAt,omitempty"`
	ExecutionStoppedAt *time.Time `json:"ExecutionStoppedAt,omitempty"`
	AvailabilityZone   string     `json:"AvailabilityZone,omitempty"`
	// TaskTags and ContainerInstanceTags are in /taskWithTags only.
	TaskTags              map[string]string `json:"TaskTags,omitempty"`
	ContainerInstanceTags map[string]string `json:"ContainerInstanceTags,omitempty"`
	// Errors reports tags that could not be read (/taskWithTags).
	Errors []ErrorResponse `json:"Errors,omitempty"`
	// LaunchType is EC2 (v4).
	LaunchType string              `json:"LaunchType,omitempty"`
	Containers []ContainerResponse `json:"Containers"`
}

// ContainerResponse is the container metadata document of
// ${ECS_CONTAINER_METADATA_URI_V4}, and one entry of TaskResponse.Containers.
type ContainerResponse struct {
	DockerID   string            `json:"DockerId"`
	Name       string            `json:"Name"`
	DockerName string            `json:"DockerName"`
	Image      string            `json:"Image"`
	ImageID    string            `json:"ImageID"`
	Ports      []Port            `json:"Ports,omitempty"`
	Labels     map[string]string `json:"Labels,omitempty"`
	// DesiredStatus and KnownStatus are the agent's: NONE, PULLED, CREATED,
	// RUNNING, STOPPED.
	DesiredStatus string `json:"DesiredStatus"`
	KnownStatus   string `json:"KnownStatus"`
	// ExitCode is set once the container exited.
	ExitCode   *int64     `json:"ExitCode,omitempty"`
	Limits     Limits     `json:"Limits"`
	CreatedAt  *time.Time `json:"CreatedAt,omitempty"`
	StartedAt  *time.Time `json:"StartedAt,omitempty"`
	FinishedAt *time.Time `json:"FinishedAt,omitempty"`
	// Type is NORMAL for the containers of the task definition.
	Type string `json:"Type"`
	// LogDriver, LogOptions and ContainerARN are v4 fields.
	LogDriver    string            `json:"LogDriver,omitempty"`
	LogOptions   map[string]string `json:"LogOptions,omitempty"`
	ContainerARN string            `json:"ContainerARN,omitempty"`
	Networks     []Network         `json:"Networks,omitempty"`
	// Health is set for containers with a health check.
	Health *Health `json:"Health,omitempty"`
}

// Limits are CPU (container: CPU units; task: vCPU) and memory (MiB).
type Limits struct {
	CPU    float64 `json:"CPU"`
	Memory int64   `json:"Memory"`
}

// Port is a port mapping in effect.
type Port struct {
	ContainerPort int    `json:"ContainerPort,omitempty"`
	Protocol      string `json:"Protocol,omitempty"`
	HostPort      int    `json:"HostPort,omitempty"`
	HostIP        string `json:"HostIp,omitempty"`
}

// Network is one network of a container. The awsvpc fields (attachment,
// MAC address, subnet) are never set: this agent runs no awsvpc tasks.
type Network struct {
	NetworkMode              string   `json:"NetworkMode"`
	IPv4Addresses            []string `json:"IPv4Addresses,omitempty"`
	AttachmentIndex          *int     `json:"AttachmentIndex,omitempty"`
	MACAddress               string   `json:"MACAddress,omitempty"`
	IPv4SubnetCIDRBlock      string   `json:"IPv4SubnetCIDRBlock,omitempty"`
	PrivateDNSName           string   `json:"PrivateDNSName,omitempty"`
	SubnetGatewayIpv4Address string   `json:"SubnetGatewayIpv4Address,omitempty"`
}

// Health is a container's health as the agent knows it.
type Health struct {
	Status      string     `json:"status,omitempty"`
	StatusSince *time.Time `json:"statusSince,omitempty"`
	ExitCode    int        `json:"exitCode,omitempty"`
	Output      string     `json:"output,omitempty"`
}

// ErrorResponse is one entry of TaskResponse.Errors.
type ErrorResponse struct {
	ErrorField   string `json:"ErrorField"`
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
	StatusCode   int    `json:"StatusCode"`
	RequestID    string `json:"RequestId"`
	ResourceARN  string `json:"ResourceARN"`
}

// CredentialsResponse is the document of
// 169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, which the AWS SDKs'
// container credential provider reads.
type CredentialsResponse struct {
	RoleArn         string    `json:"RoleArn"`
	AccessKeyID     string    `json:"AccessKeyId"`
	SecretAccessKey string    `json:"SecretAccessKey"`
	Token           string    `json:"Token"`
	Expiration      time.Time `json:"Expiration"`
}

// v3 returns the version 3 form of a container document: without the
// fields version 4 added.
func (c ContainerResponse) v3() ContainerResponse {
	c.LogDriver, c.LogOptions, c.ContainerARN = "", nil, ""
	var nets []Network
	for _, n := range c.Networks {
		nets = append(nets, Network{NetworkMode: n.NetworkMode, IPv4Addresses: n.IPv4Addresses})
	}
	c.Networks = nets
	return c
}

// v3 returns the version 3 form of a task document.
func (t TaskResponse) v3() TaskResponse {
	t.LaunchType, t.ServiceName = "", ""
	t.TaskTags, t.ContainerInstanceTags, t.Errors = nil, nil, nil
	cs := make([]ContainerResponse, len(t.Containers))
	for i, c := range t.Containers {
		cs[i] = c.v3()
	}
	t.Containers = cs
	return t
}
