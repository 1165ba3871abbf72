package taskdef

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/ecskit/ecs/types"
)

// Normalize validates a RegisterTaskDefinition request against ECS's
// rules (ECS-SPEC §2) and returns the task definition ECS would register,
// without the fields the control plane assigns (taskDefinitionArn,
// revision, status, registeredAt, registeredBy).
//
// It does not modify in. Normalisation follows what ECS returns:
//   - task cpu and memory are unit strings: "1 vCPU" becomes "1024",
//     "2 GB" becomes "2048";
//   - each container gets cpu 0, essential true, and empty (not null)
//     portMappings, environment, mountPoints and volumesFrom; the task
//     gets empty volumes and placementConstraints;
//   - port mappings get protocol "tcp", and under awsvpc or host
//     networking a hostPort equal to the containerPort;
//   - health checks get interval 30, timeout 5 and retries 3 when unset;
//   - compatibilities and requiresAttributes are computed (see below).
//
// An omitted networkMode stays omitted, as in ECS's output; it means
// bridge (see types.TaskDefinition.EffectiveNetworkMode).
//
// compatibilities is EC2, plus FARGATE when the task definition meets the
// Fargate rules (awsvpc, a task cpu/memory pair from the Fargate table, no
// host paths or Docker volumes, an execution role for awslogs, …), plus
// any other launch type listed in requiresCompatibilities.
//
// Every failure is a ClientException (*types.Error) whose Field names
// the input.
func Normalize(in *types.RegisterTaskDefinitionInput) (*types.TaskDefinition, error) {
	if in == nil {
		return nil, tdErr("", "The task definition is missing.")
	}
	td, err := copyToTaskDefinition(in)
	if err != nil {
		return nil, err
	}
	if err := validateTaskDefinition(td, in.Tags); err != nil {
		return nil, err
	}
	applyDefaults(td)
	td.Compatibilities = compatibilities(td)
	td.RequiresAttributes = requiredAttributes(td)
	return td, nil
}

// Validate reports whether Normalize accepts in: nil, or the
// ClientException Normalize would return.
func Validate(in *types.RegisterTaskDefinitionInput) error {
	_, err := Normalize(in)
	return err
}

// copyToTaskDefinition deep-copies the request's task definition fields
// through JSON, which also drops empty optional lists and maps, so that a
// task definition and its JSON round trip compare equal.
func copyToTaskDefinition(in *types.RegisterTaskDefinitionInput) (*types.TaskDefinition, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, tdErr("", "The task definition cannot be encoded: %v", err)
	}
	var td types.TaskDefinition
	if err := json.Unmarshal(b, &td); err != nil {
		return nil, tdErr("", "The task definition cannot be decoded: %v", err)
	}
	return &td, nil
}

// Health check defaults, in seconds or attempts (ECS-SPEC §2.6).
const (
	defaultHealthInterval = 30
	defaultHealthTimeout  = 5
	defaultHealthRetries  = 3
)

// applyDefaults fills in what ECS fills in at registration (ECS-SPEC §2.2).
func applyDefaults(td *types.TaskDefinition) {
	td.Volumes = nonNil(td.Volumes)
	td.PlacementConstraints = nonNil(td.PlacementConstraints)
	if len(td.RequiresCompatibilities) == 0 {
		td.RequiresCompatibilities = nil
	}
	mode := td.EffectiveNetworkMode()
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		if c.Essential == nil {
			c.Essential = ptr(true)
		}
		c.PortMappings = nonNil(c.PortMappings)
		c.Environment = nonNil(c.Environment)
		c.MountPoints = nonNil(c.MountPoints)
		c.VolumesFrom = nonNil(c.VolumesFrom)
		for j := range c.PortMappings {
			pm := &c.PortMappings[j]
			if pm.Protocol == "" {
				pm.Protocol = "tcp"
			}
			if pm.HostPort == nil && pm.ContainerPort != nil && (mode == types.NetworkModeAwsvpc || mode == types.NetworkModeHost) {
				pm.HostPort = ptr(*pm.ContainerPort)
			}
		}
		if hc := c.HealthCheck; hc != nil {
			hc.Interval = orDefault(hc.Interval, defaultHealthInterval)
			hc.Timeout = orDefault(hc.Timeout, defaultHealthTimeout)
			hc.Retries = orDefault(hc.Retries, defaultHealthRetries)
		}
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func ptr[T any](v T) *T { return &v }

func orDefault(v *int64, def int64) *int64 {
	if v == nil {
		return ptr(def)
	}
	return v
}

// compatibilities lists the launch types the task definition is valid
// for: EC2, FARGATE when it qualifies, then any other requested type.
func compatibilities(td *types.TaskDefinition) []string {
	out := []string{"EC2"}
	if _, msg := fargateProblem(td); msg == "" {
		out = append(out, "FARGATE")
	}
	for _, c := range td.RequiresCompatibilities {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// fargateProblem returns why the task definition cannot run on Fargate,
// as ECS's message and the field at fault, or "" when it can. The checks
// are the documented Fargate restrictions that a task definition alone
// decides.
func fargateProblem(td *types.TaskDefinition) (field, msg string) {
	if td.EffectiveNetworkMode() != types.NetworkModeAwsvpc {
		return "networkMode", "Fargate only supports network mode ‘awsvpc’."
	}
	if field, msg := checkFargateSize(td); msg != "" {
		return field, msg
	}
	for i, v := range td.Volumes {
		if v.Host != nil && v.Host.SourcePath != "" {
			return "volumes[" + strconv.Itoa(i) + "].host.sourcePath", "Fargate compatible task definitions do not support sourcePath"
		}
		if v.DockerVolumeConfiguration != nil {
			return "volumes[" + strconv.Itoa(i) + "].dockerVolumeConfiguration", "Fargate compatible task definitions do not support dockerVolumeConfiguration" // [unverified text]
		}
	}
	if td.PidMode == "host" {
		return "pidMode", "Fargate compatible task definitions do not support pidMode 'host'." // [unverified text]
	}
	if td.IpcMode != "" {
		return "ipcMode", "Fargate compatible task definitions do not support ipcMode." // [unverified text]
	}
	if len(td.PlacementConstraints) > 0 {
		return "placementConstraints", "Fargate compatible task definitions do not support placementConstraints." // [unverified text]
	}
	for i, c := range td.ContainerDefinitions {
		if c.LogConfiguration != nil && c.LogConfiguration.LogDriver == "awslogs" && td.ExecutionRoleArn == "" {
			return cpath(i, "logConfiguration"), "Fargate requires task definition to have execution role ARN to support log driver awslogs."
		}
		if c.Privileged != nil && *c.Privileged {
			return cpath(i, "privileged"), "Fargate compatible task definitions do not support privileged containers." // [unverified text]
		}
		if len(c.Links) > 0 {
			return cpath(i, "links"), "Fargate compatible task definitions do not support links." // [unverified text]
		}
	}
	return "", ""
}

// requiredAttributes lists the container instance capabilities the task
// definition needs, from the documented capability names (ECS-SPEC §3.6)
// and the Docker Remote API versions the API reference gives per field.
// The list is sorted by name.
func requiredAttributes(td *types.TaskDefinition) []types.Attribute {
	set := map[string]bool{}
	if td.TaskRoleArn != "" {
		set[capabilityPrefix+"task-iam-role"] = true
	}
	if td.NetworkMode == types.NetworkModeAwsvpc {
		set["ecs.capability.task-eni"] = true
	}
	for i := range td.ContainerDefinitions {
		for _, n := range containerAttributes(&td.ContainerDefinitions[i], td.ExecutionRoleArn != "") {
			set[n] = true
		}
	}
	for _, v := range td.Volumes {
		if dv := v.DockerVolumeConfiguration; dv != nil && dv.Driver != "" && dv.Driver != "local" {
			set["ecs.capability.docker-volume-driver."+dv.Driver] = true
		}
	}
	names := sortedKeys(set)
	if len(names) == 0 {
		return nil
	}
	attrs := make([]types.Attribute, len(names))
	for i, n := range names {
		attrs[i] = types.Attribute{Name: n}
	}
	return attrs
}

const capabilityPrefix = "com.amazonaws.ecs.capability."

// containerAttributes lists the capabilities one container needs, with
// duplicates.
func containerAttributes(c *types.ContainerDefinition, executionRole bool) []string {
	var names []string
	if c.HealthCheck != nil {
		names = append(names, "ecs.capability.container-health-check")
	}
	if len(c.DependsOn) > 0 || c.FirelensConfiguration != nil {
		names = append(names, "ecs.capability.container-ordering")
	}
	if c.Privileged != nil && *c.Privileged {
		names = append(names, capabilityPrefix+"privileged-container")
	}
	if len(c.EnvironmentFiles) > 0 {
		names = append(names, "ecs.capability.env-files.s3")
	}
	if len(c.DockerLabels) > 0 || len(c.Ulimits) > 0 {
		names = append(names, capabilityPrefix+"docker-remote-api.1.18")
	}
	if lc := c.LogConfiguration; lc != nil {
		names = append(names, capabilityPrefix+"logging-driver."+lc.LogDriver, capabilityPrefix+"docker-remote-api.1.18")
		if len(lc.Options) > 0 {
			names = append(names, capabilityPrefix+"docker-remote-api.1.19")
		}
		if lc.LogDriver == "awslogs" && executionRole {
			names = append(names, "ecs.capability.execution-role-awslogs")
		}
	}
	return names
}
