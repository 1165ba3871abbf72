package agent

import (
	"io"
	"log/slog"
	"time"

	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/logs"
	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/secrets"
)

// Config configures an Agent. ControlPlane and Runtime are required; every
// other field has a default.
type Config struct {
	// ControlPlane is where the agent registers, polls and reports.
	ControlPlane ControlPlane
	// Runtime is the container engine the agent drives.
	Runtime runtime.Runtime
	// Cluster is the cluster to join (short name or ARN; default "default").
	Cluster string
	// Clock drives every agent timer (default: the real clock).
	Clock clock.Clock
	// Logger receives the agent's logs (default: discarded).
	Logger *slog.Logger
	// Attributes describe the instance.
	Attributes Attributes
	// ContainerInstanceArn re-registers an existing instance. A state file
	// holding an ARN takes precedence.
	ContainerInstanceArn string
	// StateFile is a JSON file where the agent keeps what it needs to adopt
	// its containers after a restart ("" = keep nothing on disk).
	StateFile string
	// PullBehavior is the image pull policy (ECS_IMAGE_PULL_BEHAVIOR).
	PullBehavior runtime.PullBehavior
	// CleanupWait is how long stopped containers are kept before removal
	// (ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION; default 3 h; under 1 s means
	// the default).
	CleanupWait time.Duration
	// PollWait bounds one PollTasks long poll (default 20 s).
	PollWait time.Duration
	// StopTimeout is the grace period between SIGTERM and SIGKILL for
	// containers without a stopTimeout (ECS_CONTAINER_STOP_TIMEOUT; default
	// 30 s, min 1 s).
	StopTimeout time.Duration
	// StartTimeout bounds one container start call
	// (ECS_CONTAINER_START_TIMEOUT; default 3 min, min 45 s).
	StartTimeout time.Duration
	// ReconcileInterval is how often the agent re-inspects its containers
	// to catch changes whose events were lost (default 1 min).
	ReconcileInterval time.Duration
	// ReservedPorts are TCP host ports registered as taken (default 22,
	// 2375, 2376, 51678, 51679); ReservedPortsUDP likewise for UDP.
	ReservedPorts    []int
	ReservedPortsUDP []int
	// ReservedMemoryMiB is memory withheld from registration
	// (ECS_RESERVED_MEMORY).
	ReservedMemoryMiB int64
	// Region, if set, is injected as AWS_REGION and AWS_DEFAULT_REGION
	// into containers that do not set them.
	Region string
	// AgentVersion is reported in versionInfo (default Version).
	AgentVersion string
	// Rand supplies the random part of container names (default
	// crypto/rand).
	Rand io.Reader
	// Metadata configures the task metadata endpoint and task role
	// credentials (off by default).
	Metadata MetadataConfig
	// Secrets resolves containers' secrets and log secretOptions when a
	// task starts (nil: a task with secrets stops before it starts, with
	// ECS's ResourceInitializationError reason).
	Secrets secrets.Provider
	// Logs receives the output of containers whose logDriver is awslogs
	// (nil: their output is not shipped).
	Logs logs.Sink
}

// Attributes describe a container instance; they become ECS attributes at
// registration.
type Attributes struct {
	// AvailabilityZone becomes ecs.availability-zone.
	AvailabilityZone string
	// InstanceType becomes ecs.instance-type.
	InstanceType string
	// AMIID becomes ecs.ami-id.
	AMIID string
	// Custom attributes are registered as given (name -> value).
	Custom map[string]string
}

// Version is the agent version reported at registration.
const Version = "ecskit-agent/0.1.0"

// Defaults (ECS-SPEC §7).
const (
	DefaultCleanupWait       = 3 * time.Hour
	DefaultPollWait          = 20 * time.Second
	DefaultStopTimeout       = 30 * time.Second
	DefaultStartTimeout      = 3 * time.Minute
	DefaultReconcileInterval = time.Minute
	minStartTimeout          = 45 * time.Second
)

// defaultReservedPorts are the TCP ports an ECS agent registers as taken.
func defaultReservedPorts() []int { return []int{22, 2375, 2376, 51678, 51679} }

// Timeouts of engine calls, all in one place. They are real-time bounds
// on a call that should answer, not behaviour: container stop grace
// periods and dependency timeouts run on the injected clock.
const (
	infoTimeout    = 30 * time.Second
	pullTimeout    = 2 * time.Hour
	createTimeout  = 4 * time.Minute
	inspectTimeout = 30 * time.Second
	listTimeout    = time.Minute
	removeTimeout  = 5 * time.Minute
	volumeTimeout  = time.Minute
	// stopCallMargin is added to a container's stop timeout to bound the
	// stop call itself.
	stopCallMargin = 2 * time.Minute
	// reportRetry is how long the agent waits (on its clock) before
	// resending a state change the control plane refused.
	reportRetry = 5 * time.Second
	// backoffMin and backoffMax bound the retry delay of registration and
	// polling (on the agent's clock).
	backoffMin = time.Second
	backoffMax = 30 * time.Second
)

// withDefaults returns c with defaults filled in.
func (c Config) withDefaults() Config {
	if c.Cluster == "" {
		c.Cluster = "default"
	}
	if c.Clock == nil {
		c.Clock = clock.Real()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.PullBehavior == "" {
		c.PullBehavior = runtime.PullDefault
	}
	if c.CleanupWait < time.Second {
		c.CleanupWait = DefaultCleanupWait
	}
	if c.PollWait <= 0 {
		c.PollWait = DefaultPollWait
	}
	if c.StopTimeout <= 0 {
		c.StopTimeout = DefaultStopTimeout
	} else if c.StopTimeout < time.Second {
		c.StopTimeout = time.Second
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = DefaultStartTimeout
	} else if c.StartTimeout < minStartTimeout {
		c.StartTimeout = minStartTimeout
	}
	if c.ReconcileInterval <= 0 {
		c.ReconcileInterval = DefaultReconcileInterval
	}
	if c.ReservedPorts == nil {
		c.ReservedPorts = defaultReservedPorts()
	}
	if c.AgentVersion == "" {
		c.AgentVersion = Version
	}
	return c
}
