package taskdef

import (
	"errors"
	"strings"
	"testing"

	"github.com/ecskit/ecs/types"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// minimalTD is the smallest valid register document, for building cases.
const minimalTD = `{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 128}]}`

func TestParseTaskDefinitionAccepts(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want func(*types.RegisterTaskDefinitionInput) bool
	}{
		{"plain register input", minimalTD, func(in *types.RegisterTaskDefinitionInput) bool {
			return in.Family == "web" && *in.ContainerDefinitions[0].Memory == 128
		}},
		{"byte-order mark and blank lines", "\xef\xbb\xbf\n\n  " + minimalTD + "\n\n", func(in *types.RegisterTaskDefinitionInput) bool {
			return in.Family == "web"
		}},
		{"nulls read as absent", `{"family": "web", "cpu": null, "volumes": null, "containerDefinitions": [
			{"name": "app", "image": "nginx", "memory": 128, "logConfiguration": null, "dockerLabels": {"a": null, "b": "x"},
			 "firelensConfiguration": {"type": "fluentd", "options": null}}]}`, func(in *types.RegisterTaskDefinitionInput) bool {
			c := in.ContainerDefinitions[0]
			return in.Cpu == "" && in.Volumes == nil && c.LogConfiguration == nil &&
				len(c.DockerLabels) == 1 && c.DockerLabels["b"] == "x" && c.FirelensConfiguration.Options == nil
		}},
		{"output-only fields dropped", `{"family": "web", "taskDefinitionArn": "arn:aws:ecs:us-east-1:1:task-definition/web:3",
			"revision": 3, "status": "ACTIVE", "compatibilities": ["EC2"], "registeredAt": 1700000000.5,
			"registeredBy": "arn:aws:iam::1:root", "deregisteredAt": "2024-06-21T11:15:12.669000-05:00",
			"requiresAttributes": [{"name": "ecs.capability.task-eni", "targetId": null}],
			"containerDefinitions": [{"name": "app", "image": "nginx", "memory": 128}]}`, func(in *types.RegisterTaskDefinitionInput) bool {
			return in.Family == "web"
		}},
		{"describe output wrapped, tags beside", `{"taskDefinition": ` + minimalTD + `, "tags": [{"key": "team", "value": "a"}]}`,
			func(in *types.RegisterTaskDefinitionInput) bool {
				return in.Family == "web" && len(in.Tags) == 1 && in.Tags[0].Key == "team"
			}},
		{"wrapped with null tags", `{"taskDefinition": ` + minimalTD + `, "tags": null}`, func(in *types.RegisterTaskDefinitionInput) bool {
			return in.Tags == nil
		}},
		{"tags at top level of a register input", `{"family": "web", "tags": [], "containerDefinitions": [{"name": "app", "image": "nginx"}]}`,
			func(in *types.RegisterTaskDefinitionInput) bool { return in.Tags != nil && len(in.Tags) == 0 }},
		{"host volume without sourcePath", `{"family": "web", "volumes": [{"name": "v", "host": {}}], "containerDefinitions": [{"name": "app", "image": "nginx"}]}`,
			func(in *types.RegisterTaskDefinitionInput) bool { return in.Volumes[0].Host != nil }},
		{"negative and 32-bit integers", `{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 2147483647, "cpu": -1}]}`,
			func(in *types.RegisterTaskDefinitionInput) bool { return in.ContainerDefinitions[0].Cpu == -1 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := Parse([]byte(tc.doc))
			require.NoError(t, err)
			require.True(t, tc.want(in), "parsed: %+v", in)
		})
	}
}

func TestParseTaskDefinitionRejects(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		field string
		msg   string
	}{
		{"unknown container key", `{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "portBindings": {}}]}`,
			"containerDefinitions[0]", `unknown parameter "portBindings"`},
		{"unknown key with a case-insensitive match", `{"Family": "web", "containerDefinitions": []}`,
			"", `unknown parameter "Family" (did you mean "family"?)`},
		{"number as string", `{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "memory": "256"}]}`,
			"containerDefinitions[0].memory", `expected a number, got string "256"`},
		{"fractional number", `{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 1.5}]}`,
			"containerDefinitions[0].memory", `expected an integer, got number 1.5`},
		{"integer beyond 32 bits", `{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 2147483648}]}`,
			"containerDefinitions[0].memory", `expected a 32-bit integer, got 2147483648`},
		{"string as number", `{"family": 7, "containerDefinitions": []}`, "family", `expected a string, got number 7`},
		{"boolean as string", `{"family": "w", "containerDefinitions": [{"name": "a", "essential": "true"}]}`,
			"containerDefinitions[0].essential", `expected a boolean, got string "true"`},
		{"object as list", `{"family": "w", "containerDefinitions": {}}`, "containerDefinitions", `expected a list, got an object`},
		{"list as object", `{"family": "w", "containerDefinitions": [{"dockerLabels": []}]}`,
			"containerDefinitions[0].dockerLabels", `expected an object, got a list`},
		{"map value type", `{"family": "w", "containerDefinitions": [{"dockerLabels": {"a": 1}}]}`,
			"containerDefinitions[0].dockerLabels.a", `expected a string, got number 1`},
		{"null in a list", `{"family": "w", "containerDefinitions": [{"command": ["a", null]}]}`,
			"containerDefinitions[0].command[1]", `null is not allowed in a list`},
		{"missing family", `{"containerDefinitions": []}`, "", `missing required parameter "family"`},
		{"missing nested required key", `{"family": "w", "containerDefinitions": [{"ulimits": [{"name": "nofile", "softLimit": 1}]}]}`,
			"containerDefinitions[0].ulimits[0]", `missing required parameter "hardLimit"`},
		{"tags inside the wrapped task definition", `{"taskDefinition": {"family": "w", "containerDefinitions": [], "tags": []}}`,
			"taskDefinition", `unknown parameter "tags": in describe output the tags sit beside "taskDefinition", not inside it`},
		{"unknown key beside the wrapper", `{"taskDefinition": ` + minimalTD + `, "ResponseMetadata": {}}`,
			"", `unknown parameter "ResponseMetadata" beside "taskDefinition"; only "tags" may be there`},
		{"path inside the wrapper", `{"taskDefinition": {"family": "w", "containerDefinitions": [{"cpu": "1"}]}}`,
			"taskDefinition.containerDefinitions[0].cpu", `expected a number, got string "1"`},
		{"wrapper holding a list", `{"taskDefinition": []}`, "taskDefinition", `expected an object, got a list`},
		{"bad output-only field", `{"family": "w", "revision": "3", "containerDefinitions": []}`, "revision", `expected a number, got string "3"`},
		{"bad timestamp", `{"family": "w", "registeredAt": "yesterday", "containerDefinitions": []}`,
			"registeredAt", `expected a timestamp, got string "yesterday"`},
		{"blank host sourcePath", `{"family": "w", "volumes": [{"name": "v", "host": {"sourcePath": ""}}], "containerDefinitions": []}`,
			"volumes[0].host.sourcePath", "host.sourcePath should not be blank."},
		{"proxy property without value", `{"family": "w", "proxyConfiguration": {"containerName": "a", "properties": [{"name": "AppPorts", "value": null}]}, "containerDefinitions": []}`,
			"proxyConfiguration.properties[0].value", "ProxyConfiguration properties value cannot be null."},
		{"not an object", `["family"]`, "", `expected a JSON object, got a list`},
		{"empty document", " \n\t", "", "the task definition document is empty"},
		{"syntax error position", "{\n  \"family\": \"w\"\n  \"x\": 1}", "", `invalid JSON at line 3 column 3: invalid character '"' after object key:value pair`},
		{"truncated document", "{\n\"family\": ", "", "invalid JSON at line 2 column 11: unexpected end of the document"},
		{"trailing data", minimalTD + "\n{}", "", "invalid JSON at line 2 column 1: unexpected data after the end of the document"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			var e *types.Error
			require.True(t, errors.As(err, &e), "error %v is not an *Error", err)
			require.Equal(t, types.ClientException, e.Code)
			require.Equal(t, tc.msg, e.Message)
			require.Equal(t, tc.field, e.Field)
		})
	}
}

func TestParseTaskDefinitionLongValueTruncated(t *testing.T) {
	long := strings.Repeat("x", 100)
	_, err := Parse([]byte(`{"family": "w", "containerDefinitions": [{"memory": "` + long + `"}]}`))
	require.ErrorContains(t, err, `got string "`+strings.Repeat("x", 40)+`…"`)
}

func TestParseTaskDefinitionKeepsEverySetField(t *testing.T) {
	data := `{"family": "web", "taskRoleArn": "arn:aws:iam::1:role/t", "networkMode": "awsvpc", "cpu": "1 vCPU", "memory": "2 GB",
		"requiresCompatibilities": ["FARGATE"], "pidMode": "task", "ipcMode": "none",
		"ephemeralStorage": {"sizeInGiB": 30}, "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
		"placementConstraints": [{"type": "memberOf", "expression": "attribute:a == b"}],
		"containerDefinitions": [{"name": "app", "image": "nginx", "cpu": 10, "memoryReservation": 64,
			"portMappings": [{"containerPort": 80, "protocol": "udp", "name": "web", "appProtocol": "http"}],
			"healthCheck": {"command": ["CMD", "true"], "interval": 10},
			"dependsOn": [{"containerName": "app", "condition": "START"}],
			"linuxParameters": {"capabilities": {"add": ["NET_ADMIN"]}, "tmpfs": [{"containerPath": "/t", "size": 64}]}}]}`
	in, err := Parse([]byte(data))
	require.NoError(t, err)
	want := &types.RegisterTaskDefinitionInput{
		Family: "web", TaskRoleArn: "arn:aws:iam::1:role/t", NetworkMode: "awsvpc", Cpu: "1 vCPU", Memory: "2 GB",
		RequiresCompatibilities: []string{"FARGATE"}, PidMode: "task", IpcMode: "none",
		EphemeralStorage: &types.EphemeralStorage{SizeInGiB: 30},
		RuntimePlatform:  &types.RuntimePlatform{CpuArchitecture: "ARM64", OperatingSystemFamily: "LINUX"},
		PlacementConstraints: []types.TaskDefinitionPlacementConstraint{
			{Type: "memberOf", Expression: "attribute:a == b"},
		},
		ContainerDefinitions: []types.ContainerDefinition{{
			Name: "app", Image: "nginx", Cpu: 10, MemoryReservation: ptr[int64](64),
			PortMappings: []types.PortMapping{{ContainerPort: ptr[int64](80), Protocol: "udp", Name: "web", AppProtocol: "http"}},
			HealthCheck:  &types.HealthCheck{Command: []string{"CMD", "true"}, Interval: ptr[int64](10)},
			DependsOn:    []types.ContainerDependency{{ContainerName: "app", Condition: "START"}},
			LinuxParameters: &types.LinuxParameters{
				Capabilities: &types.KernelCapabilities{Add: []string{"NET_ADMIN"}},
				Tmpfs:        []types.Tmpfs{{ContainerPath: "/t", Size: 64}},
			},
		}},
	}
	if diff := cmp.Diff(want, in); diff != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", diff)
	}
}
