package taskdef

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ecskit/ecs/types"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

func TestNormalizeTaskDefinitionDefaults(t *testing.T) {
	td, err := tdNormalize(t, tdDoc(`"cpu": "0.5 vCPU", "memory": "1 GB"`,
		`{"name": "app", "image": "nginx", "portMappings": [{"containerPort": 80}],
		  "healthCheck": {"command": ["CMD-SHELL", "curl -f localhost"], "retries": 5},
		  "links": [], "dockerLabels": {}}`))
	require.NoError(t, err)
	want := &types.TaskDefinition{
		Family: "web", Cpu: "512", Memory: "1024",
		Volumes: []types.Volume{}, PlacementConstraints: []types.TaskDefinitionPlacementConstraint{},
		Compatibilities: []string{"EC2"},
		RequiresAttributes: []types.Attribute{
			{Name: "ecs.capability.container-health-check"},
		},
		ContainerDefinitions: []types.ContainerDefinition{{
			Name: "app", Image: "nginx", Cpu: 0, Essential: ptr(true),
			PortMappings: []types.PortMapping{{ContainerPort: ptr[int64](80), Protocol: "tcp"}},
			Environment:  []types.KeyValuePair{}, MountPoints: []types.MountPoint{}, VolumesFrom: []types.VolumeFrom{},
			HealthCheck: &types.HealthCheck{Command: []string{"CMD-SHELL", "curl -f localhost"},
				Interval: ptr[int64](30), Timeout: ptr[int64](5), Retries: ptr[int64](5)},
		}},
	}
	if diff := cmp.Diff(want, td); diff != "" {
		t.Errorf("normalised task definition (-want +got):\n%s", diff)
	}
}

func TestNormalizeTaskDefinitionHostPortDefault(t *testing.T) {
	for _, mode := range []string{"awsvpc", "host"} {
		t.Run(mode, func(t *testing.T) {
			mappings := `{"containerPort": 80, "protocol": "udp"}`
			if mode == "awsvpc" {
				mappings += `, {"containerPortRange": "9000-9010"}`
			}
			td, err := tdNormalize(t, tdDoc(`"networkMode": "`+mode+`"`, tdCtr("app", `"portMappings": [`+mappings+`]`)))
			require.NoError(t, err)
			pms := td.ContainerDefinitions[0].PortMappings
			require.Equal(t, int64(80), *pms[0].HostPort)
			require.Equal(t, "udp", pms[0].Protocol)
			if mode == "awsvpc" {
				require.Nil(t, pms[1].HostPort, "a port range gets no hostPort")
				require.Equal(t, "tcp", pms[1].Protocol)
			}
			require.Equal(t, mode, td.EffectiveNetworkMode())
		})
	}
	td, err := tdNormalize(t, tdDoc("", tdCtr("app", `"portMappings": [{"containerPort": 80}]`)))
	require.NoError(t, err)
	require.Nil(t, td.ContainerDefinitions[0].PortMappings[0].HostPort, "bridge keeps a dynamic host port")
	require.Empty(t, td.NetworkMode, "an omitted networkMode stays omitted, as ECS returns it")
	require.Equal(t, types.NetworkModeBridge, td.EffectiveNetworkMode())
}

func TestNormalizeTaskDefinitionDoesNotModifyInput(t *testing.T) {
	in, err := Parse([]byte(tdDoc(`"cpu": "1 vCPU", "networkMode": "awsvpc", "tags": [{"key": "a"}]`,
		`{"name": "app", "image": "nginx", "memory": 64, "portMappings": [{"containerPort": 80}], "healthCheck": {"command": ["CMD", "true"]}}`)))
	require.NoError(t, err)
	before, err := json.Marshal(in)
	require.NoError(t, err)
	td, err := Normalize(in)
	require.NoError(t, err)
	after, err := json.Marshal(in)
	require.NoError(t, err)
	require.JSONEq(t, string(before), string(after))
	td.ContainerDefinitions[0].PortMappings[0].ContainerPort = ptr[int64](1)
	require.Equal(t, int64(80), *in.ContainerDefinitions[0].PortMappings[0].ContainerPort, "the result shares no memory with the input")
}

func TestNormalizeTaskDefinitionNil(t *testing.T) {
	_, err := Normalize(nil)
	require.ErrorIs(t, err, types.ErrClient)
}

func TestNormalizeTaskDefinitionComputedFields(t *testing.T) {
	td, err := tdNormalize(t, tdDoc(tdFargate+`, "taskRoleArn": "arn:aws:iam::1:role/t", "executionRoleArn": "arn:aws:iam::1:role/e", "requiresCompatibilities": ["FARGATE", "EXTERNAL"]`,
		`{"name": "log_router", "image": "fluent-bit", "firelensConfiguration": {"type": "fluentbit"}, "dockerLabels": {"a": "b"}}`,
		`{"name": "app", "image": "nginx", "environmentFiles": [{"type": "s3", "value": "arn:aws:s3:::b/k.env"}],
		  "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g", "awslogs-region": "r"}},
		  "dependsOn": [{"containerName": "log_router", "condition": "START"}], "healthCheck": {"command": ["CMD", "true"]}}`))
	require.NoError(t, err)
	require.Equal(t, []string{"EC2", "FARGATE", "EXTERNAL"}, td.Compatibilities)
	var names []string
	for _, a := range td.RequiresAttributes {
		names = append(names, a.Name)
	}
	require.Equal(t, []string{
		"com.amazonaws.ecs.capability.docker-remote-api.1.18",
		"com.amazonaws.ecs.capability.docker-remote-api.1.19",
		"com.amazonaws.ecs.capability.logging-driver.awslogs",
		"com.amazonaws.ecs.capability.task-iam-role",
		"ecs.capability.container-health-check",
		"ecs.capability.container-ordering",
		"ecs.capability.env-files.s3",
		"ecs.capability.execution-role-awslogs",
		"ecs.capability.task-eni",
	}, names)

	td, err = tdNormalize(t, tdDoc(`"volumes": [{"name": "v", "dockerVolumeConfiguration": {"driver": "rexray/ebs"}}]`, tdCtr("app", `"privileged": true`)))
	require.NoError(t, err)
	require.Equal(t, []string{"EC2"}, td.Compatibilities, "bridge mode does not qualify for Fargate")
	require.Equal(t, []types.Attribute{
		{Name: "com.amazonaws.ecs.capability.privileged-container"},
		{Name: "ecs.capability.docker-volume-driver.rexray/ebs"},
	}, td.RequiresAttributes)
}

// tdCorpusVerdicts encodes testdata/taskdefs/SOURCES.md: for files that must
// be accepted ("YES", "NO-SHAPE") nothing else; for files that must be
// rejected ("NO", "TEMPLATE") a substring of the error naming the cause.
var tdCorpusVerdicts = map[string]struct{ verdict, cause string }{
	"01-firelens-cloudwatch.json":                        {"YES", ""},
	"02-firelens-efs-wrapped.json":                       {"NO-SHAPE", ""},
	"03-firelens-appmesh-envoy-fargate.json":             {"YES", ""},
	"05-firelens-log-tail-shared-volume.json":            {"YES", ""},
	"07-firelens-newrelic-fargate.json":                  {"YES", ""},
	"08-fluentd-multiline-no-essential.json":             {"YES", ""},
	"09-firelens-dynatrace-BROKEN-JSON.json":             {"NO", "invalid JSON at line 34 column 20"},
	"10-ecspresso-plain-status-revision.json":            {"NO", "Container.image contains invalid characters."},
	"11-ecspresso-wrapped-with-tags.json":                {"NO", `taskDefinition: unknown parameter "tags"`},
	"12-ecspresso-host-network-secrets.json":             {"TEMPLATE", "taskRoleArn contains an unrendered template placeholder \"{{must_env `AWS_ACCOUNT_ID`}}\""},
	"13-cwagent-daemon-host-volumes.json":                {"TEMPLATE", `taskRoleArn contains an unrendered template placeholder "{{task-role-arn}}"`},
	"14-cwagent-statsd-ec2-links.json":                   {"TEMPLATE", `taskRoleArn contains an unrendered template placeholder "{{task-role-arn}}"`},
	"15-cwagent-emf-fargate.json":                        {"TEMPLATE", `taskRoleArn contains an unrendered template placeholder "{{task-role-arn}}"`},
	"16-cwagent-prometheus-placeholders.json":            {"NO", "Family contains invalid characters."},
	"17-agent-nvidia-gpu.json":                           {"YES", ""},
	"20-agent-windows-gmsa-credspec.json":                {"YES", ""},
	"21-agent-linux-tmpfs.json":                          {"YES", ""},
	"22-agent-pidmode-task.json":                         {"YES", ""},
	"25-agent-elastic-inference.json":                    {"NO", `containerDefinitions[0]: unknown parameter "inferenceDevices"`},
	"26-agent-task-cpu-only.json":                        {"YES", ""},
	"27-agent-nginx-unknown-portBindings.json":           {"NO", `containerDefinitions[0]: unknown parameter "portBindings"`},
	"28-agent-sysctl.json":                               {"YES", ""},
	"30-console-export-firelens-fluentd.json":            {"NO-SHAPE", ""},
	"33-console-export-2023-fargate-portnames.json":      {"NO-SHAPE", ""},
	"35-sample-nginx-fargate-string-ints-null-log.json":  {"NO", `containerDefinitions[0].cpu: expected a number, got string "256"`},
	"36-sample-tomcat-fargate-awslogs-no-exec-role.json": {"NO", "Fargate requires task definition to have execution role ARN to support log driver awslogs."},
	"37-sample-consul-server-host-network.json":          {"YES", ""},
	"39-msdo-webapp-fargate-minimal.json":                {"YES", ""},
	"41-spinnaker-fargate-aws-vpc-typo.json":             {"NO", "Invalid networkMode 'aws-vpc'"},
	"42-datadog-agent-ec2-daemon-hostvols.json":          {"YES", ""},
	"43-datadog-agent-windows-named-pipe.json":           {"NO-SHAPE", ""},
	"44-datadog-sysprobe-capabilities.json":              {"YES", ""},
	"45-datadog-fargate-placeholder-family.json":         {"NO", "Family contains invalid characters."},
	"46-awsdocs-fargate-windows-runtimeplatform.json":    {"YES", ""},
	"48-awscli-describe-output-wrapped.json":             {"NO-SHAPE", ""},
	"49-agent-repository-credentials-placeholders.json":  {"TEMPLATE", `executionRoleArn contains an unrendered template placeholder "$$$EXECUTION_ROLE$$$"`},
}

// loadTDCorpusFile parses and normalises one corpus file.
func loadTDCorpusFile(t *testing.T, name string) (*types.TaskDefinition, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "taskdefs", name))
	require.NoError(t, err)
	in, err := Parse(data)
	if err != nil {
		return nil, err
	}
	return Normalize(in)
}

func TestTaskDefinitionCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "taskdefs", "*.json"))
	require.NoError(t, err)
	require.Len(t, files, len(tdCorpusVerdicts), "every corpus file has a verdict and every verdict a file")
	for _, f := range files {
		name := filepath.Base(f)
		v, ok := tdCorpusVerdicts[name]
		require.True(t, ok, "no verdict for %s", name)
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			td, err := loadTDCorpusFile(t, name)
			switch v.verdict {
			case "YES", "NO-SHAPE":
				require.NoError(t, err)
				require.NotEmpty(t, td.Compatibilities)
			default:
				require.ErrorIs(t, err, types.ErrClient)
				require.ErrorContains(t, err, v.cause)
			}
		})
	}
}

func TestTaskDefinitionCorpusDetails(t *testing.T) {
	td, err := loadTDCorpusFile(t, "07-firelens-newrelic-fargate.json")
	require.NoError(t, err)
	require.Equal(t, "1024", td.Cpu, `"1 vcpu"`)
	require.Equal(t, "2048", td.Memory, `"2 gb"`)
	require.Equal(t, []string{"EC2", "FARGATE"}, td.Compatibilities)
	require.Equal(t, int64(5000), *td.ContainerDefinitions[1].PortMappings[0].HostPort, "awsvpc host port defaults to the container port")

	td, err = loadTDCorpusFile(t, "08-fluentd-multiline-no-essential.json")
	require.NoError(t, err)
	for _, c := range td.ContainerDefinitions {
		require.True(t, *c.Essential, "container %s", c.Name)
	}

	td, err = loadTDCorpusFile(t, "48-awscli-describe-output-wrapped.json")
	require.NoError(t, err)
	require.Equal(t, "hello_world", td.Family)
	require.Empty(t, td.TaskDefinitionArn, "output-only fields are dropped")
	require.Zero(t, td.Revision)
	require.Equal(t, []string{"mysql"}, td.ContainerDefinitions[0].Links)
	cpu, mem, ports, _ := Requirements(td, nil)
	require.Equal(t, []int64{20, 1000}, []int64{cpu, mem})
	require.Equal(t, []int{80}, ports)

	td, err = loadTDCorpusFile(t, "30-console-export-firelens-fluentd.json")
	require.NoError(t, err)
	require.Equal(t, "fluentd", td.ContainerDefinitions[1].FirelensConfiguration.Type)
	require.Nil(t, td.RuntimePlatform, `"runtimePlatform": null is absent`)
}

// TestTaskDefinitionCorpusTemplatesRender checks that the TEMPLATE files
// fail only because of their placeholders: once each is replaced by a
// plain word, they register.
func TestTaskDefinitionCorpusTemplatesRender(t *testing.T) {
	placeholder := regexp.MustCompile(`\{\{[^}]*\}\}|\$\$\$[A-Z_]+\$\$\$`)
	for name, v := range tdCorpusVerdicts {
		if v.verdict != "TEMPLATE" {
			continue
		}
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "taskdefs", name))
			require.NoError(t, err)
			rendered := placeholder.ReplaceAll(data, []byte("rendered"))
			require.NotEqual(t, data, rendered)
			_, err = tdNormalize(t, string(rendered))
			require.NoError(t, err)
		})
	}
}

// requireTDRoundTrip checks that td, written as describe output and read
// back, normalises to itself.
func requireTDRoundTrip(t *testing.T, td *types.TaskDefinition) {
	t.Helper()
	out, err := json.Marshal(types.RegisterTaskDefinitionOutput{TaskDefinition: td, Tags: []types.Tag{}})
	require.NoError(t, err)
	in, err := Parse(out)
	require.NoError(t, err, "describe output: %s", out)
	again, err := Normalize(in)
	require.NoError(t, err, "describe output: %s", out)
	if diff := cmp.Diff(td, again); diff != "" {
		t.Fatalf("round trip changed the task definition (-first +second):\n%s", diff)
	}
}

func TestTaskDefinitionRoundTrip(t *testing.T) {
	for name, v := range tdCorpusVerdicts {
		if v.verdict != "YES" && v.verdict != "NO-SHAPE" {
			continue
		}
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			td, err := loadTDCorpusFile(t, name)
			require.NoError(t, err)
			requireTDRoundTrip(t, td)
		})
	}
}
