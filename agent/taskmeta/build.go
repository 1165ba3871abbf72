package taskmeta

import (
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/types"
)

// TaskInput is what the agent knows of one task, from which the task
// metadata documents are built.
type TaskInput struct {
	// Cluster is the cluster as the agent was configured (short name or
	// ARN), as in the com.amazonaws.ecs.cluster label.
	Cluster string
	// Task and TaskDefinition are the control plane's.
	Task           *types.Task
	TaskDefinition *types.TaskDefinition
	// DesiredStatus and KnownStatus are the agent's view of the task
	// (PENDING, RUNNING, STOPPED).
	DesiredStatus, KnownStatus string
	// Pull and stop times; zero when they have not happened.
	PullStartedAt, PullStoppedAt, ExecutionStoppedAt time.Time
	// AvailabilityZone is the instance's.
	AvailabilityZone string
	// ContainerInstanceTags are the instance's tags (/taskWithTags).
	ContainerInstanceTags map[string]string
	Containers            []ContainerInput
}

// ContainerInput is what the agent knows of one container of a task.
type ContainerInput struct {
	// Definition is the container definition with the task's overrides
	// applied.
	Definition types.ContainerDefinition
	// DockerName is the engine-level name the agent gave it.
	DockerName string
	// DesiredStatus and KnownStatus are the agent's ladder names (NONE,
	// PULLED, CREATED, RUNNING, STOPPED).
	DesiredStatus, KnownStatus string
	// ExitCode is set once the container exited.
	ExitCode *int64
	// Health is the agent's health status (HEALTHY, UNHEALTHY, UNKNOWN).
	Health string
	// Engine is the engine's inspect of the container; nil before it
	// was created.
	Engine *runtime.ContainerStatus
}

// Task builds the /task document; withTags adds the task's and the
// instance's tags (/taskWithTags).
func Task(in TaskInput, withTags bool) TaskResponse {
	td := in.TaskDefinition
	out := TaskResponse{
		Cluster: in.Cluster, TaskARN: in.Task.TaskArn, Family: td.Family,
		Revision:      strconv.FormatInt(td.Revision, 10),
		DesiredStatus: in.DesiredStatus, KnownStatus: in.KnownStatus,
		ServiceName:        serviceName(in.Task.Group),
		Limits:             taskLimits(in.Task, td),
		PullStartedAt:      timePtr(in.PullStartedAt),
		PullStoppedAt:      timePtr(in.PullStoppedAt),
		ExecutionStoppedAt: timePtr(in.ExecutionStoppedAt),
		AvailabilityZone:   in.AvailabilityZone,
		LaunchType:         "EC2",
		Containers:         []ContainerResponse{},
	}
	if withTags {
		out.TaskTags = map[string]string{}
		for _, t := range in.Task.Tags {
			out.TaskTags[t.Key] = t.Value
		}
		out.ContainerInstanceTags = maps.Clone(in.ContainerInstanceTags)
		if out.ContainerInstanceTags == nil {
			out.ContainerInstanceTags = map[string]string{}
		}
	}
	for _, c := range in.Containers {
		out.Containers = append(out.Containers, Container(in, c))
	}
	return out
}

// Container builds the document of one container of the task.
func Container(in TaskInput, c ContainerInput) ContainerResponse {
	d := c.Definition
	out := ContainerResponse{
		Name: d.Name, DockerName: c.DockerName, Image: d.Image,
		DesiredStatus: c.DesiredStatus, KnownStatus: c.KnownStatus, ExitCode: c.ExitCode,
		Limits: Limits{CPU: float64(d.Cpu), Memory: containerMemory(d)},
		Type:   "NORMAL",
	}
	for _, ct := range in.Task.Containers {
		if ct.Name == d.Name {
			out.ContainerARN = ct.ContainerArn
		}
	}
	if lc := d.LogConfiguration; lc != nil {
		out.LogDriver, out.LogOptions = lc.LogDriver, maps.Clone(lc.Options)
	}
	mode := in.TaskDefinition.NetworkMode
	if mode == "" {
		mode = types.NetworkModeBridge
	}
	if e := c.Engine; e != nil {
		out.DockerID, out.ImageID = e.ID, e.ImageID
		out.Labels = maps.Clone(e.Labels)
		out.CreatedAt = timePtr(e.CreatedAt)
		out.StartedAt = timePtr(e.StartedAt)
		if e.State == runtime.StateExited {
			out.FinishedAt = timePtr(e.FinishedAt)
		}
		for _, p := range e.Ports {
			out.Ports = append(out.Ports, Port{ContainerPort: p.ContainerPort, Protocol: p.Protocol, HostPort: p.HostPort, HostIP: p.HostIP})
		}
		if mode != "none" {
			out.Networks = []Network{{NetworkMode: mode, IPv4Addresses: e.IPv4Addresses}}
		}
	}
	if d.HealthCheck != nil {
		out.Health = &Health{Status: c.Health}
	}
	return out
}

// serviceName is the service of a task group "service:<name>".
func serviceName(group string) string {
	name, ok := strings.CutPrefix(group, "service:")
	if !ok {
		return ""
	}
	return name
}

// taskLimits are the task-level cpu (in vCPU) and memory, from the task's
// overrides or its definition; nil when neither is set.
func taskLimits(t *types.Task, td *types.TaskDefinition) *Limits {
	cpu, mem := firstNonEmpty(t.Cpu, td.Cpu), firstNonEmpty(t.Memory, td.Memory)
	c, cerr := strconv.ParseFloat(cpu, 64)
	m, merr := strconv.ParseInt(mem, 10, 64)
	if cerr != nil && merr != nil {
		return nil
	}
	return &Limits{CPU: c / 1024, Memory: m}
}

// containerMemory is the hard limit, else the soft one, in MiB.
func containerMemory(d types.ContainerDefinition) int64 {
	switch {
	case d.Memory != nil && *d.Memory > 0:
		return *d.Memory
	case d.MemoryReservation != nil:
		return *d.MemoryReservation
	}
	return 0
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// timePtr is t in UTC, or nil when zero.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
