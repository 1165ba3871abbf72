package taskdef

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ecskit/ecs/types"
	"github.com/stretchr/testify/require"
)

// tdDoc builds a register document: family "web", the given top-level
// members (without braces) and the given containers.
func tdDoc(extra string, containers ...string) string {
	if extra != "" {
		extra += ", "
	}
	return fmt.Sprintf(`{"family": "web", %s"containerDefinitions": [%s]}`, extra, strings.Join(containers, ", "))
}

// tdFargate is the task-level part of a valid Fargate task definition.
const tdFargate = `"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512"`

// tdApp is a valid EC2 container named app.
const tdApp = `{"name": "app", "image": "nginx", "memory": 128}`

// tdCtr is a container named name with extra members.
func tdCtr(name, extra string) string {
	if extra != "" {
		extra = ", " + extra
	}
	return fmt.Sprintf(`{"name": %q, "image": "nginx", "memory": 128%s}`, name, extra)
}

// tdNormalize parses doc, which must parse, and normalises it.
func tdNormalize(t *testing.T, doc string) (*types.TaskDefinition, error) {
	t.Helper()
	in, err := Parse([]byte(doc))
	require.NoError(t, err, "document: %s", doc)
	return Normalize(in)
}

type tdRuleCase struct {
	name, doc, field, msg string
}

// runTDRuleCases asserts that each document fails with exactly the
// ClientException message and field given.
func runTDRuleCases(t *testing.T, tests []tdRuleCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tdNormalize(t, tc.doc)
			var e *types.Error
			require.True(t, errors.As(err, &e), "want an *Error, got %v", err)
			require.Equal(t, types.ClientException, e.Code)
			require.Equal(t, tc.msg, e.Message)
			require.Equal(t, tc.field, e.Field)
			require.ErrorIs(t, err, types.ErrClient)
		})
	}
}

func TestNormalizeTaskDefinitionFamilyAndContainers(t *testing.T) {
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = tdCtr(fmt.Sprintf("c%d", i), "")
	}
	runTDRuleCases(t, []tdRuleCase{
		{"empty family", `{"family": "", "containerDefinitions": [` + tdApp + `]}`, "family", "Family should not be null or empty."},
		{"family placeholder", `{"family": "<TASK_NAME>", "containerDefinitions": [` + tdApp + `]}`, "family", "Family contains invalid characters."},
		{"family too long", `{"family": "` + strings.Repeat("f", 256) + `", "containerDefinitions": [` + tdApp + `]}`, "family", "Family contains invalid characters."},
		{"no containers", tdDoc(""), "containerDefinitions", "Container list cannot be empty."},
		{"eleven containers", tdDoc("", eleven...), "containerDefinitions", "Too many containers."},
		{"container without name", tdDoc("", `{"image": "nginx", "memory": 128}`), "containerDefinitions[0].name", "Container.name should not be null or empty."},
		{"container name with space", tdDoc("", tdCtr("my app", "")), "containerDefinitions[0].name", "Container.name contains invalid characters."},
		{"duplicate container names", tdDoc("", tdApp, tdApp), "containerDefinitions[1].name", "Container names must be unique within a Task Definition."},
		{"container without image", tdDoc("", `{"name": "app", "memory": 128}`), "containerDefinitions[0].image", "Container.image should not be null or empty."},
		{"image template", tdDoc("", `{"name": "app", "image": "katsubushi:{{ env `+"`TAG`"+` }}", "memory": 128}`), "containerDefinitions[0].image", "Container.image contains invalid characters."},
		{"image with dollar", tdDoc("", `{"name": "app", "image": "app:$TAG", "memory": 128}`), "containerDefinitions[0].image", "Container.image contains invalid characters."},
		{"image with angle brackets", tdDoc("", `{"name": "app", "image": "<IMAGE>", "memory": 128}`), "containerDefinitions[0].image", "Container.image contains invalid characters."},
		{"image too long", tdDoc("", `{"name": "app", "image": "`+strings.Repeat("i", 256)+`", "memory": 128}`), "containerDefinitions[0].image", "Container.image should not be longer than 255 characters."},
		{"no essential container", tdDoc("", tdCtr("a", `"essential": false`), tdCtr("b", `"essential": false`)), "containerDefinitions", "Task definition doesn't have any essential container."},
	})
}

func TestNormalizeTaskDefinitionEnums(t *testing.T) {
	runTDRuleCases(t, []tdRuleCase{
		{"network mode typo", tdDoc(`"networkMode": "aws-vpc"`, tdApp), "networkMode", "Invalid networkMode 'aws-vpc'. Valid values: bridge, host, awsvpc, none."},
		{"compatibility placeholder", tdDoc(`"requiresCompatibilities": ["{{launchtype}}"]`, tdApp), "requiresCompatibilities[0]", "Invalid requiresCompatibilities '{{launchtype}}'. Valid values: EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES."},
		{"pid mode", tdDoc(`"pidMode": "container"`, tdApp), "pidMode", "Invalid pidMode 'container'. Valid values: host, task."},
		{"ipc mode", tdDoc(`"ipcMode": "shared"`, tdApp), "ipcMode", "Invalid ipcMode 'shared'. Valid values: host, task, none."},
		{"cpu architecture case", tdDoc(`"runtimePlatform": {"cpuArchitecture": "arm64"}`, tdApp), "runtimePlatform.cpuArchitecture", "Invalid runtimePlatform.cpuArchitecture 'arm64'. Valid values: X86_64, ARM64."},
		{"operating system family", tdDoc(`"runtimePlatform": {"operatingSystemFamily": "WINDOWS"}`, tdApp), "runtimePlatform.operatingSystemFamily", "Invalid runtimePlatform.operatingSystemFamily 'WINDOWS'. Valid values: " + strings.Join(osFamilies, ", ") + "."},
		{"placement constraint type", tdDoc(`"placementConstraints": [{"type": "distinctInstance"}]`, tdApp), "placementConstraints[0].type", "Invalid placementConstraints.type 'distinctInstance'. Valid values: memberOf."},
		{"proxy type", tdDoc(`"proxyConfiguration": {"type": "ISTIO", "containerName": "app"}`, tdApp), "proxyConfiguration.type", "Invalid proxyConfiguration.type 'ISTIO'. Valid values: APPMESH."},
		{"volume scope", tdDoc(`"volumes": [{"name": "v", "dockerVolumeConfiguration": {"scope": "global"}}]`, tdApp), "volumes[0].dockerVolumeConfiguration.scope", "Invalid volumes.dockerVolumeConfiguration.scope 'global'. Valid values: task, shared."},
		{"protocol case", tdDoc("", tdCtr("app", `"portMappings": [{"containerPort": 80, "protocol": "TCP"}]`)), "containerDefinitions[0].portMappings[0].protocol", "Invalid portMappings.protocol 'TCP'. Valid values: tcp, udp."},
		{"app protocol", tdDoc("", tdCtr("app", `"portMappings": [{"containerPort": 80, "appProtocol": "https"}]`)), "containerDefinitions[0].portMappings[0].appProtocol", "Invalid portMappings.appProtocol 'https'. Valid values: http, http2, grpc."},
		{"dependsOn condition", tdDoc("", tdCtr("app", `"dependsOn": [{"containerName": "app", "condition": "RUNNING"}]`)), "containerDefinitions[0].dependsOn[0].condition", "Invalid dependsOn.condition 'RUNNING'. Valid values: START, COMPLETE, SUCCESS, HEALTHY."},
		{"ulimit name", tdDoc("", tdCtr("app", `"ulimits": [{"name": "files", "softLimit": 1, "hardLimit": 1}]`)), "containerDefinitions[0].ulimits[0].name", "Invalid ulimits.name 'files'. Valid values: " + strings.Join(ulimitNames, ", ") + "."},
		{"log driver", tdDoc("", tdCtr("app", `"logConfiguration": {"logDriver": "none"}`)), "containerDefinitions[0].logConfiguration.logDriver", "Invalid logConfiguration.logDriver 'none'. Valid values: " + strings.Join(logDrivers, ", ") + "."},
		{"firelens type", tdDoc("", tdCtr("app", `"firelensConfiguration": {"type": "vector"}`)), "containerDefinitions[0].firelensConfiguration.type", "Invalid firelensConfiguration.type 'vector'. Valid values: fluentd, fluentbit."},
		{"resource type", tdDoc("", tdCtr("app", `"resourceRequirements": [{"type": "TPU", "value": "1"}]`)), "containerDefinitions[0].resourceRequirements[0].type", "Invalid resourceRequirements.type 'TPU'. Valid values: GPU, InferenceAccelerator, NeuronDevice."},
		{"environment file type", tdDoc("", tdCtr("app", `"environmentFiles": [{"type": "s4", "value": "arn:aws:s3:::b/k.env"}]`)), "containerDefinitions[0].environmentFiles[0].type", "Invalid environmentFiles.type 's4'. Valid values: s3."},
		{"version consistency", tdDoc("", tdCtr("app", `"versionConsistency": "on"`)), "containerDefinitions[0].versionConsistency", "Invalid versionConsistency 'on'. Valid values: enabled, disabled."},
	})
}

func TestNormalizeTaskDefinitionFields(t *testing.T) {
	var tags []string
	for i := range 51 {
		tags = append(tags, fmt.Sprintf(`{"key": "k%d"}`, i))
	}
	envFiles := strings.Repeat(`{"type": "s3", "value": "arn:aws:s3:::b/k.env"}, `, 11)
	runTDRuleCases(t, []tdRuleCase{
		{"health check without CMD", tdDoc("", tdCtr("app", `"healthCheck": {"command": ["curl", "-f", "localhost"]}`)), "containerDefinitions[0].healthCheck.command", "The health check command must start with CMD or CMD-SHELL."},
		{"health check interval", tdDoc("", tdCtr("app", `"healthCheck": {"command": ["CMD", "true"], "interval": 4}`)), "containerDefinitions[0].healthCheck.interval", "The health check interval must be between 5 and 300, got 4."},
		{"health check timeout", tdDoc("", tdCtr("app", `"healthCheck": {"command": ["CMD", "true"], "timeout": 61}`)), "containerDefinitions[0].healthCheck.timeout", "The health check timeout must be between 2 and 60, got 61."},
		{"health check retries", tdDoc("", tdCtr("app", `"healthCheck": {"command": ["CMD", "true"], "retries": 0}`)), "containerDefinitions[0].healthCheck.retries", "The health check retries must be between 1 and 10, got 0."},
		{"health check start period", tdDoc("", tdCtr("app", `"healthCheck": {"command": ["CMD-SHELL", "true"], "startPeriod": 301}`)), "containerDefinitions[0].healthCheck.startPeriod", "The health check startPeriod must be between 0 and 300, got 301."},
		{"awslogs without options", tdDoc("", tdCtr("app", `"logConfiguration": {"logDriver": "awslogs"}`)), "containerDefinitions[0].logConfiguration.options", "Log driver awslogs requires options: awslogs-region, awslogs-group"},
		{"awslogs without region", tdDoc("", tdCtr("app", `"logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g"}}`)), "containerDefinitions[0].logConfiguration.options", "Log driver awslogs requires options: awslogs-region"},
		{"eleven environment files", tdDoc("", tdCtr("app", `"environmentFiles": [`+strings.TrimSuffix(envFiles, ", ")+`]`)), "containerDefinitions[0].environmentFiles", "A container can have at most 10 environment files."},
		{"ulimit soft above hard", tdDoc("", tdCtr("app", `"ulimits": [{"name": "nofile", "softLimit": 2, "hardLimit": 1}]`)), "containerDefinitions[0].ulimits[0].softLimit", "The ulimit softLimit cannot be greater than its hardLimit."},
		{"resource requirement without value", tdDoc("", tdCtr("app", `"resourceRequirements": [{"type": "GPU"}]`)), "containerDefinitions[0].resourceRequirements[0].value", "The resource requirement value should not be blank."},
		{"GPU sharing and value", tdDoc("", tdCtr("app", `"resourceRequirements": [{"type": "GPU", "value": "1", "sharingStrategy": {"nvidiaMps": {"memory": 1024}}}]`)), "containerDefinitions[0].resourceRequirements[0].value", "Specify either a value or a sharingStrategy for a GPU, not both."},
		{"sharing a non-GPU resource", tdDoc("", tdCtr("app", `"resourceRequirements": [{"type": "InferenceAccelerator", "sharingStrategy": {}}]`)), "containerDefinitions[0].resourceRequirements[0].sharingStrategy", "A sharingStrategy is only allowed for resource type GPU."},
		{"fifty-one tags", tdDoc(`"tags": [`+strings.Join(tags, ", ")+`]`, tdApp), "tags", "A resource can have at most 50 tags."},
		{"tag with aws prefix", tdDoc(`"tags": [{"key": "AWS:team"}]`, tdApp), "tags[0].key", "Tag keys may not begin with the reserved prefix 'aws:'."},
		{"tag without key", tdDoc(`"tags": [{"value": "x"}]`, tdApp), "tags[0].key", "Tag keys must be 1 to 128 characters long."},
		{"tag key too long", tdDoc(`"tags": [{"key": "`+strings.Repeat("k", 129)+`"}]`, tdApp), "tags[0].key", "Tag keys must be 1 to 128 characters long."},
		{"tag value too long", tdDoc(`"tags": [{"key": "k", "value": "`+strings.Repeat("v", 257)+`"}]`, tdApp), "tags[0].value", "Tag values must be at most 256 characters long."},
		{"duplicate tag key", tdDoc(`"tags": [{"key": "k"}, {"key": "k"}]`, tdApp), "tags[1].key", "Duplicate tag key 'k'."},
		{"proxy container unknown", tdDoc(`"proxyConfiguration": {"type": "APPMESH", "containerName": "envoy"}`, tdApp), "proxyConfiguration.containerName", "ProxyConfiguration containerName 'envoy' does not name a container of the task definition."},
		{"expression too long", tdDoc(`"placementConstraints": [{"type": "memberOf", "expression": "`+strings.Repeat("a", 2001)+`"}]`, tdApp), "placementConstraints[0].expression", "A memberOf constraint needs an expression of 1 to 2000 characters."},
		{"memberOf without expression", tdDoc(`"placementConstraints": [{"type": "memberOf"}]`, tdApp), "placementConstraints[0].expression", "A memberOf constraint needs an expression of 1 to 2000 characters."},
		{"eleven placement constraints", tdDoc(`"placementConstraints": [`+strings.TrimSuffix(strings.Repeat(`{"type": "memberOf", "expression": "a == b"}, `, 11), ", ")+`]`, tdApp), "placementConstraints", "Too many placement constraints: at most 10 are allowed."},
		{"ephemeral storage too small", tdDoc(`"ephemeralStorage": {"sizeInGiB": 20}`, tdApp), "ephemeralStorage.sizeInGiB", "ephemeralStorage sizeInGiB must be between 21 and 200."},
	})
}

func TestNormalizeTaskDefinitionPlaceholders(t *testing.T) {
	const suffix = "; render the template before registering it."
	runTDRuleCases(t, []tdRuleCase{
		{"task role mustache", tdDoc(`"taskRoleArn": "arn:aws:iam::{{must_env `+"`ACCOUNT`"+`}}:role/r"`, tdApp), "taskRoleArn", "taskRoleArn contains an unrendered template placeholder \"{{must_env `ACCOUNT`}}\"" + suffix},
		{"execution role dollars", tdDoc(`"executionRoleArn": "$$$EXECUTION_ROLE$$$"`, tdApp), "executionRoleArn", `executionRoleArn contains an unrendered template placeholder "$$$EXECUTION_ROLE$$$"` + suffix},
		{"secret shell variable", tdDoc("", tdCtr("app", `"secrets": [{"name": "A", "valueFrom": "arn:${Partition}:ssm:::parameter/a"}]`)), "containerDefinitions[0].secrets[0].valueFrom", `containerDefinitions[0].secrets[0].valueFrom contains an unrendered template placeholder "${Partition}"` + suffix},
		{"secret option angle brackets", tdDoc("", tdCtr("app", `"logConfiguration": {"logDriver": "splunk", "secretOptions": [{"name": "t", "valueFrom": "arn:aws:ssm:us-east-1:<ACCOUNT>:parameter/t"}]}`)), "containerDefinitions[0].logConfiguration.secretOptions[0].valueFrom", `containerDefinitions[0].logConfiguration.secretOptions[0].valueFrom contains an unrendered template placeholder "<ACCOUNT>"` + suffix},
		{"repository credentials unterminated", tdDoc("", tdCtr("app", `"repositoryCredentials": {"credentialsParameter": "{{creds"}`)), "containerDefinitions[0].repositoryCredentials.credentialsParameter", `containerDefinitions[0].repositoryCredentials.credentialsParameter contains an unrendered template placeholder "{{creds"` + suffix},
	})
}

func TestNormalizeTaskDefinitionVolumes(t *testing.T) {
	runTDRuleCases(t, []tdRuleCase{
		{"mount of an undefined volume", tdDoc("", tdCtr("app", `"mountPoints": [{"sourceVolume": "root-RO", "containerPath": "/r"}]`)), "containerDefinitions[0].mountPoints[0].sourceVolume", "Unknown volume 'root-RO'."},
		{"mount without container path", tdDoc(`"volumes": [{"name": "v"}]`, tdCtr("app", `"mountPoints": [{"sourceVolume": "v"}]`)), "containerDefinitions[0].mountPoints[0].containerPath", "mountPoint containerPath should not be blank."},
		{"white space source path", tdDoc(`"volumes": [{"name": "v", "host": {"sourcePath": "  "}}]`, tdApp), "volumes[0].host.sourcePath", "host.sourcePath should not be blank."},
		{"duplicate volume names", tdDoc(`"volumes": [{"name": "v"}, {"name": "v"}]`, tdApp), "volumes[1].name", "Volume names must be unique within a Task Definition."},
		{"volume without name", tdDoc(`"volumes": [{"host": {"sourcePath": "/x"}}]`, tdApp), "volumes[0].name", "Volume name '' is invalid: use 1 to 255 letters, numbers, hyphens and underscores."},
		{"volumesFrom unknown container", tdDoc("", tdCtr("app", `"volumesFrom": [{"sourceContainer": "data"}]`)), "containerDefinitions[0].volumesFrom[0].sourceContainer", "Unknown container 'data' in volumesFrom."},
	})
}

func TestNormalizeTaskDefinitionAcceptsValidVariants(t *testing.T) {
	tests := []struct{ name, doc string }{
		{"uppercase image repository", tdDoc("", `{"name": "app", "image": "123.dkr.ecr.us-east-1.amazonaws.com/myApp:v1", "memory": 128}`)},
		{"image digest", tdDoc("", `{"name": "app", "image": "nginx@sha256:`+strings.Repeat("a", 64)+`", "memory": 128}`)},
		{"host volume managed by docker", tdDoc(`"volumes": [{"name": "v", "host": {}}]`, tdCtr("app", `"mountPoints": [{"sourceVolume": "v", "containerPath": "/v"}]`))},
		{"same port on tcp and udp", tdDoc("", tdCtr("app", `"portMappings": [{"containerPort": 53, "protocol": "tcp"}, {"containerPort": 53, "protocol": "udp"}]`))},
		{"dynamic host ports twice", tdDoc("", tdCtr("a", `"portMappings": [{"containerPort": 80, "hostPort": 0}]`), tdCtr("b", `"portMappings": [{"containerPort": 80}]`))},
		{"memory equal to reservation", tdDoc("", `{"name": "app", "image": "nginx", "memory": 64, "memoryReservation": 64}`)},
		{"empty requiresCompatibilities", tdDoc(`"requiresCompatibilities": []`, tdApp)},
		{"COMPLETE on a non-essential container", tdDoc("", tdCtr("init", `"essential": false`), tdCtr("app", `"dependsOn": [{"containerName": "init", "condition": "COMPLETE"}]`))},
		{"link with alias", tdDoc("", tdCtr("db", ""), tdCtr("app", `"links": ["db:database"]`))},
		{"GPU sharing strategy", tdDoc("", tdCtr("app", `"resourceRequirements": [{"type": "GPU", "sharingStrategy": {"nvidiaMps": {"memory": 1024, "maxComputePercent": 50}}}]`))},
		{"S3 Files volume", tdDoc(`"volumes": [{"name": "s3", "s3filesVolumeConfiguration": {"fileSystemArn": "arn:aws:s3files:us-east-1:1:file-system/fs-1", "transitEncryptionPort": 2049}}]`, tdCtr("app", `"mountPoints": [{"sourceVolume": "s3", "containerPath": "/data"}]`))},
		{"empty proxy property value", tdDoc(`"proxyConfiguration": {"containerName": "app", "properties": [{"name": "EgressIgnoredPorts", "value": ""}]}`, tdApp)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tdNormalize(t, tc.doc)
			require.NoError(t, err)
		})
	}
}
