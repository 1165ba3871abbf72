package agent

import (
	"context"
	"errors"
	"sort"
	"strconv"

	"github.com/ecskit/ecs/types"
)

// Capability attributes the agent registers: what this agent and a Docker
// engine can do for a task definition's requiresAttributes.
var capabilities = func() []string {
	caps := []string{
		"ecs.capability.container-health-check",
		"ecs.capability.container-ordering",
		"ecs.capability.docker-plugin.local",
		"com.amazonaws.ecs.capability.privileged-container",
		// Accepted, though ecskit has no credential endpoint, S3 or
		// secrets store to serve them: the task runs without them.
		"com.amazonaws.ecs.capability.task-iam-role",
		"ecs.capability.execution-role-awslogs",
		"ecs.capability.env-files.s3",
		"ecs.capability.secrets.ssm.environment-variables",
		"ecs.capability.secrets.asm.environment-variables",
		"ecs.capability.private-registry-authentication.secretsmanager",
		"ecs.capability.firelens.fluentbit",
		"ecs.capability.firelens.fluentd",
	}
	for _, d := range []string{"json-file", "local", "none", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "awsfirelens"} {
		caps = append(caps, "com.amazonaws.ecs.capability.logging-driver."+d)
	}
	for minor := 17; minor <= 44; minor++ {
		caps = append(caps, "com.amazonaws.ecs.capability.docker-remote-api.1."+strconv.Itoa(minor))
	}
	return caps
}()

// register registers (or re-registers) the instance and records its ARN.
func (a *Agent) register(ctx context.Context) error {
	ictx, cancel := context.WithTimeout(ctx, infoTimeout)
	info, err := a.cfg.Runtime.Info(ictx)
	cancel()
	if err != nil {
		a.logErr("read runtime info", err)
		return err
	}
	a.mu.Lock()
	arn := a.instanceArn
	a.mu.Unlock()
	in := a.registrationInput(info.CPUs, info.MemoryBytes, info.OSType, info.Architecture, info.EngineVersion)
	in.ContainerInstanceArn = arn
	out, err := a.cfg.ControlPlane.RegisterContainerInstance(ctx, in)
	if err == nil && (out == nil || out.ContainerInstance == nil || out.ContainerInstance.ContainerInstanceArn == "") {
		err = errors.New("control plane returned no container instance")
	}
	if err != nil {
		a.logErr("register container instance", err)
		return err
	}
	a.mu.Lock()
	a.instanceArn = out.ContainerInstance.ContainerInstanceArn
	a.mu.Unlock()
	a.log.Info("agent: registered", "containerInstance", a.instanceArn, "cluster", a.cfg.Cluster)
	return nil
}

// registrationInput builds the RegisterContainerInstance request from the
// host's resources and the configured attributes.
func (a *Agent) registrationInput(cpus int, memBytes int64, osType, arch, engine string) *types.RegisterContainerInstanceInput {
	memMiB := memBytes>>20 - a.cfg.ReservedMemoryMiB
	if memMiB < 0 {
		memMiB = 0
	}
	in := &types.RegisterContainerInstanceInput{
		Cluster: a.cfg.Cluster,
		TotalResources: []types.Resource{
			{Name: types.ResourceCPU, Type: "INTEGER", IntegerValue: int64(cpus) * 1024},
			{Name: types.ResourceMemory, Type: "INTEGER", IntegerValue: memMiB},
			{Name: types.ResourcePorts, Type: "STRINGSET", StringSetValue: portStrings(a.cfg.ReservedPorts)},
			{Name: types.ResourcePortsUDP, Type: "STRINGSET", StringSetValue: portStrings(a.cfg.ReservedPortsUDP)},
		},
		VersionInfo: &types.VersionInfo{AgentVersion: a.cfg.AgentVersion, DockerVersion: "DockerVersion: " + engine},
	}
	attr := func(name, value string) {
		in.Attributes = append(in.Attributes, types.Attribute{Name: name, Value: value})
	}
	if osType == "" {
		osType = "linux"
	}
	attr("ecs.os-type", osType)
	if arch != "" {
		attr("ecs.cpu-architecture", arch)
	}
	at := a.cfg.Attributes
	for name, v := range map[string]string{
		"ecs.availability-zone": at.AvailabilityZone,
		"ecs.instance-type":     at.InstanceType,
		"ecs.ami-id":            at.AMIID,
	} {
		if v != "" {
			attr(name, v)
		}
	}
	for _, c := range capabilities {
		attr(c, "")
	}
	for name, v := range at.Custom {
		attr(name, v)
	}
	sort.Slice(in.Attributes, func(i, j int) bool { return in.Attributes[i].Name < in.Attributes[j].Name })
	return in
}

func portStrings(ports []int) []string {
	out := []string{}
	for _, p := range ports {
		out = append(out, strconv.Itoa(p))
	}
	return out
}
