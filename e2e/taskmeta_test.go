package e2e_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/agent/taskmeta"
	"github.com/ecskit/ecs/ecsapi"
	"github.com/ecskit/ecs/internal/dockertest"
	"github.com/ecskit/ecs/internal/testimage"
)

// sdkReport is the report of internal/testimage/sdkcheck.
type sdkReport struct {
	TaskARN           string   `json:"taskArn"`
	Family            string   `json:"family"`
	Revision          string   `json:"revision"`
	Containers        []string `json:"containers"`
	OtherIDStatus     int      `json:"otherIdStatus"`
	AccessKeyID       string   `json:"accessKeyId"`
	CredentialsSource string   `json:"credentialsSource"`
	Clusters          []string `json:"clusters"`
	Errors            []string `json:"errors"`
}

// requireRoute fails (in CI) or skips (elsewhere) unless this host lets
// the agent route 169.254.170.2 to its endpoint: the test's containers
// reach the endpoint only through that route.
func requireRoute(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	undo, err := taskmeta.Route(ctx, "docker0", 1)
	if err != nil {
		if os.Getenv("ECSKIT_REQUIRE_DOCKER") == "1" {
			t.Fatalf("the task metadata route needs root and iptables here: %v", err)
		}
		t.Skipf("this host does not let the agent route %s (root and iptables needed): %v", taskmeta.Address, err)
	}
	if err := undo(); err != nil {
		t.Fatal(err)
	}
}

// TestTaskMetadataAndRoleCredentials runs, on the real engine, containers
// that use aws-sdk-go-v2's default credential chain and the task metadata
// endpoint as a program on ECS does:
//
//   - a host-mode task reads ${ECS_CONTAINER_METADATA_URI_V4}/task and
//     signs ListClusters to the test's ECS API, which accepts only the
//     task role's key;
//   - two bridge-mode tasks with different roles each find their own task
//     and their own role's key, and a made-up endpoint ID answers nothing.
//
// It is not parallel: the agent routes 169.254.170.2 on this host.
func TestTaskMetadataAndRoleCredentials(t *testing.T) {
	rt := dockertest.Runtime(t)
	requireRoute(t)
	sdkImage := testimage.SDKImage(t, rt)
	idleImage := testimage.Image(t, rt)
	cp := openControlPlane(t)

	roles := map[string]taskmeta.StaticKey{
		"arn:aws:iam::000000000000:role/ecskit-e2e-a": {AccessKeyID: "AKIAECSKITE2EA", SecretAccessKey: "e2e-secret-a-0123456789", SessionToken: "e2e-token-a"},
		"arn:aws:iam::000000000000:role/ecskit-e2e-b": {AccessKeyID: "AKIAECSKITE2EB", SecretAccessKey: "e2e-secret-b-0123456789", SessionToken: "e2e-token-b"},
	}
	roleA, roleB := "arn:aws:iam::000000000000:role/ecskit-e2e-a", "arn:aws:iam::000000000000:role/ecskit-e2e-b"
	api := httptest.NewServer(ecsapi.New(cp, ecsapi.WithLogger(testLogger(t)),
		ecsapi.WithCredentials(map[string]string{roles[roleA].AccessKeyID: roles[roleA].SecretAccessKey})))
	defer api.Close()
	startAgent(t, cp, rt, "us-east-1a", func(c *agent.Config) {
		c.Region = cp.Region()
		c.Metadata = agent.MetadataConfig{Enabled: true, Listen: "127.0.0.1:0", Credentials: &taskmeta.StaticProvider{Roles: roles}}
	})

	reports := t.TempDir()
	labels := dockertest.Labels(t)
	register := func(family, mode, role string, args ...string) string {
		out, err := cp.RegisterTaskDefinition(context.Background(), &ecs.RegisterTaskDefinitionInput{
			Family: family, NetworkMode: mode, TaskRoleArn: role,
			Volumes: []ecs.Volume{{Name: "reports", Host: &ecs.HostVolumeProperties{SourcePath: reports}}},
			ContainerDefinitions: []ecs.ContainerDefinition{
				{
					Name: "app", Image: sdkImage, Memory: ptr(int64(64)), DockerLabels: labels,
					Command:     append([]string{"-report", "/reports/" + family + ".json"}, args...),
					Environment: []ecs.KeyValuePair{{Name: "AWS_EC2_METADATA_DISABLED", Value: "true"}},
					MountPoints: []ecs.MountPoint{{SourceVolume: "reports", ContainerPath: "/reports"}},
				},
				{Name: "idle", Image: idleImage, Memory: ptr(int64(16)), DockerLabels: labels, Essential: ptr(false)},
			},
		})
		if err != nil {
			t.Fatalf("register %s: %v", family, err)
		}
		return out.TaskDefinition.TaskDefinitionArn
	}
	want := map[string]struct{ role, mode string }{
		"ecskit-meta-host": {roleA, ecs.NetworkModeHost},
		"ecskit-meta-a":    {roleA, ecs.NetworkModeBridge},
		"ecskit-meta-b":    {roleB, ecs.NetworkModeBridge},
	}
	arns := map[string]string{}
	for family, w := range want {
		var args []string
		if w.mode == ecs.NetworkModeHost {
			args = []string{"-endpoint", api.URL}
		}
		td := register(family, w.mode, w.role, args...)
		arns[family] = runTasks(t, cp, ecs.RunTaskInput{TaskDefinition: td})[0].TaskArn
	}
	var all []string
	for _, arn := range arns {
		all = append(all, arn)
	}
	stopped := waitTasks(t, cp, all, 200*time.Millisecond, "stopped", isStopped)

	described, _ := json.Marshal(stopped)
	for _, k := range roles {
		if strings.Contains(string(described), k.SecretAccessKey) || strings.Contains(string(described), k.SessionToken) {
			t.Errorf("DescribeTasks holds a task role's secret")
		}
	}
	for _, task := range stopped {
		for _, c := range task.Containers {
			if c.Name == "app" && (c.ExitCode == nil || *c.ExitCode != 0) {
				t.Errorf("%s: sdkcheck exited %v (%s)", short(task.TaskArn), c.ExitCode, c.Reason)
			}
		}
	}
	for family, w := range want {
		b, err := os.ReadFile(filepath.Join(reports, family+".json"))
		if err != nil {
			t.Errorf("%s: no report: %v", family, err)
			continue
		}
		var r sdkReport
		if err := json.Unmarshal(b, &r); err != nil {
			t.Errorf("%s: report %s: %v", family, b, err)
			continue
		}
		t.Logf("%s: %s", family, b)
		if r.TaskARN != arns[family] || r.Family != family || r.Revision != "1" || !equalStrings(r.Containers, []string{"app", "idle"}) {
			t.Errorf("%s: the container found task %s %s:%s with %v; want %s %s:1 with [app idle]", family, r.TaskARN, r.Family, r.Revision, r.Containers, arns[family], family)
		}
		if r.OtherIDStatus != 404 {
			t.Errorf("%s: a made-up endpoint ID answered %d, want 404", family, r.OtherIDStatus)
		}
		if r.AccessKeyID != roles[w.role].AccessKeyID {
			t.Errorf("%s: the default credential chain found key %q, want its task role's %q", family, r.AccessKeyID, roles[w.role].AccessKeyID)
		}
		if w.mode == ecs.NetworkModeHost && (len(r.Clusters) != 1 || !strings.HasSuffix(r.Clusters[0], ":cluster/default")) {
			t.Errorf("%s: signed ListClusters found %v, want the default cluster", family, r.Clusters)
		}
		if len(r.Errors) > 0 {
			t.Errorf("%s: %v", family, r.Errors)
		}
	}
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00")
}
