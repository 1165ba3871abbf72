package agent_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/agent/taskmeta"
)

// syncBuffer is a log sink safe for the agent's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const (
	roleA = "arn:aws:iam::111122223333:role/a"
	roleB = "arn:aws:iam::111122223333:role/b"
)

// metadataHarness runs an agent whose endpoint listens on a free loopback
// port and leaves the host's firewall alone.
func metadataHarness(t *testing.T) (*harness, *syncBuffer) {
	logs := &syncBuffer{}
	h := newHarness(t, func(c *agent.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.Metadata = agent.MetadataConfig{
			Enabled: true, Listen: "127.0.0.1:0", NoRoute: true, Bridge: "ecskit-no-such-bridge",
			Credentials: &taskmeta.StaticProvider{Roles: map[string]taskmeta.StaticKey{
				roleA: {AccessKeyID: "AKIAA", SecretAccessKey: "secret-a-1234", SessionToken: "token-a-1234"},
				roleB: {AccessKeyID: "AKIAB", SecretAccessKey: "secret-b-1234", SessionToken: "token-b-1234"},
			}},
		}
	})
	return h, logs
}

// env returns a container's environment as the agent created it.
func (h *harness) env(arn, name string) map[string]string {
	h.t.Helper()
	spec, ok := h.rt.Spec(h.containerID(arn, name))
	if !ok {
		h.t.Fatalf("no container %s of %s", name, arn)
	}
	env := map[string]string{}
	for _, kv := range spec.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env
}

func httpGet(t *testing.T, url string, v any) int {
	t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK && v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %v in %s", url, err, b)
		}
	}
	return resp.StatusCode
}

func hostTask(family, role string, names ...string) ecs.TaskDefinition {
	td := taskDef(family)
	for _, n := range names {
		td.ContainerDefinitions = append(td.ContainerDefinitions, ctr(n))
	}
	td.NetworkMode = ecs.NetworkModeHost
	td.TaskRoleArn = role
	return td
}

func TestMetadataAndCredentialsPerTask(t *testing.T) {
	h, logs := metadataHarness(t)
	arnA := h.runTask(hostTask("web", roleA, "app", "sidecar"))
	arnB := h.runTask(hostTask("worker", roleB, "app"))
	h.taskIs(arnA, ecs.TaskStatusRunning)
	h.taskIs(arnB, ecs.TaskStatusRunning)

	uris := map[string]bool{}
	for _, tc := range []struct {
		arn, family, role, key string
		names                  []string
	}{
		{arnA, "web", roleA, "AKIAA", []string{"app", "sidecar"}},
		{arnB, "worker", roleB, "AKIAB", []string{"app"}},
	} {
		for _, name := range tc.names {
			env := h.env(tc.arn, name)
			v4 := env["ECS_CONTAINER_METADATA_URI_V4"]
			if !strings.HasPrefix(v4, "http://127.0.0.1:") || uris[v4] {
				t.Fatalf("%s/%s: ECS_CONTAINER_METADATA_URI_V4 = %q, want a loopback URI of its own", tc.family, name, v4)
			}
			uris[v4] = true
			if v3 := env["ECS_CONTAINER_METADATA_URI"]; v3 != strings.Replace(v4, "/v4/", "/v3/", 1) {
				t.Errorf("ECS_CONTAINER_METADATA_URI = %q for v4 %q", v3, v4)
			}
			// The agent reports a change before it publishes it locally:
			// the endpoint may lag the control plane for a moment.
			var task taskmeta.TaskResponse
			h.eventually("the endpoint sees the task running", func() bool {
				task = taskmeta.TaskResponse{}
				return httpGet(t, v4+"/task", &task) == http.StatusOK && task.KnownStatus == ecs.TaskStatusRunning
			})
			if task.TaskARN != tc.arn || task.Family != tc.family || task.Revision != "3" || task.Cluster != "default" ||
				task.KnownStatus != ecs.TaskStatusRunning || task.LaunchType != "EC2" {
				t.Errorf("%s/%s: task document %+v", tc.family, name, task)
			}
			var names []string
			for _, c := range task.Containers {
				names = append(names, c.Name)
				if c.DockerID == "" || c.KnownStatus != "RUNNING" || c.Labels[agent.LabelTaskArn] != tc.arn || c.Networks[0].NetworkMode != "host" {
					t.Errorf("container document %+v", c)
				}
			}
			if !equal(names, tc.names) {
				t.Errorf("%s: containers %v, want %v", tc.family, names, tc.names)
			}
			var self taskmeta.ContainerResponse
			if code := httpGet(t, v4, &self); code != http.StatusOK || self.Name != name || self.DockerID != h.containerID(tc.arn, name) {
				t.Errorf("GET %s = %d %+v, want container %s", v4, code, self, name)
			}
			var stats map[string]any
			if code := httpGet(t, v4+"/stats", &stats); code != http.StatusOK || stats["id"] != self.DockerID {
				t.Errorf("GET %s/stats = %d %v", v4, code, stats)
			}

			full := env["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
			if !strings.HasPrefix(full, "http://127.0.0.1:") || !strings.Contains(full, "/v2/credentials/") {
				t.Fatalf("AWS_CONTAINER_CREDENTIALS_FULL_URI = %q", full)
			}
			if _, ok := env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]; ok {
				t.Error("RELATIVE_URI injected although 169.254.170.2 is not routed")
			}
			var creds taskmeta.CredentialsResponse
			if code := httpGet(t, full, &creds); code != http.StatusOK || creds.AccessKeyID != tc.key || creds.RoleArn != tc.role || creds.Token == "" {
				t.Errorf("GET credentials = %d %+v", code, creds)
			}
			for k, v := range env {
				if strings.Contains(v, "secret-") || strings.Contains(v, "token-") {
					t.Errorf("the environment holds a secret: %s=%s", k, v)
				}
			}
		}
	}
	if a, b := h.env(arnA, "app")["AWS_CONTAINER_CREDENTIALS_FULL_URI"], h.env(arnB, "app")["AWS_CONTAINER_CREDENTIALS_FULL_URI"]; a == b {
		t.Errorf("two tasks share a credentials URI %s", a)
	}

	// Task a stops: its credentials end, b's do not; its metadata stays
	// until cleanup.
	credsA, credsB := h.env(arnA, "app")["AWS_CONTAINER_CREDENTIALS_FULL_URI"], h.env(arnB, "app")["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
	v4A := h.env(arnA, "app")["ECS_CONTAINER_METADATA_URI_V4"]
	h.cp.stopTask(arnA)
	h.advanceUntil("task a stopped", time.Second, time.Minute, func() bool {
		return h.cp.get(arnA).task.LastStatus == ecs.TaskStatusStopped
	})
	h.eventually("credentials of the stopped task end", func() bool { return httpGet(t, credsA, nil) == http.StatusBadRequest })
	if code := httpGet(t, credsB, nil); code != http.StatusOK {
		t.Errorf("credentials of the running task = %d after the other stopped", code)
	}
	h.eventually("the endpoint sees the task stopped", func() bool {
		var task taskmeta.TaskResponse
		return httpGet(t, v4A+"/task", &task) == http.StatusOK && task.KnownStatus == ecs.TaskStatusStopped
	})

	// Secrets are in no log and nowhere in what the control plane holds.
	described, _ := json.Marshal([]any{h.cp.get(arnA).task, h.cp.get(arnB).task})
	for _, secret := range []string{"secret-a-1234", "token-a-1234", "secret-b-1234", "token-b-1234"} {
		if strings.Contains(logs.String(), secret) || bytes.Contains(described, []byte(secret)) {
			t.Errorf("secret %s leaked", secret)
		}
	}
}

func TestTaskWithAnUnservedRoleIsRefused(t *testing.T) {
	h, _ := metadataHarness(t)
	arn := h.runTask(hostTask("web", "arn:aws:iam::111122223333:role/unknown", "app"))
	got := h.taskIs(arn, ecs.TaskStatusStopped).task
	want := taskmeta.AssumeRoleFailure("arn:aws:iam::111122223333:role/unknown")
	if got.StopCode != ecs.StopCodeTaskFailedToStart || got.StoppedReason != want {
		t.Errorf("stopCode %q, stoppedReason %q; want TaskFailedToStart, %q", got.StopCode, got.StoppedReason, want)
	}
	if id := h.containerID(arn, "app"); id != "" {
		t.Errorf("a container was created (%s) for a refused task", id)
	}
	// An override naming a served role is served.
	arn = h.cp.runTask(hostTask("web", "arn:aws:iam::111122223333:role/unknown", "app"), &ecs.TaskOverride{TaskRoleArn: roleB})
	h.taskIs(arn, ecs.TaskStatusRunning)
	var creds taskmeta.CredentialsResponse
	if code := httpGet(t, h.env(arn, "app")["AWS_CONTAINER_CREDENTIALS_FULL_URI"], &creds); code != http.StatusOK || creds.RoleArn != roleB {
		t.Errorf("credentials = %d %+v, want role b's", code, creds)
	}
}

// Without a route and without a bridge, a bridge-mode container gets no
// URI at all: nothing would answer it.
func TestNoReachableEndpointInjectsNothing(t *testing.T) {
	h, logs := metadataHarness(t)
	td := hostTask("web", roleA, "app")
	td.NetworkMode = ""
	arn := h.runTask(td)
	h.taskIs(arn, ecs.TaskStatusRunning)
	for _, k := range []string{"ECS_CONTAINER_METADATA_URI_V4", "ECS_CONTAINER_METADATA_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		if v, ok := h.env(arn, "app")[k]; ok {
			t.Errorf("%s=%s injected with no reachable endpoint", k, v)
		}
	}
	if n := strings.Count(logs.String(), "is not routed to the task metadata endpoint"); n != 1 {
		t.Errorf("the agent said %d times that it does not route 169.254.170.2, want once", n)
	}
}

// A restarted agent (a new process: a new Agent on the same state file)
// answers the endpoints of the containers it adopts.
func TestMetadataSurvivesARestart(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	state := filepath.Join(t.TempDir(), "agent.json")
	h := newHarness(t, func(c *agent.Config) {
		c.StateFile = state
		c.Metadata = agent.MetadataConfig{Enabled: true, Listen: addr, NoRoute: true, Bridge: "ecskit-no-such-bridge",
			Credentials: &taskmeta.StaticProvider{Roles: map[string]taskmeta.StaticKey{roleA: {AccessKeyID: "AKIAA", SecretAccessKey: "s"}}}}
	})
	arn := h.runTask(hostTask("web", roleA, "app"))
	h.taskIs(arn, ecs.TaskStatusRunning)
	env := h.env(arn, "app")
	h.stop()
	if fi, err := os.Stat(state + ".taskmeta"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("IDs file: %v, %v; want one readable by its owner only", fi, err)
	}
	h.start()
	h.eventually("the restarted agent answers the adopted container's endpoint", func() bool {
		var task taskmeta.TaskResponse
		return httpGet(t, env["ECS_CONTAINER_METADATA_URI_V4"]+"/task", &task) == http.StatusOK && task.TaskARN == arn
	})
	var creds taskmeta.CredentialsResponse
	if code := httpGet(t, env["AWS_CONTAINER_CREDENTIALS_FULL_URI"], &creds); code != http.StatusOK || creds.AccessKeyID != "AKIAA" {
		t.Errorf("after a restart the credentials answered %d %+v", code, creds)
	}
}
