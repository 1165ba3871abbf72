package taskdef

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/ecskit/ecs/types"
)

// The validation rules of RegisterTaskDefinition (ECS-SPEC §2). Every
// failure is a ClientException whose Message is ECS's text where the spec
// records it (texts marked [unverified] are ours) and whose Field is the
// path of the offending input. Rules run in a fixed order and the first
// failure is returned, as ECS does.

// Limits of a task definition (ECS-SPEC §2 and §8).
const (
	maxContainers           = 10
	maxNameLength           = 255
	maxEnvironmentFiles     = 10
	maxTags                 = 50
	maxPlacementConstraints = 10
	maxExpressionLength     = 2000
	maxPortRanges           = 100
)

var (
	nameRE     = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	imageRE    = regexp.MustCompile(`^[A-Za-z0-9_.:/#@-]+$`)
	portNameRE = regexp.MustCompile(`^[a-z0-9_][a-z0-9_-]{0,63}$`)
)

// Enumerations of the ECS API model.
var (
	networkModes      = []string{types.NetworkModeBridge, types.NetworkModeHost, types.NetworkModeAwsvpc, types.NetworkModeNone}
	compatibilityEnum = []string{"EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"}
	ulimitNames       = []string{"core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice",
		"nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"}
	logDrivers = []string{"json-file", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "awsfirelens"}
	osFamilies = []string{"LINUX", "WINDOWS_SERVER_2016_FULL", "WINDOWS_SERVER_2019_FULL", "WINDOWS_SERVER_2019_CORE",
		"WINDOWS_SERVER_2004_CORE", "WINDOWS_SERVER_20H2_CORE", "WINDOWS_SERVER_2022_CORE", "WINDOWS_SERVER_2022_FULL",
		"WINDOWS_SERVER_2025_CORE", "WINDOWS_SERVER_2025_FULL"}
	conditions = []string{types.ConditionStart, types.ConditionComplete, types.ConditionSuccess, types.ConditionHealthy}
)

// validateTaskDefinition checks td (a copy of the input whose cpu and
// memory are not yet converted) and the request's tags; it converts the
// task cpu and memory to units in place.
func validateTaskDefinition(td *types.TaskDefinition, tags []types.Tag) error {
	steps := []func(*types.TaskDefinition) error{
		validateFamily,
		validateEnums,
		validateRoleArns,
		validateContainerList,
		normalizeTaskSize,
		validateContainerSizes,
		validateContainerFields,
		validateHostPorts,
		validateVolumes,
		validateReferences,
		validateDependencyGraph,
		validateTaskLevel,
		validateRequiredFargate,
	}
	for _, step := range steps {
		if err := step(td); err != nil {
			return err
		}
	}
	return ValidateTags(tags)
}

func validateFamily(td *types.TaskDefinition) error {
	switch {
	case td.Family == "":
		return tdErr("family", "Family should not be null or empty.") // [unverified text]
	case len(td.Family) > maxNameLength || !nameRE.MatchString(td.Family):
		return tdErr("family", "Family contains invalid characters.")
	}
	return nil
}

// enumCheck is a value that must belong to an API enumeration.
type enumCheck struct {
	field, value string
	allowed      []string
	optional     bool // the empty value (field unset) is allowed
}

// validateEnums checks every enumerated value of the task definition.
func validateEnums(td *types.TaskDefinition) error {
	checks := []enumCheck{
		{"networkMode", td.NetworkMode, networkModes, true},
		{"pidMode", td.PidMode, []string{"host", "task"}, true},
		{"ipcMode", td.IpcMode, []string{"host", "task", "none"}, true},
	}
	for i, c := range td.RequiresCompatibilities {
		checks = append(checks, enumCheck{fmt.Sprintf("requiresCompatibilities[%d]", i), c, compatibilityEnum, false})
	}
	if rp := td.RuntimePlatform; rp != nil {
		checks = append(checks,
			enumCheck{"runtimePlatform.cpuArchitecture", rp.CpuArchitecture, []string{"X86_64", "ARM64"}, true},
			enumCheck{"runtimePlatform.operatingSystemFamily", rp.OperatingSystemFamily, osFamilies, true})
	}
	if pc := td.ProxyConfiguration; pc != nil {
		checks = append(checks, enumCheck{"proxyConfiguration.type", pc.Type, []string{"APPMESH"}, true})
	}
	for i, pc := range td.PlacementConstraints {
		checks = append(checks, enumCheck{fmt.Sprintf("placementConstraints[%d].type", i), pc.Type, []string{"memberOf"}, false})
	}
	for i, v := range td.Volumes {
		if dv := v.DockerVolumeConfiguration; dv != nil {
			checks = append(checks, enumCheck{fmt.Sprintf("volumes[%d].dockerVolumeConfiguration.scope", i), dv.Scope, []string{"task", "shared"}, true})
		}
	}
	for i := range td.ContainerDefinitions {
		checks = append(checks, containerEnums(&td.ContainerDefinitions[i], cpath(i, ""))...)
	}
	for _, c := range checks {
		if (c.value == "" && c.optional) || slices.Contains(c.allowed, c.value) {
			continue
		}
		// [unverified text]
		return tdErr(c.field, "Invalid %s '%s'. Valid values: %s.", enumName(c.field), c.value, strings.Join(c.allowed, ", "))
	}
	return nil
}

// containerEnums lists the enumerated values of the container at path p.
func containerEnums(c *types.ContainerDefinition, p string) []enumCheck {
	var checks []enumCheck
	add := func(field, value string, allowed []string, optional bool) {
		checks = append(checks, enumCheck{p + "." + field, value, allowed, optional})
	}
	for j, pm := range c.PortMappings {
		add(fmt.Sprintf("portMappings[%d].protocol", j), pm.Protocol, []string{"tcp", "udp"}, true)
		add(fmt.Sprintf("portMappings[%d].appProtocol", j), pm.AppProtocol, []string{"http", "http2", "grpc"}, true)
	}
	for j, u := range c.Ulimits {
		add(fmt.Sprintf("ulimits[%d].name", j), u.Name, ulimitNames, false)
	}
	for j, d := range c.DependsOn {
		add(fmt.Sprintf("dependsOn[%d].condition", j), d.Condition, conditions, false)
	}
	for j, r := range c.ResourceRequirements {
		add(fmt.Sprintf("resourceRequirements[%d].type", j), r.Type, []string{"GPU", "InferenceAccelerator", "NeuronDevice"}, false)
	}
	for j, f := range c.EnvironmentFiles {
		add(fmt.Sprintf("environmentFiles[%d].type", j), f.Type, []string{"s3"}, false)
	}
	if lc := c.LogConfiguration; lc != nil {
		add("logConfiguration.logDriver", lc.LogDriver, logDrivers, false)
	}
	if fc := c.FirelensConfiguration; fc != nil {
		add("firelensConfiguration.type", fc.Type, []string{"fluentd", "fluentbit"}, false)
	}
	add("versionConsistency", c.VersionConsistency, []string{"enabled", "disabled"}, true)
	return checks
}

// enumName is a field path without container prefix and list indexes:
// "containerDefinitions[0].ulimits[1].name" is "ulimits.name".
func enumName(field string) string {
	if _, rest, ok := strings.Cut(field, "]."); ok && strings.HasPrefix(field, "containerDefinitions[") {
		field = rest
	}
	return indexRE.ReplaceAllString(field, "")
}

var indexRE = regexp.MustCompile(`\[\d+\]`)

// templatePlaceholder returns the first unrendered template placeholder in
// s ({{…}}, ${…}, $$$…$$$ or <…>), or "".
func templatePlaceholder(s string) string {
	for _, delim := range [][2]string{{"{{", "}}"}, {"${", "}"}, {"$$$", "$$$"}, {"<", ">"}} {
		i := strings.Index(s, delim[0])
		if i < 0 {
			continue
		}
		rest := s[i+len(delim[0]):]
		if j := strings.Index(rest, delim[1]); j >= 0 {
			return s[i : i+len(delim[0])+j+len(delim[1])]
		}
		return s[i:]
	}
	return ""
}

// checkPlaceholder rejects a value holding template text: it is only
// valid once the template has been rendered.
func checkPlaceholder(field, value string) error {
	if p := templatePlaceholder(value); p != "" {
		return tdErr(field, "%s contains an unrendered template placeholder %q; render the template before registering it.", field, p)
	}
	return nil
}

func validateRoleArns(td *types.TaskDefinition) error {
	if err := checkPlaceholder("taskRoleArn", td.TaskRoleArn); err != nil {
		return err
	}
	return checkPlaceholder("executionRoleArn", td.ExecutionRoleArn)
}

// validateContainerList checks the number of containers, their names and
// images, and that one of them is essential.
func validateContainerList(td *types.TaskDefinition) error {
	switch n := len(td.ContainerDefinitions); {
	case n == 0:
		return tdErr("containerDefinitions", "Container list cannot be empty.")
	case n > maxContainers:
		return tdErr("containerDefinitions", "Too many containers.")
	}
	seen := map[string]bool{}
	essential := false
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		if err := validateNameAndImage(c, cpath(i, "")); err != nil {
			return err
		}
		if seen[c.Name] {
			return tdErr(cpath(i, "name"), "Container names must be unique within a Task Definition.")
		}
		seen[c.Name] = true
		essential = essential || c.IsEssential()
	}
	if !essential {
		return tdErr("containerDefinitions", "Task definition doesn't have any essential container.")
	}
	return nil
}

func validateNameAndImage(c *types.ContainerDefinition, p string) error {
	switch {
	case c.Name == "":
		return tdErr(p+".name", "Container.name should not be null or empty.")
	case len(c.Name) > maxNameLength || !nameRE.MatchString(c.Name):
		return tdErr(p+".name", "Container.name contains invalid characters.")
	case c.Image == "":
		return tdErr(p+".image", "Container.image should not be null or empty.")
	case !imageRE.MatchString(c.Image):
		return tdErr(p+".image", "Container.image contains invalid characters.")
	}
	if repo, _, _ := strings.Cut(c.Image, "@"); len(repo) > maxNameLength {
		return tdErr(p+".image", "Container.image should not be longer than 255 characters.") // [unverified text]
	}
	return nil
}

// validateContainerFields checks each container's own fields.
func validateContainerFields(td *types.TaskDefinition) error {
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		checks := []func() error{
			func() error { return validatePortMappings(td, c, i) },
			func() error { return validateHealthCheck(c.HealthCheck, cpath(i, "healthCheck")) },
			func() error { return validateLogConfiguration(c.LogConfiguration, cpath(i, "logConfiguration")) },
			func() error { return validateSecrets(c, i) },
			func() error { return validateLimits(c, i) },
		}
		for _, check := range checks {
			if err := check(); err != nil {
				return err
			}
		}
	}
	return nil
}

func validateHealthCheck(hc *types.HealthCheck, p string) error {
	if hc == nil {
		return nil
	}
	if len(hc.Command) == 0 || (hc.Command[0] != "CMD" && hc.Command[0] != "CMD-SHELL") {
		return tdErr(p+".command", "The health check command must start with CMD or CMD-SHELL.") // [unverified text]
	}
	bounds := []struct {
		name     string
		v        *int64
		min, max int64
	}{
		{"interval", hc.Interval, 5, 300},
		{"timeout", hc.Timeout, 2, 60},
		{"retries", hc.Retries, 1, 10},
		{"startPeriod", hc.StartPeriod, 0, 300},
	}
	for _, b := range bounds {
		if b.v != nil && (*b.v < b.min || *b.v > b.max) {
			return tdErr(p+"."+b.name, "The health check %s must be between %d and %d, got %d.", b.name, b.min, b.max, *b.v) // [unverified text]
		}
	}
	return nil
}

func validateLogConfiguration(lc *types.LogConfiguration, p string) error {
	if lc == nil {
		return nil
	}
	if lc.LogDriver == "awslogs" {
		var missing []string
		for _, k := range []string{"awslogs-region", "awslogs-group"} {
			if lc.Options[k] == "" {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			return tdErr(p+".options", "Log driver awslogs requires options: %s", strings.Join(missing, ", "))
		}
	}
	for j, s := range lc.SecretOptions {
		if err := checkPlaceholder(fmt.Sprintf("%s.secretOptions[%d].valueFrom", p, j), s.ValueFrom); err != nil {
			return err
		}
	}
	return nil
}

// validateSecrets rejects template text where ECS expects an ARN or a
// parameter name, and too many environment files.
func validateSecrets(c *types.ContainerDefinition, i int) error {
	for j, s := range c.Secrets {
		if err := checkPlaceholder(cpath(i, fmt.Sprintf("secrets[%d].valueFrom", j)), s.ValueFrom); err != nil {
			return err
		}
	}
	if rc := c.RepositoryCredentials; rc != nil {
		if err := checkPlaceholder(cpath(i, "repositoryCredentials.credentialsParameter"), rc.CredentialsParameter); err != nil {
			return err
		}
	}
	if len(c.EnvironmentFiles) > maxEnvironmentFiles {
		return tdErr(cpath(i, "environmentFiles"), "A container can have at most %d environment files.", maxEnvironmentFiles) // [unverified text]
	}
	return nil
}

// validateLimits checks that no ulimit's soft limit exceeds its hard limit
// and that each resource requirement has a value, or a GPU sharing
// strategy instead. [unverified texts]
func validateLimits(c *types.ContainerDefinition, i int) error {
	for j, u := range c.Ulimits {
		if u.SoftLimit > u.HardLimit {
			return tdErr(cpath(i, fmt.Sprintf("ulimits[%d].softLimit", j)), "The ulimit softLimit cannot be greater than its hardLimit.")
		}
	}
	for j, r := range c.ResourceRequirements {
		p := cpath(i, fmt.Sprintf("resourceRequirements[%d]", j))
		switch {
		case r.SharingStrategy != nil && r.Type != "GPU":
			return tdErr(p+".sharingStrategy", "A sharingStrategy is only allowed for resource type GPU.")
		case r.SharingStrategy != nil && r.Value != "":
			return tdErr(p+".value", "Specify either a value or a sharingStrategy for a GPU, not both.")
		case r.SharingStrategy == nil && r.Value == "":
			return tdErr(p+".value", "The resource requirement value should not be blank.")
		}
	}
	return nil
}

// validateVolumes checks the task's volumes and each container's mount
// points.
func validateVolumes(td *types.TaskDefinition) error {
	names := map[string]bool{}
	for i, v := range td.Volumes {
		p := fmt.Sprintf("volumes[%d]", i)
		switch {
		case v.Name == "" || len(v.Name) > maxNameLength || !nameRE.MatchString(v.Name):
			return tdErr(p+".name", "Volume name '%s' is invalid: use 1 to 255 letters, numbers, hyphens and underscores.", v.Name) // [unverified text]
		case names[v.Name]:
			return tdErr(p+".name", "Volume names must be unique within a Task Definition.") // [unverified text]
		case v.Host != nil && v.Host.SourcePath != "" && strings.TrimSpace(v.Host.SourcePath) == "":
			return tdErr(p+".host.sourcePath", "host.sourcePath should not be blank.")
		}
		names[v.Name] = true
	}
	for i, c := range td.ContainerDefinitions {
		for j, m := range c.MountPoints {
			p := cpath(i, fmt.Sprintf("mountPoints[%d]", j))
			if !names[m.SourceVolume] {
				return tdErr(p+".sourceVolume", "Unknown volume '%s'.", m.SourceVolume)
			}
			if m.ContainerPath == "" {
				return tdErr(p+".containerPath", "mountPoint containerPath should not be blank.") // [unverified text]
			}
		}
	}
	return nil
}

// cpath is the path of a field of container i ("" for the container).
func cpath(i int, field string) string {
	p := fmt.Sprintf("containerDefinitions[%d]", i)
	if field != "" {
		p += "." + field
	}
	return p
}

// validateTaskLevel checks placement constraints, the proxy configuration
// and ephemeral storage.
func validateTaskLevel(td *types.TaskDefinition) error {
	if len(td.PlacementConstraints) > maxPlacementConstraints {
		return tdErr("placementConstraints", "Too many placement constraints: at most %d are allowed.", maxPlacementConstraints) // [unverified text]
	}
	for i, pc := range td.PlacementConstraints {
		p := fmt.Sprintf("placementConstraints[%d]", i)
		if pc.Expression == "" || len(pc.Expression) > maxExpressionLength {
			return tdErr(p+".expression", "A memberOf constraint needs an expression of 1 to %d characters.", maxExpressionLength) // [unverified text]
		}
	}
	if pc := td.ProxyConfiguration; pc != nil {
		if !slices.ContainsFunc(td.ContainerDefinitions, func(c types.ContainerDefinition) bool { return c.Name == pc.ContainerName }) {
			return tdErr("proxyConfiguration.containerName", "ProxyConfiguration containerName '%s' does not name a container of the task definition.", pc.ContainerName) // [unverified text]
		}
	}
	if es := td.EphemeralStorage; es != nil && (es.SizeInGiB < 21 || es.SizeInGiB > 200) {
		return tdErr("ephemeralStorage.sizeInGiB", "ephemeralStorage sizeInGiB must be between 21 and 200.") // [unverified text]
	}
	return nil
}

// ValidateTags checks the tags of a request as RegisterTaskDefinition and
// the other tagging actions do (ECS-SPEC §2.1): at most 50, each key 1 to
// 128 characters, given once and not starting with "aws:", each value at
// most 256 characters. Failures are ClientException. [unverified texts]
func ValidateTags(tags []types.Tag) error {
	if len(tags) > maxTags {
		return tdErr("tags", "A resource can have at most %d tags.", maxTags)
	}
	seen := map[string]bool{}
	for i, t := range tags {
		p := fmt.Sprintf("tags[%d]", i)
		switch {
		case t.Key == "" || len(t.Key) > 128:
			return tdErr(p+".key", "Tag keys must be 1 to 128 characters long.")
		case len(t.Value) > 256:
			return tdErr(p+".value", "Tag values must be at most 256 characters long.")
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return tdErr(p+".key", "Tag keys may not begin with the reserved prefix 'aws:'.")
		case seen[t.Key]:
			return tdErr(p+".key", "Duplicate tag key '%s'.", t.Key)
		}
		seen[t.Key] = true
	}
	return nil
}

// validateRequiredFargate applies the Fargate rules when the task
// definition asks for FARGATE.
func validateRequiredFargate(td *types.TaskDefinition) error {
	if !slices.Contains(td.RequiresCompatibilities, "FARGATE") {
		return nil
	}
	if field, msg := fargateProblem(td); msg != "" {
		return tdErr(field, "%s", msg)
	}
	return nil
}
