package ecs

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// doc builds a register document: family "web", the given top-level
// members (without braces) and the given containers.
func doc(extra string, containers ...string) string {
	if extra != "" {
		extra += ", "
	}
	return fmt.Sprintf(`{"family": "web", %s"containerDefinitions": [%s]}`, extra, strings.Join(containers, ", "))
}

// fargate is the task-level part of a valid Fargate task definition.
const fargate = `"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512"`

// app is a valid EC2 container named app.
const app = `{"name": "app", "image": "nginx", "memory": 128}`

// ctr is a container named name with extra members.
func ctr(name, extra string) string {
	if extra != "" {
		extra = ", " + extra
	}
	return fmt.Sprintf(`{"name": %q, "image": "nginx", "memory": 128%s}`, name, extra)
}

// normalizeDoc parses doc, which must parse, and normalises it.
func normalizeDoc(t *testing.T, doc string) (*TaskDefinition, error) {
	t.Helper()
	in, err := ParseTaskDefinition([]byte(doc))
	require.NoError(t, err, "document: %s", doc)
	return NormalizeTaskDefinition(in)
}

type ruleCase struct {
	name, doc, field, msg string
}

// runRuleCases asserts that each document fails with exactly the
// ClientException message and field given.
func runRuleCases(t *testing.T, tests []ruleCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := normalizeDoc(t, tc.doc)
			var e *Error
			require.True(t, errors.As(err, &e), "want an *Error, got %v", err)
			require.Equal(t, ClientException, e.Code)
			require.Equal(t, tc.msg, e.Message)
			require.Equal(t, tc.field, e.Field)
			require.ErrorIs(t, err, ErrClient)
		})
	}
}

func TestNormalizeTaskDefinitionFamilyAndContainers(t *testing.T) {
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = ctr(fmt.Sprintf("c%d", i), "")
	}
	runRuleCases(t, []ruleCase{
		{"empty family", `{"family": "", "containerDefinitions": [` + app + `]}`, "family", "Family should not be null or empty."},
		{"family placeholder", `{"family": "<TASK_NAME>", "containerDefinitions": [` + app + `]}`, "family", "Family contains invalid characters."},
		{"family too long", `{"family": "` + strings.Repeat("f", 256) + `", "containerDefinitions": [` + app + `]}`, "family", "Family contains invalid characters."},
		{"no containers", doc(""), "containerDefinitions", "Container list cannot be empty."},
		{"eleven containers", doc("", eleven...), "containerDefinitions", "Too many containers."},
		{"container without name", doc("", `{"image": "nginx", "memory": 128}`), "containerDefinitions[0].name", "Container.name should not be null or empty."},
		{"container name with space", doc("", ctr("my app", "")), "containerDefinitions[0].name", "Container.name contains invalid characters."},
		{"duplicate container names", doc("", app, app), "containerDefinitions[1].name", "Container names must be unique within a Task Definition."},
		{"container without image", doc("", `{"name": "app", "memory": 128}`), "containerDefinitions[0].image", "Container.image should not be null or empty."},
		{"image template", doc("", `{"name": "app", "image": "katsubushi:{{ env `+"`TAG`"+` }}", "memory": 128}`), "containerDefinitions[0].image", "Container.image contains invalid characters."},
		{"image with dollar", doc("", `{"name": "app", "image": "app:$TAG", "memory": 128}`), "containerDefinitions[0].image", "Container.image contains invalid characters."},
		{"image with angle brackets", doc("", `{"name": "app", "image": "<IMAGE>", "memory": 128}`), "containerDefinitions[0].image", "Container.image contains invalid characters."},
		{"image too long", doc("", `{"name": "app", "image": "`+strings.Repeat("i", 256)+`", "memory": 128}`), "containerDefinitions[0].image", "Container.image should not be longer than 255 characters."},
		{"no essential container", doc("", ctr("a", `"essential": false`), ctr("b", `"essential": false`)), "containerDefinitions", "Task definition doesn't have any essential container."},
	})
}

func TestNormalizeTaskDefinitionEnums(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"network mode typo", doc(`"networkMode": "aws-vpc"`, app), "networkMode", "Invalid networkMode 'aws-vpc'. Valid values: bridge, host, awsvpc, none."},
		{"compatibility placeholder", doc(`"requiresCompatibilities": ["{{launchtype}}"]`, app), "requiresCompatibilities[0]", "Invalid requiresCompatibilities '{{launchtype}}'. Valid values: EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES."},
		{"pid mode", doc(`"pidMode": "container"`, app), "pidMode", "Invalid pidMode 'container'. Valid values: host, task."},
		{"ipc mode", doc(`"ipcMode": "shared"`, app), "ipcMode", "Invalid ipcMode 'shared'. Valid values: host, task, none."},
		{"cpu architecture case", doc(`"runtimePlatform": {"cpuArchitecture": "arm64"}`, app), "runtimePlatform.cpuArchitecture", "Invalid runtimePlatform.cpuArchitecture 'arm64'. Valid values: X86_64, ARM64."},
		{"operating system family", doc(`"runtimePlatform": {"operatingSystemFamily": "WINDOWS"}`, app), "runtimePlatform.operatingSystemFamily", "Invalid runtimePlatform.operatingSystemFamily 'WINDOWS'. Valid values: " + strings.Join(osFamilies, ", ") + "."},
		{"placement constraint type", doc(`"placementConstraints": [{"type": "distinctInstance"}]`, app), "placementConstraints[0].type", "Invalid placementConstraints.type 'distinctInstance'. Valid values: memberOf."},
		{"proxy type", doc(`"proxyConfiguration": {"type": "ISTIO", "containerName": "app"}`, app), "proxyConfiguration.type", "Invalid proxyConfiguration.type 'ISTIO'. Valid values: APPMESH."},
		{"volume scope", doc(`"volumes": [{"name": "v", "dockerVolumeConfiguration": {"scope": "global"}}]`, app), "volumes[0].dockerVolumeConfiguration.scope", "Invalid volumes.dockerVolumeConfiguration.scope 'global'. Valid values: task, shared."},
		{"protocol case", doc("", ctr("app", `"portMappings": [{"containerPort": 80, "protocol": "TCP"}]`)), "containerDefinitions[0].portMappings[0].protocol", "Invalid portMappings.protocol 'TCP'. Valid values: tcp, udp."},
		{"app protocol", doc("", ctr("app", `"portMappings": [{"containerPort": 80, "appProtocol": "https"}]`)), "containerDefinitions[0].portMappings[0].appProtocol", "Invalid portMappings.appProtocol 'https'. Valid values: http, http2, grpc."},
		{"dependsOn condition", doc("", ctr("app", `"dependsOn": [{"containerName": "app", "condition": "RUNNING"}]`)), "containerDefinitions[0].dependsOn[0].condition", "Invalid dependsOn.condition 'RUNNING'. Valid values: START, COMPLETE, SUCCESS, HEALTHY."},
		{"ulimit name", doc("", ctr("app", `"ulimits": [{"name": "files", "softLimit": 1, "hardLimit": 1}]`)), "containerDefinitions[0].ulimits[0].name", "Invalid ulimits.name 'files'. Valid values: " + strings.Join(ulimitNames, ", ") + "."},
		{"log driver", doc("", ctr("app", `"logConfiguration": {"logDriver": "none"}`)), "containerDefinitions[0].logConfiguration.logDriver", "Invalid logConfiguration.logDriver 'none'. Valid values: " + strings.Join(logDrivers, ", ") + "."},
		{"firelens type", doc("", ctr("app", `"firelensConfiguration": {"type": "vector"}`)), "containerDefinitions[0].firelensConfiguration.type", "Invalid firelensConfiguration.type 'vector'. Valid values: fluentd, fluentbit."},
		{"resource type", doc("", ctr("app", `"resourceRequirements": [{"type": "TPU", "value": "1"}]`)), "containerDefinitions[0].resourceRequirements[0].type", "Invalid resourceRequirements.type 'TPU'. Valid values: GPU, InferenceAccelerator, NeuronDevice."},
		{"environment file type", doc("", ctr("app", `"environmentFiles": [{"type": "s4", "value": "arn:aws:s3:::b/k.env"}]`)), "containerDefinitions[0].environmentFiles[0].type", "Invalid environmentFiles.type 's4'. Valid values: s3."},
		{"version consistency", doc("", ctr("app", `"versionConsistency": "on"`)), "containerDefinitions[0].versionConsistency", "Invalid versionConsistency 'on'. Valid values: enabled, disabled."},
	})
}

func TestNormalizeTaskDefinitionFields(t *testing.T) {
	var tags []string
	for i := range 51 {
		tags = append(tags, fmt.Sprintf(`{"key": "k%d"}`, i))
	}
	envFiles := strings.Repeat(`{"type": "s3", "value": "arn:aws:s3:::b/k.env"}, `, 11)
	runRuleCases(t, []ruleCase{
		{"health check without CMD", doc("", ctr("app", `"healthCheck": {"command": ["curl", "-f", "localhost"]}`)), "containerDefinitions[0].healthCheck.command", "The health check command must start with CMD or CMD-SHELL."},
		{"health check interval", doc("", ctr("app", `"healthCheck": {"command": ["CMD", "true"], "interval": 4}`)), "containerDefinitions[0].healthCheck.interval", "The health check interval must be between 5 and 300, got 4."},
		{"health check timeout", doc("", ctr("app", `"healthCheck": {"command": ["CMD", "true"], "timeout": 61}`)), "containerDefinitions[0].healthCheck.timeout", "The health check timeout must be between 2 and 60, got 61."},
		{"health check retries", doc("", ctr("app", `"healthCheck": {"command": ["CMD", "true"], "retries": 0}`)), "containerDefinitions[0].healthCheck.retries", "The health check retries must be between 1 and 10, got 0."},
		{"health check start period", doc("", ctr("app", `"healthCheck": {"command": ["CMD-SHELL", "true"], "startPeriod": 301}`)), "containerDefinitions[0].healthCheck.startPeriod", "The health check startPeriod must be between 0 and 300, got 301."},
		{"awslogs without options", doc("", ctr("app", `"logConfiguration": {"logDriver": "awslogs"}`)), "containerDefinitions[0].logConfiguration.options", "Log driver awslogs requires options: awslogs-region, awslogs-group"},
		{"awslogs without region", doc("", ctr("app", `"logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g"}}`)), "containerDefinitions[0].logConfiguration.options", "Log driver awslogs requires options: awslogs-region"},
		{"eleven environment files", doc("", ctr("app", `"environmentFiles": [`+strings.TrimSuffix(envFiles, ", ")+`]`)), "containerDefinitions[0].environmentFiles", "A container can have at most 10 environment files."},
		{"ulimit soft above hard", doc("", ctr("app", `"ulimits": [{"name": "nofile", "softLimit": 2, "hardLimit": 1}]`)), "containerDefinitions[0].ulimits[0].softLimit", "The ulimit softLimit cannot be greater than its hardLimit."},
		{"resource requirement without value", doc("", ctr("app", `"resourceRequirements": [{"type": "GPU"}]`)), "containerDefinitions[0].resourceRequirements[0].value", "The resource requirement value should not be blank."},
		{"GPU sharing and value", doc("", ctr("app", `"resourceRequirements": [{"type": "GPU", "value": "1", "sharingStrategy": {"nvidiaMps": {"memory": 1024}}}]`)), "containerDefinitions[0].resourceRequirements[0].value", "Specify either a value or a sharingStrategy for a GPU, not both."},
		{"sharing a non-GPU resource", doc("", ctr("app", `"resourceRequirements": [{"type": "InferenceAccelerator", "sharingStrategy": {}}]`)), "containerDefinitions[0].resourceRequirements[0].sharingStrategy", "A sharingStrategy is only allowed for resource type GPU."},
		{"fifty-one tags", doc(`"tags": [`+strings.Join(tags, ", ")+`]`, app), "tags", "A resource can have at most 50 tags."},
		{"tag with aws prefix", doc(`"tags": [{"key": "AWS:team"}]`, app), "tags[0].key", "Tag keys may not begin with the reserved prefix 'aws:'."},
		{"tag without key", doc(`"tags": [{"value": "x"}]`, app), "tags[0].key", "Tag keys must be 1 to 128 characters long."},
		{"tag key too long", doc(`"tags": [{"key": "`+strings.Repeat("k", 129)+`"}]`, app), "tags[0].key", "Tag keys must be 1 to 128 characters long."},
		{"tag value too long", doc(`"tags": [{"key": "k", "value": "`+strings.Repeat("v", 257)+`"}]`, app), "tags[0].value", "Tag values must be at most 256 characters long."},
		{"duplicate tag key", doc(`"tags": [{"key": "k"}, {"key": "k"}]`, app), "tags[1].key", "Duplicate tag key 'k'."},
		{"proxy container unknown", doc(`"proxyConfiguration": {"type": "APPMESH", "containerName": "envoy"}`, app), "proxyConfiguration.containerName", "ProxyConfiguration containerName 'envoy' does not name a container of the task definition."},
		{"expression too long", doc(`"placementConstraints": [{"type": "memberOf", "expression": "`+strings.Repeat("a", 2001)+`"}]`, app), "placementConstraints[0].expression", "A memberOf constraint needs an expression of 1 to 2000 characters."},
		{"memberOf without expression", doc(`"placementConstraints": [{"type": "memberOf"}]`, app), "placementConstraints[0].expression", "A memberOf constraint needs an expression of 1 to 2000 characters."},
		{"eleven placement constraints", doc(`"placementConstraints": [`+strings.TrimSuffix(strings.Repeat(`{"type": "memberOf", "expression": "a == b"}, `, 11), ", ")+`]`, app), "placementConstraints", "Too many placement constraints: at most 10 are allowed."},
		{"ephemeral storage too small", doc(`"ephemeralStorage": {"sizeInGiB": 20}`, app), "ephemeralStorage.sizeInGiB", "ephemeralStorage sizeInGiB must be between 21 and 200."},
	})
}

func TestNormalizeTaskDefinitionPlaceholders(t *testing.T) {
	const suffix = "; render the template before registering it."
	runRuleCases(t, []ruleCase{
		{"task role mustache", doc(`"taskRoleArn": "arn:aws:iam::{{must_env `+"`ACCOUNT`"+`}}:role/r"`, app), "taskRoleArn", "taskRoleArn contains an unrendered template placeholder \"{{must_env `ACCOUNT`}}\"" + suffix},
		{"execution role dollars", doc(`"executionRoleArn": "$$$EXECUTION_ROLE$$$"`, app), "executionRoleArn", `executionRoleArn contains an unrendered template placeholder "$$$EXECUTION_ROLE$$$"` + suffix},
		{"secret shell variable", doc("", ctr("app", `"secrets": [{"name": "A", "valueFrom": "arn:${Partition}:ssm:::parameter/a"}]`)), "containerDefinitions[0].secrets[0].valueFrom", `containerDefinitions[0].secrets[0].valueFrom contains an unrendered template placeholder "${Partition}"` + suffix},
		{"secret option angle brackets", doc("", ctr("app", `"logConfiguration": {"logDriver": "splunk", "secretOptions": [{"name": "t", "valueFrom": "arn:aws:ssm:us-east-1:<ACCOUNT>:parameter/t"}]}`)), "containerDefinitions[0].logConfiguration.secretOptions[0].valueFrom", `containerDefinitions[0].logConfiguration.secretOptions[0].valueFrom contains an unrendered template placeholder "<ACCOUNT>"` + suffix},
		{"repository credentials unterminated", doc("", ctr("app", `"repositoryCredentials": {"credentialsParameter": "{{creds"}`)), "containerDefinitions[0].repositoryCredentials.credentialsParameter", `containerDefinitions[0].repositoryCredentials.credentialsParameter contains an unrendered template placeholder "{{creds"` + suffix},
	})
}

func TestNormalizeTaskDefinitionVolumes(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"mount of an undefined volume", doc("", ctr("app", `"mountPoints": [{"sourceVolume": "root-RO", "containerPath": "/r"}]`)), "containerDefinitions[0].mountPoints[0].sourceVolume", "Unknown volume 'root-RO'."},
		{"mount without container path", doc(`"volumes": [{"name": "v"}]`, ctr("app", `"mountPoints": [{"sourceVolume": "v"}]`)), "containerDefinitions[0].mountPoints[0].containerPath", "mountPoint containerPath should not be blank."},
		{"white space source path", doc(`"volumes": [{"name": "v", "host": {"sourcePath": "  "}}]`, app), "volumes[0].host.sourcePath", "host.sourcePath should not be blank."},
		{"duplicate volume names", doc(`"volumes": [{"name": "v"}, {"name": "v"}]`, app), "volumes[1].name", "Volume names must be unique within a Task Definition."},
		{"volume without name", doc(`"volumes": [{"host": {"sourcePath": "/x"}}]`, app), "volumes[0].name", "Volume name '' is invalid: use 1 to 255 letters, numbers, hyphens and underscores."},
		{"volumesFrom unknown container", doc("", ctr("app", `"volumesFrom": [{"sourceContainer": "data"}]`)), "containerDefinitions[0].volumesFrom[0].sourceContainer", "Unknown container 'data' in volumesFrom."},
	})
}

func TestNormalizeTaskDefinitionAcceptsValidVariants(t *testing.T) {
	tests := []struct{ name, doc string }{
		{"uppercase image repository", doc("", `{"name": "app", "image": "123.dkr.ecr.us-east-1.amazonaws.com/myApp:v1", "memory": 128}`)},
		{"image digest", doc("", `{"name": "app", "image": "nginx@sha256:`+strings.Repeat("a", 64)+`", "memory": 128}`)},
		{"host volume managed by docker", doc(`"volumes": [{"name": "v", "host": {}}]`, ctr("app", `"mountPoints": [{"sourceVolume": "v", "containerPath": "/v"}]`))},
		{"same port on tcp and udp", doc("", ctr("app", `"portMappings": [{"containerPort": 53, "protocol": "tcp"}, {"containerPort": 53, "protocol": "udp"}]`))},
		{"dynamic host ports twice", doc("", ctr("a", `"portMappings": [{"containerPort": 80, "hostPort": 0}]`), ctr("b", `"portMappings": [{"containerPort": 80}]`))},
		{"memory equal to reservation", doc("", `{"name": "app", "image": "nginx", "memory": 64, "memoryReservation": 64}`)},
		{"empty requiresCompatibilities", doc(`"requiresCompatibilities": []`, app)},
		{"COMPLETE on a non-essential container", doc("", ctr("init", `"essential": false`), ctr("app", `"dependsOn": [{"containerName": "init", "condition": "COMPLETE"}]`))},
		{"link with alias", doc("", ctr("db", ""), ctr("app", `"links": ["db:database"]`))},
		{"GPU sharing strategy", doc("", ctr("app", `"resourceRequirements": [{"type": "GPU", "sharingStrategy": {"nvidiaMps": {"memory": 1024, "maxComputePercent": 50}}}]`))},
		{"S3 Files volume", doc(`"volumes": [{"name": "s3", "s3filesVolumeConfiguration": {"fileSystemArn": "arn:aws:s3files:us-east-1:1:file-system/fs-1", "transitEncryptionPort": 2049}}]`, ctr("app", `"mountPoints": [{"sourceVolume": "s3", "containerPath": "/data"}]`))},
		{"empty proxy property value", doc(`"proxyConfiguration": {"containerName": "app", "properties": [{"name": "EgressIgnoredPorts", "value": ""}]}`, app)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := normalizeDoc(t, tc.doc)
			require.NoError(t, err)
		})
	}
}
