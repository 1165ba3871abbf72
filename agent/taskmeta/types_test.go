package taskmeta

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/runtime"
)

// The fixtures in testdata are AWS's documented examples of the task
// metadata endpoint v4 (EC2 launch type) and of the task role credentials
// document (its placeholder expiration replaced by a time).

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// generic decodes JSON into maps and slices, for comparing documents.
func generic(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// TestFixturesRoundTrip decodes every example into its type, refusing
// unknown fields (so every field of the example is modelled), and encodes
// it back to the same document (so names, shapes and omissions match).
func TestFixturesRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		file string
		v    func() any
	}{
		{"v4-container.json", func() any { return &ContainerResponse{} }},
		{"v4-task.json", func() any { return &TaskResponse{} }},
		{"v4-taskWithTags.json", func() any { return &TaskResponse{} }},
		{"v4-taskWithTags-errors.json", func() any { return &TaskResponse{} }},
		{"credentials.json", func() any { return &CredentialsResponse{} }},
	} {
		t.Run(tc.file, func(t *testing.T) {
			fixture := readFixture(t, tc.file)
			dec := json.NewDecoder(bytes.NewReader(fixture))
			dec.DisallowUnknownFields()
			v := tc.v()
			if err := dec.Decode(v); err != nil {
				t.Fatalf("decode: %v", err)
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(generic(t, fixture), generic(t, out)); d != "" {
				t.Errorf("re-encoded document differs from AWS's example (-want +got):\n%s", d)
			}
		})
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func int64p(v int64) *int64 { return &v }

// exampleInput is what an agent would know of the curl task of AWS's
// example.
func exampleInput(t *testing.T) TaskInput {
	arn := "arn:aws:ecs:us-west-2:111122223333:task/default/158d1c8083dd49d6b527399fd6414f5c"
	def := ecs.ContainerDefinition{
		Name: "curl", Image: "111122223333.dkr.ecr.us-west-2.amazonaws.com/curltest:latest",
		Cpu: 10, Memory: int64p(128),
		LogConfiguration: &ecs.LogConfiguration{LogDriver: "awslogs", Options: map[string]string{
			"awslogs-create-group": "true", "awslogs-group": "/ecs/metadata",
			"awslogs-region": "us-west-2", "awslogs-stream": "ecs/curl/158d1c8083dd49d6b527399fd6414f5c",
		}},
	}
	return TaskInput{
		Cluster: "default",
		Task: &ecs.Task{TaskArn: arn, Containers: []ecs.Container{{
			Name: "curl", ContainerArn: "arn:aws:ecs:us-west-2:111122223333:container/abb51bdd-11b4-467f-8f6c-adcfe1fe059d",
		}}, Tags: []ecs.Tag{{Key: "tag-use", Value: "task-metadata-endpoint-test"}}},
		TaskDefinition: &ecs.TaskDefinition{Family: "curltest", Revision: 26, NetworkMode: "awsvpc",
			ContainerDefinitions: []ecs.ContainerDefinition{def}},
		DesiredStatus: "RUNNING", KnownStatus: "RUNNING",
		PullStartedAt:         mustTime(t, "2020-10-02T00:43:06.202617438Z"),
		PullStoppedAt:         mustTime(t, "2020-10-02T00:43:06.31288465Z"),
		AvailabilityZone:      "us-west-2d",
		ContainerInstanceTags: map[string]string{"tag_key": "tag_value"},
		Containers: []ContainerInput{{
			Definition: def, DockerName: "ecs-curltest-26-curl-a0e7dba5aca6d8cb2e00",
			DesiredStatus: "RUNNING", KnownStatus: "RUNNING",
			Engine: &runtime.ContainerStatus{
				ID:      "ee08638adaaf009d78c248913f629e38299471d45fe7dc944d1039077e3424ca",
				ImageID: "sha256:d691691e9652791a60114e67b365688d20d19940dde7c4736ea30e660d8d3553",
				State:   runtime.StateRunning,
				Labels: map[string]string{
					"com.amazonaws.ecs.cluster":                 "default",
					"com.amazonaws.ecs.container-name":          "curl",
					"com.amazonaws.ecs.task-arn":                arn,
					"com.amazonaws.ecs.task-definition-family":  "curltest",
					"com.amazonaws.ecs.task-definition-version": "26",
				},
				CreatedAt:     mustTime(t, "2020-10-02T00:43:06.326590752Z"),
				StartedAt:     mustTime(t, "2020-10-02T00:43:06.767535449Z"),
				IPv4Addresses: []string{"10.0.2.61"},
			},
		}},
	}
}

// withoutAWSVPC drops from an example what only awsvpc tasks have: the
// pause container and the ENI fields of networks.
func withoutAWSVPC(doc any) any {
	m := doc.(map[string]any)
	var kept []any
	for _, c := range m["Containers"].([]any) {
		cm := c.(map[string]any)
		if cm["Type"] != "NORMAL" {
			continue
		}
		for _, n := range cm["Networks"].([]any) {
			nm := n.(map[string]any)
			for _, k := range []string{"AttachmentIndex", "MACAddress", "IPv4SubnetCIDRBlock", "PrivateDNSName", "SubnetGatewayIpv4Address"} {
				delete(nm, k)
			}
		}
		kept = append(kept, cm)
	}
	m["Containers"] = kept
	return m
}

// TestTaskMatchesExample builds the documents from what the agent knows
// and compares them with AWS's examples, field by field.
func TestTaskMatchesExample(t *testing.T) {
	in := exampleInput(t)
	for _, tc := range []struct {
		file     string
		withTags bool
	}{
		{"v4-task.json", false},
		{"v4-taskWithTags.json", true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := json.Marshal(Task(in, tc.withTags))
			if err != nil {
				t.Fatal(err)
			}
			want := withoutAWSVPC(generic(t, readFixture(t, tc.file)))
			if d := cmp.Diff(want, generic(t, got)); d != "" {
				t.Errorf("document differs from AWS's example (-want +got):\n%s", d)
			}
		})
	}
}

func TestContainerFields(t *testing.T) {
	in := exampleInput(t)
	c := in.Containers[0]
	c.Definition.HealthCheck = &ecs.HealthCheck{Command: []string{"CMD", "true"}}
	c.Health = "HEALTHY"
	c.KnownStatus, c.ExitCode = "STOPPED", int64p(3)
	c.Engine.State = runtime.StateExited
	c.Engine.FinishedAt = mustTime(t, "2020-10-02T01:00:00Z")
	c.Engine.Ports = []runtime.PortBinding{{ContainerPort: 80, HostPort: 32768, Protocol: "tcp", HostIP: "0.0.0.0"}}
	in.TaskDefinition.NetworkMode = ""
	got := Container(in, c)
	if got.Health == nil || got.Health.Status != "HEALTHY" {
		t.Errorf("Health = %+v, want HEALTHY", got.Health)
	}
	if got.ExitCode == nil || *got.ExitCode != 3 || got.FinishedAt == nil || got.KnownStatus != "STOPPED" {
		t.Errorf("exit: ExitCode %v, FinishedAt %v, KnownStatus %s", got.ExitCode, got.FinishedAt, got.KnownStatus)
	}
	if want := []Port{{ContainerPort: 80, Protocol: "tcp", HostPort: 32768, HostIP: "0.0.0.0"}}; !cmp.Equal(got.Ports, want) {
		t.Errorf("Ports = %+v", got.Ports)
	}
	if want := []Network{{NetworkMode: "bridge", IPv4Addresses: []string{"10.0.2.61"}}}; !cmp.Equal(got.Networks, want) {
		t.Errorf("Networks = %+v, want bridge (the default network mode)", got.Networks)
	}
	b, _ := json.Marshal(got)
	doc := generic(t, b).(map[string]any)
	if doc["Health"].(map[string]any)["status"] != "HEALTHY" || doc["Ports"].([]any)[0].(map[string]any)["HostIp"] != "0.0.0.0" {
		t.Errorf("encoded %s", b)
	}

	// Not created yet: no engine fields at all.
	c.Engine, c.ExitCode = nil, nil
	b, _ = json.Marshal(Container(in, c))
	doc = generic(t, b).(map[string]any)
	for _, k := range []string{"CreatedAt", "StartedAt", "FinishedAt", "Networks", "Ports", "ExitCode", "Labels"} {
		if _, ok := doc[k]; ok {
			t.Errorf("%s present before the container exists: %s", k, b)
		}
	}
	if doc["DockerId"] != "" || doc["Type"] != "NORMAL" {
		t.Errorf("encoded %s", b)
	}
}

func TestTaskLimitsAndService(t *testing.T) {
	in := exampleInput(t)
	in.TaskDefinition.Cpu, in.TaskDefinition.Memory = "256", "512"
	in.Task.Group = "service:web"
	got := Task(in, false)
	if got.Limits == nil || got.Limits.CPU != 0.25 || got.Limits.Memory != 512 {
		t.Errorf("Limits = %+v, want 0.25 vCPU and 512 MiB", got.Limits)
	}
	if got.ServiceName != "web" {
		t.Errorf("ServiceName = %q, want web", got.ServiceName)
	}
	in.Task.Memory = "1024" // the task's override wins
	if got := Task(in, false); got.Limits.Memory != 1024 {
		t.Errorf("Limits.Memory = %d, want the override 1024", got.Limits.Memory)
	}
}

func TestV3DropsV4Fields(t *testing.T) {
	in := exampleInput(t)
	in.Task.Group = "service:web"
	b, _ := json.Marshal(Task(in, true).v3())
	doc := generic(t, b).(map[string]any)
	for _, k := range []string{"LaunchType", "ServiceName", "TaskTags", "ContainerInstanceTags"} {
		if _, ok := doc[k]; ok {
			t.Errorf("v3 task has %s", k)
		}
	}
	c := doc["Containers"].([]any)[0].(map[string]any)
	for _, k := range []string{"LogDriver", "LogOptions", "ContainerARN"} {
		if _, ok := c[k]; ok {
			t.Errorf("v3 container has %s", k)
		}
	}
	if c["DockerId"] == "" || c["Networks"] == nil {
		t.Errorf("v3 container lost v3 fields: %v", c)
	}
	// The v4 document is unchanged by making the v3 one.
	if got := Task(in, false); got.Containers[0].LogDriver != "awslogs" {
		t.Error("v3 changed the v4 document")
	}
}
