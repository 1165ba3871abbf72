// Package runtime is the small interface between the ecskit agent and a
// container engine: create, start, stop, inspect, remove, list by label,
// events, images and task volumes. Everything ECS-specific (dependsOn order,
// essential containers, health rules, stop timeouts) lives in the agent, so
// every Runtime looks the same to it.
//
// Two implementations ship with ecskit: runtime/docker drives a real Docker
// engine through the moby client, and runtime/fake runs containers in memory
// under an injected clock, scripted by their environment.
package runtime

import (
	"context"
	"errors"
	"time"
)

// Errors returned by runtimes. Implementations wrap them with %w.
var (
	// ErrNotFound means the container, image or volume does not exist.
	ErrNotFound = errors.New("runtime: not found")
	// ErrImagePull means an image could not be pulled.
	ErrImagePull = errors.New("runtime: image pull failed")
	// ErrUnavailable means the engine does not answer.
	ErrUnavailable = errors.New("runtime: engine unavailable")
)

// ContainerSpec is what the agent asks a runtime to create. Sizes are in the
// units the engine uses (bytes, CPU shares).
type ContainerSpec struct {
	// Name is the engine-level container name (ecs-<family>-<rev>-<name>-<hex>).
	Name       string
	Image      string
	Labels     map[string]string
	Env        []string // KEY=value
	EntryPoint []string
	Command    []string
	User       string
	WorkingDir string
	Hostname   string

	CPUShares              int64
	MemoryBytes            int64 // hard limit; 0 = none
	MemoryReservationBytes int64 // soft limit; 0 = none

	// NetworkMode is bridge, host or none ("" = bridge).
	NetworkMode string
	// PortBindings with HostPort 0 ask the runtime for a dynamic host port;
	// the chosen one is reported by Inspect.
	PortBindings []PortBinding
	Links        []string // "container:alias", engine-level names
	Mounts       []Mount
	VolumesFrom  []string // engine-level container names, ":ro" suffix for read-only

	Ulimits           []Ulimit
	Privileged        bool
	ReadonlyRootfs    bool
	DNSServers        []string
	DNSSearchDomains  []string
	ExtraHosts        []string // "host:ip"
	SecurityOpts      []string
	Sysctls           map[string]string
	CapAdd, CapDrop   []string
	Init              bool
	Tmpfs             map[string]string // path -> options
	LogDriver         string
	LogOptions        map[string]string
	Interactive, TTY  bool
	DisableNetworking bool
	HealthCheck       *HealthCheck
	StopSignal        string
}

// PortBinding maps a container port to a host port.
type PortBinding struct {
	ContainerPort int
	HostPort      int    // 0 = dynamic
	Protocol      string // "tcp" or "udp"
	HostIP        string
}

// Mount is a bind mount of a host path or an engine volume.
type Mount struct {
	// Type is "bind" (Source is a host path) or "volume" (Source is a
	// volume name).
	Type     string
	Source   string
	Target   string
	ReadOnly bool
}

// Ulimit is a resource limit.
type Ulimit struct {
	Name       string
	Soft, Hard int64
}

// HealthCheck is a container health check run by the engine.
type HealthCheck struct {
	// Test is ["CMD", args...] or ["CMD-SHELL", command].
	Test        []string
	Interval    time.Duration
	Timeout     time.Duration
	Retries     int
	StartPeriod time.Duration
}

// State is a container's lifecycle state as the engine reports it.
type State string

// Container states.
const (
	StateCreated State = "created"
	StateRunning State = "running"
	StateExited  State = "exited"
)

// Health is a container's health as the engine reports it.
type Health string

// Health values. HealthNone means the container has no health check.
const (
	HealthNone      Health = ""
	HealthStarting  Health = "starting"
	HealthHealthy   Health = "healthy"
	HealthUnhealthy Health = "unhealthy"
)

// ContainerStatus is what Inspect reports.
type ContainerStatus struct {
	ID         string
	Name       string
	Image      string
	ImageID    string
	Labels     map[string]string
	State      State
	Health     Health
	ExitCode   int
	OOMKilled  bool
	Error      string
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	// Ports are the bindings in effect, dynamic host ports resolved.
	Ports []PortBinding
	// IPv4Addresses are the container's addresses on its networks, by
	// network name (none in host or none network mode).
	IPv4Addresses []string
}

// ContainerSummary is one entry of List.
type ContainerSummary struct {
	ID     string
	Name   string
	Labels map[string]string
	State  State
}

// EventType names what happened to a container.
type EventType string

// Event types. The agent re-inspects the container on any event, so
// runtimes need only be accurate about which container changed.
const (
	EventCreate  EventType = "create"
	EventStart   EventType = "start"
	EventDie     EventType = "die"
	EventOOM     EventType = "oom"
	EventHealth  EventType = "health_status"
	EventDestroy EventType = "destroy"
)

// Event is a change to one container.
type Event struct {
	Type        EventType
	ContainerID string
	Labels      map[string]string
	Time        time.Time
}

// HostInfo describes the engine's host.
type HostInfo struct {
	CPUs          int
	MemoryBytes   int64
	OSType        string // linux or windows
	Architecture  string // x86_64 or arm64 (ECS's spelling)
	EngineVersion string
	KernelVersion string
	Name          string
}

// Runtime drives one container engine. Implementations are safe for
// concurrent use; every method honours ctx.
type Runtime interface {
	// Info describes the engine's host.
	Info(ctx context.Context) (HostInfo, error)
	// ImagePresent reports whether the image is in the engine's cache.
	ImagePresent(ctx context.Context, image string) (bool, error)
	// PullImage pulls the image; failures match ErrImagePull.
	PullImage(ctx context.Context, image string) error
	// CreateVolume creates a named engine volume with the given labels;
	// creating an existing volume is not an error.
	CreateVolume(ctx context.Context, name string, labels map[string]string) error
	// RemoveVolume removes a named engine volume; a missing one is not an
	// error.
	RemoveVolume(ctx context.Context, name string) error
	// Create creates a container and returns its engine ID.
	Create(ctx context.Context, spec ContainerSpec) (string, error)
	// Start starts a created container.
	Start(ctx context.Context, id string) error
	// Stop sends the stop signal and, after timeout, SIGKILL. Stopping a
	// container that is not running is not an error.
	Stop(ctx context.Context, id string, timeout time.Duration) error
	// Inspect reports a container's state; a missing container matches
	// ErrNotFound.
	Inspect(ctx context.Context, id string) (ContainerStatus, error)
	// Remove removes a container (stopping it first if need be); a missing
	// one is not an error.
	Remove(ctx context.Context, id string) error
	// List returns the containers carrying every given label (value "" means
	// any value), running or not.
	List(ctx context.Context, labels map[string]string) ([]ContainerSummary, error)
	// Events streams container events until ctx is done. Implementations
	// resubscribe after the engine restarts; the channel is closed only when
	// ctx is done.
	Events(ctx context.Context) (<-chan Event, error)
}
