package types

// TaskDefinition is a registered task definition, with ECS's JSON field
// names. The output-only fields (TaskDefinitionArn, Revision, Status,
// RequiresAttributes, Compatibilities, RegisteredAt, RegisteredBy,
// DeregisteredAt, DeleteRequestedAt) are set by the control plane.
type TaskDefinition struct {
	TaskDefinitionArn       string                              `json:"taskDefinitionArn,omitempty"`
	Family                  string                              `json:"family"`
	Revision                int64                               `json:"revision,omitempty"`
	Status                  string                              `json:"status,omitempty"`
	TaskRoleArn             string                              `json:"taskRoleArn,omitempty"`
	ExecutionRoleArn        string                              `json:"executionRoleArn,omitempty"`
	NetworkMode             string                              `json:"networkMode,omitempty"`
	ContainerDefinitions    []ContainerDefinition               `json:"containerDefinitions"`
	Volumes                 []Volume                            `json:"volumes"`
	PlacementConstraints    []TaskDefinitionPlacementConstraint `json:"placementConstraints"`
	RequiresCompatibilities []string                            `json:"requiresCompatibilities,omitempty"`
	Compatibilities         []string                            `json:"compatibilities,omitempty"`
	RequiresAttributes      []Attribute                         `json:"requiresAttributes,omitempty"`
	Cpu                     string                              `json:"cpu,omitempty"`
	Memory                  string                              `json:"memory,omitempty"`
	PidMode                 string                              `json:"pidMode,omitempty"`
	IpcMode                 string                              `json:"ipcMode,omitempty"`
	ProxyConfiguration      *ProxyConfiguration                 `json:"proxyConfiguration,omitempty"`
	InferenceAccelerators   []InferenceAccelerator              `json:"inferenceAccelerators,omitempty"`
	EphemeralStorage        *EphemeralStorage                   `json:"ephemeralStorage,omitempty"`
	RuntimePlatform         *RuntimePlatform                    `json:"runtimePlatform,omitempty"`
	EnableFaultInjection    *bool                               `json:"enableFaultInjection,omitempty"`
	RegisteredAt            Time                                `json:"registeredAt,omitzero"`
	RegisteredBy            string                              `json:"registeredBy,omitempty"`
	DeregisteredAt          Time                                `json:"deregisteredAt,omitzero"`
	DeleteRequestedAt       Time                                `json:"deleteRequestedAt,omitzero"`
}

// EffectiveNetworkMode is the task definition's network mode, with the
// default bridge when none is set.
func (td *TaskDefinition) EffectiveNetworkMode() string {
	if td.NetworkMode == "" {
		return NetworkModeBridge
	}
	return td.NetworkMode
}

// Task definition status values.
const (
	TaskDefinitionStatusActive           = "ACTIVE"
	TaskDefinitionStatusInactive         = "INACTIVE"
	TaskDefinitionStatusDeleteInProgress = "DELETE_IN_PROGRESS"
)

// Network modes.
const (
	NetworkModeBridge = "bridge"
	NetworkModeHost   = "host"
	NetworkModeAwsvpc = "awsvpc"
	NetworkModeNone   = "none"
)

// ContainerDefinition describes one container of a task definition.
type ContainerDefinition struct {
	Name                   string                  `json:"name,omitempty"`
	Image                  string                  `json:"image,omitempty"`
	RepositoryCredentials  *RepositoryCredentials  `json:"repositoryCredentials,omitempty"`
	Cpu                    int64                   `json:"cpu"`
	Memory                 *int64                  `json:"memory,omitempty"`
	MemoryReservation      *int64                  `json:"memoryReservation,omitempty"`
	Links                  []string                `json:"links,omitempty"`
	PortMappings           []PortMapping           `json:"portMappings"`
	Essential              *bool                   `json:"essential,omitempty"`
	RestartPolicy          *ContainerRestartPolicy `json:"restartPolicy,omitempty"`
	EntryPoint             []string                `json:"entryPoint,omitempty"`
	Command                []string                `json:"command,omitempty"`
	Environment            []KeyValuePair          `json:"environment"`
	EnvironmentFiles       []EnvironmentFile       `json:"environmentFiles,omitempty"`
	MountPoints            []MountPoint            `json:"mountPoints"`
	VolumesFrom            []VolumeFrom            `json:"volumesFrom"`
	LinuxParameters        *LinuxParameters        `json:"linuxParameters,omitempty"`
	Secrets                []Secret                `json:"secrets,omitempty"`
	DependsOn              []ContainerDependency   `json:"dependsOn,omitempty"`
	StartTimeout           *int64                  `json:"startTimeout,omitempty"`
	StopTimeout            *int64                  `json:"stopTimeout,omitempty"`
	VersionConsistency     string                  `json:"versionConsistency,omitempty"`
	Hostname               string                  `json:"hostname,omitempty"`
	User                   string                  `json:"user,omitempty"`
	WorkingDirectory       string                  `json:"workingDirectory,omitempty"`
	DisableNetworking      *bool                   `json:"disableNetworking,omitempty"`
	Privileged             *bool                   `json:"privileged,omitempty"`
	ReadonlyRootFilesystem *bool                   `json:"readonlyRootFilesystem,omitempty"`
	DnsServers             []string                `json:"dnsServers,omitempty"`
	DnsSearchDomains       []string                `json:"dnsSearchDomains,omitempty"`
	ExtraHosts             []HostEntry             `json:"extraHosts,omitempty"`
	DockerSecurityOptions  []string                `json:"dockerSecurityOptions,omitempty"`
	Interactive            *bool                   `json:"interactive,omitempty"`
	PseudoTerminal         *bool                   `json:"pseudoTerminal,omitempty"`
	DockerLabels           map[string]string       `json:"dockerLabels,omitempty"`
	Ulimits                []Ulimit                `json:"ulimits,omitempty"`
	LogConfiguration       *LogConfiguration       `json:"logConfiguration,omitempty"`
	HealthCheck            *HealthCheck            `json:"healthCheck,omitempty"`
	SystemControls         []SystemControl         `json:"systemControls,omitempty"`
	ResourceRequirements   []ResourceRequirement   `json:"resourceRequirements,omitempty"`
	FirelensConfiguration  *FirelensConfiguration  `json:"firelensConfiguration,omitempty"`
	CredentialSpecs        []string                `json:"credentialSpecs,omitempty"`
}

// IsEssential reports the container's essential flag (true when unset).
func (c *ContainerDefinition) IsEssential() bool { return c.Essential == nil || *c.Essential }

// RepositoryCredentials names a private registry secret.
type RepositoryCredentials struct {
	CredentialsParameter string `json:"credentialsParameter"`
}

// ContainerRestartPolicy restarts a container in place.
type ContainerRestartPolicy struct {
	Enabled              bool    `json:"enabled"`
	IgnoredExitCodes     []int64 `json:"ignoredExitCodes,omitempty"`
	RestartAttemptPeriod *int64  `json:"restartAttemptPeriod,omitempty"`
}

// PortMapping maps a container port to a host port.
type PortMapping struct {
	ContainerPort      *int64 `json:"containerPort,omitempty"`
	HostPort           *int64 `json:"hostPort,omitempty"`
	Protocol           string `json:"protocol,omitempty"`
	Name               string `json:"name,omitempty"`
	AppProtocol        string `json:"appProtocol,omitempty"`
	ContainerPortRange string `json:"containerPortRange,omitempty"`
}

// KeyValuePair is a name and a value (environment variables, settings).
type KeyValuePair struct {
	Name  string `json:"name,omitempty"`
	Value string `json:"value,omitempty"`
}

// EnvironmentFile is an S3 object holding environment variables.
type EnvironmentFile struct {
	Value string `json:"value"`
	Type  string `json:"type"`
}

// MountPoint mounts a task definition volume into a container.
type MountPoint struct {
	SourceVolume  string `json:"sourceVolume,omitempty"`
	ContainerPath string `json:"containerPath,omitempty"`
	ReadOnly      *bool  `json:"readOnly,omitempty"`
}

// VolumeFrom mounts every volume of another container.
type VolumeFrom struct {
	SourceContainer string `json:"sourceContainer,omitempty"`
	ReadOnly        *bool  `json:"readOnly,omitempty"`
}

// LinuxParameters are Linux-specific container settings.
type LinuxParameters struct {
	Capabilities       *KernelCapabilities `json:"capabilities,omitempty"`
	Devices            []Device            `json:"devices,omitempty"`
	InitProcessEnabled *bool               `json:"initProcessEnabled,omitempty"`
	SharedMemorySize   *int64              `json:"sharedMemorySize,omitempty"`
	Tmpfs              []Tmpfs             `json:"tmpfs,omitempty"`
	MaxSwap            *int64              `json:"maxSwap,omitempty"`
	Swappiness         *int64              `json:"swappiness,omitempty"`
}

// KernelCapabilities adds or drops Linux capabilities.
type KernelCapabilities struct {
	Add  []string `json:"add,omitempty"`
	Drop []string `json:"drop,omitempty"`
}

// Device exposes a host device to a container.
type Device struct {
	HostPath      string   `json:"hostPath"`
	ContainerPath string   `json:"containerPath,omitempty"`
	Permissions   []string `json:"permissions,omitempty"`
}

// Tmpfs is a tmpfs mount.
type Tmpfs struct {
	ContainerPath string   `json:"containerPath"`
	Size          int64    `json:"size"`
	MountOptions  []string `json:"mountOptions,omitempty"`
}

// Secret is an environment variable taken from SSM or Secrets Manager.
type Secret struct {
	Name      string `json:"name"`
	ValueFrom string `json:"valueFrom"`
}

// ContainerDependency is one dependsOn entry.
type ContainerDependency struct {
	ContainerName string `json:"containerName"`
	Condition     string `json:"condition"`
}

// dependsOn conditions.
const (
	ConditionStart    = "START"
	ConditionComplete = "COMPLETE"
	ConditionSuccess  = "SUCCESS"
	ConditionHealthy  = "HEALTHY"
)

// HostEntry is an /etc/hosts line.
type HostEntry struct {
	Hostname  string `json:"hostname"`
	IpAddress string `json:"ipAddress"`
}

// Ulimit is a resource limit.
type Ulimit struct {
	Name      string `json:"name"`
	SoftLimit int64  `json:"softLimit"`
	HardLimit int64  `json:"hardLimit"`
}

// LogConfiguration selects a container's log driver.
type LogConfiguration struct {
	LogDriver     string            `json:"logDriver"`
	Options       map[string]string `json:"options,omitempty"`
	SecretOptions []Secret          `json:"secretOptions,omitempty"`
}

// HealthCheck is a container health check; durations are in seconds.
type HealthCheck struct {
	Command     []string `json:"command"`
	Interval    *int64   `json:"interval,omitempty"`
	Timeout     *int64   `json:"timeout,omitempty"`
	Retries     *int64   `json:"retries,omitempty"`
	StartPeriod *int64   `json:"startPeriod,omitempty"`
}

// SystemControl is a namespaced kernel parameter.
type SystemControl struct {
	Namespace string `json:"namespace,omitempty"`
	Value     string `json:"value,omitempty"`
}

// ResourceRequirement reserves GPUs or an inference accelerator.
type ResourceRequirement struct {
	Value           string           `json:"value"`
	Type            string           `json:"type"`
	SharingStrategy *SharingStrategy `json:"sharingStrategy,omitempty"`
}

// SharingStrategy shares a GPU between containers (type GPU only).
type SharingStrategy struct {
	NvidiaMps *NvidiaMpsAllocation `json:"nvidiaMps,omitempty"`
}

// NvidiaMpsAllocation is a container's share of a GPU under NVIDIA MPS.
type NvidiaMpsAllocation struct {
	Memory            int64  `json:"memory"`
	MaxComputePercent *int64 `json:"maxComputePercent,omitempty"`
}

// FirelensConfiguration configures a FireLens log router.
type FirelensConfiguration struct {
	Type    string            `json:"type"`
	Options map[string]string `json:"options,omitempty"`
}

// Volume is a task definition volume.
type Volume struct {
	Name                                    string                                   `json:"name,omitempty"`
	Host                                    *HostVolumeProperties                    `json:"host,omitempty"`
	DockerVolumeConfiguration               *DockerVolumeConfiguration               `json:"dockerVolumeConfiguration,omitempty"`
	EfsVolumeConfiguration                  *EFSVolumeConfiguration                  `json:"efsVolumeConfiguration,omitempty"`
	FsxWindowsFileServerVolumeConfiguration *FSxWindowsFileServerVolumeConfiguration `json:"fsxWindowsFileServerVolumeConfiguration,omitempty"`
	S3filesVolumeConfiguration              *S3FilesVolumeConfiguration              `json:"s3filesVolumeConfiguration,omitempty"`
	ConfiguredAtLaunch                      *bool                                    `json:"configuredAtLaunch,omitempty"`
}

// HostVolumeProperties is a bind mount of a host path.
type HostVolumeProperties struct {
	SourcePath string `json:"sourcePath,omitempty"`
}

// DockerVolumeConfiguration is an engine-managed volume.
type DockerVolumeConfiguration struct {
	Scope         string            `json:"scope,omitempty"`
	Autoprovision *bool             `json:"autoprovision,omitempty"`
	Driver        string            `json:"driver,omitempty"`
	DriverOpts    map[string]string `json:"driverOpts,omitempty"`
	Labels        map[string]string `json:"labels,omitempty"`
}

// EFSVolumeConfiguration is an Amazon EFS volume (accepted, not mounted).
type EFSVolumeConfiguration struct {
	FileSystemId          string                  `json:"fileSystemId"`
	RootDirectory         string                  `json:"rootDirectory,omitempty"`
	TransitEncryption     string                  `json:"transitEncryption,omitempty"`
	TransitEncryptionPort *int64                  `json:"transitEncryptionPort,omitempty"`
	AuthorizationConfig   *EFSAuthorizationConfig `json:"authorizationConfig,omitempty"`
}

// EFSAuthorizationConfig is EFS access point and IAM settings.
type EFSAuthorizationConfig struct {
	AccessPointId string `json:"accessPointId,omitempty"`
	Iam           string `json:"iam,omitempty"`
}

// S3FilesVolumeConfiguration is an Amazon S3 Files volume (accepted, not
// mounted).
type S3FilesVolumeConfiguration struct {
	FileSystemArn         string `json:"fileSystemArn"`
	AccessPointArn        string `json:"accessPointArn,omitempty"`
	RootDirectory         string `json:"rootDirectory,omitempty"`
	TransitEncryptionPort *int64 `json:"transitEncryptionPort,omitempty"`
}

// FSxWindowsFileServerVolumeConfiguration is an FSx volume (accepted, not mounted).
type FSxWindowsFileServerVolumeConfiguration struct {
	FileSystemId        string                  `json:"fileSystemId"`
	RootDirectory       string                  `json:"rootDirectory"`
	AuthorizationConfig *FSxAuthorizationConfig `json:"authorizationConfig,omitempty"`
}

// FSxAuthorizationConfig holds FSx credentials.
type FSxAuthorizationConfig struct {
	CredentialsParameter string `json:"credentialsParameter"`
	Domain               string `json:"domain"`
}

// TaskDefinitionPlacementConstraint is a memberOf constraint of a task
// definition.
type TaskDefinitionPlacementConstraint struct {
	Type       string `json:"type,omitempty"`
	Expression string `json:"expression,omitempty"`
}

// ProxyConfiguration configures an App Mesh proxy.
type ProxyConfiguration struct {
	Type          string         `json:"type,omitempty"`
	ContainerName string         `json:"containerName"`
	Properties    []KeyValuePair `json:"properties,omitempty"`
}

// InferenceAccelerator is an Elastic Inference accelerator.
type InferenceAccelerator struct {
	DeviceName string `json:"deviceName"`
	DeviceType string `json:"deviceType"`
}

// EphemeralStorage sizes Fargate task storage.
type EphemeralStorage struct {
	SizeInGiB int64 `json:"sizeInGiB"`
}

// RuntimePlatform names the OS and CPU architecture.
type RuntimePlatform struct {
	CpuArchitecture       string `json:"cpuArchitecture,omitempty"`
	OperatingSystemFamily string `json:"operatingSystemFamily,omitempty"`
}

// Attribute is a container instance attribute, also used for a task
// definition's requiresAttributes.
type Attribute struct {
	Name       string `json:"name"`
	Value      string `json:"value,omitempty"`
	TargetType string `json:"targetType,omitempty"`
	TargetId   string `json:"targetId,omitempty"`
}

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`
}
