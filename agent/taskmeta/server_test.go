package taskmeta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeSource serves TaskInputs from a map.
type fakeSource struct {
	mu    sync.Mutex
	tasks map[string]TaskInput
}

func (f *fakeSource) TaskInput(_ context.Context, arn string) (TaskInput, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	in, ok := f.tasks[arn]
	return in, ok
}

func (f *fakeSource) set(arn string, mutate func(*TaskInput)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	in := f.tasks[arn]
	mutate(&in)
	f.tasks[arn] = in
}

// fakeStats answers the AWS example for every container.
type fakeStats struct{ doc []byte }

func (f fakeStats) ContainerStats(_ context.Context, id string) (json.RawMessage, error) {
	if id == "" {
		return nil, errors.New("no id")
	}
	return f.doc, nil
}

// twoTasks returns a server with two tasks of AWS's example shape, "a" and
// "b", and their endpoint and credentials IDs.
func twoTasks(t *testing.T, logs io.Writer) (*Server, *fakeSource, map[string]string) {
	t.Helper()
	src := &fakeSource{tasks: map[string]TaskInput{}}
	ids := map[string]string{}
	provider := &StaticProvider{Roles: map[string]StaticKey{
		"arn:aws:iam::111122223333:role/a": {AccessKeyID: "AKIAA", SecretAccessKey: "secret-a", SessionToken: "token-a"},
		"arn:aws:iam::111122223333:role/b": {AccessKeyID: "AKIAB", SecretAccessKey: "secret-b"},
	}}
	if logs == nil {
		logs = io.Discard
	}
	s := NewServer(Config{Source: src, Credentials: provider, Stats: fakeStats{readFixture(t, "v4-stats.json")},
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	for _, name := range []string{"a", "b"} {
		in := exampleInput(t)
		in.Task.TaskArn = "arn:aws:ecs:us-west-2:111122223333:task/default/" + name
		in.Containers[0].Engine.ID = "docker-" + name
		src.tasks[in.Task.TaskArn] = in
		ids[name] = s.ContainerEndpoint(in.Task.TaskArn, "curl")
		ids[name+"-creds"] = s.TaskCredentials(in.Task.TaskArn, "arn:aws:iam::111122223333:role/"+name)
	}
	return s, src, ids
}

func get(t *testing.T, h http.Handler, path string) (int, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	return rec.Code, rec.Body.Bytes()
}

func TestPathsAnswerForTheirOwnTask(t *testing.T) {
	s, _, ids := twoTasks(t, nil)
	for _, name := range []string{"a", "b"} {
		id := ids[name]
		arn := "arn:aws:ecs:us-west-2:111122223333:task/default/" + name
		for _, p := range []string{"/v4/" + id + "/task", "/v4/" + id + "/taskWithTags", "/v3/" + id + "/task"} {
			code, body := get(t, s, p)
			var doc TaskResponse
			if err := json.Unmarshal(body, &doc); code != 200 || err != nil || doc.TaskARN != arn {
				t.Errorf("GET %s = %d %s, want task %s", p, code, body, arn)
			}
		}
		for _, p := range []string{"/v4/" + id, "/v3/" + id} {
			code, body := get(t, s, p)
			var doc ContainerResponse
			if err := json.Unmarshal(body, &doc); code != 200 || err != nil || doc.Name != "curl" || doc.DockerID != "docker-"+name {
				t.Errorf("GET %s = %d %s, want container curl of %s", p, code, body, name)
			}
		}
		code, body := get(t, s, "/v4/"+id+"/stats")
		if code != 200 || !cmp.Equal(generic(t, body), generic(t, readFixture(t, "v4-stats.json"))) {
			t.Errorf("GET stats = %d %s, want the engine's stats document", code, body)
		}
		code, body = get(t, s, "/v4/"+id+"/task/stats")
		var byID map[string]json.RawMessage
		if err := json.Unmarshal(body, &byID); code != 200 || err != nil || len(byID) != 1 || byID["docker-"+name] == nil {
			t.Errorf("GET task/stats = %d %s, want the stats of docker-%s only", code, body, name)
		}
	}
	if ids["a"] == ids["b"] || len(ids["a"]) != 32 {
		t.Errorf("endpoint IDs %q and %q: want two distinct 128-bit IDs", ids["a"], ids["b"])
	}
	if again := s.ContainerEndpoint("arn:aws:ecs:us-west-2:111122223333:task/default/a", "curl"); again != ids["a"] {
		t.Errorf("a container's endpoint ID changed: %s then %s", ids["a"], again)
	}
}

func TestUnknownIDsAnswerNothing(t *testing.T) {
	s, _, ids := twoTasks(t, nil)
	for _, p := range []string{
		"/v4/0123456789abcdef0123456789abcdef/task",
		"/v4/" + ids["a-creds"] + "/task", // a credentials ID is no endpoint ID
		"/v4/" + ids["a"][:31] + "/task",
		"/v4/",
		"/v2/metadata",
		"/",
	} {
		if code, body := get(t, s, p); code != http.StatusNotFound {
			t.Errorf("GET %s = %d %s, want 404", p, code, body)
		}
	}
	for _, p := range []string{"/v2/credentials/" + ids["a"], "/v2/credentials/nope"} {
		if code, body := get(t, s, p); code != http.StatusBadRequest || !bytes.Contains(body, []byte("InvalidIdInRequest")) {
			t.Errorf("GET %s = %d %s, want 400 InvalidIdInRequest", p, code, body)
		}
	}
}

func TestCredentialsOnlyWhileTheTaskRuns(t *testing.T) {
	var logs bytes.Buffer
	s, src, ids := twoTasks(t, &logs)
	for _, name := range []string{"a", "b"} {
		code, body := get(t, s, "/v2/credentials/"+ids[name+"-creds"])
		var c CredentialsResponse
		if err := json.Unmarshal(body, &c); code != 200 || err != nil {
			t.Fatalf("GET credentials of %s = %d %s", name, code, body)
		}
		wantKey := "AKIA" + strings.ToUpper(name)
		if c.AccessKeyID != wantKey || c.SecretAccessKey != "secret-"+name || c.RoleArn != "arn:aws:iam::111122223333:role/"+name || c.Expiration.IsZero() {
			t.Errorf("credentials of %s = %+v", name, c)
		}
	}
	// a stops: its credentials stop answering, b's do not.
	src.set("arn:aws:ecs:us-west-2:111122223333:task/default/a", func(in *TaskInput) { in.KnownStatus = "STOPPED" })
	if code, _ := get(t, s, "/v2/credentials/"+ids["a-creds"]); code != http.StatusBadRequest {
		t.Errorf("credentials of a stopped task answered %d", code)
	}
	if code, _ := get(t, s, "/v2/credentials/"+ids["b-creds"]); code != http.StatusOK {
		t.Errorf("credentials of b answered %d after a stopped", code)
	}
	// Metadata of a stopped task still answers (as ECS's does until
	// cleanup); once forgotten, nothing does.
	if code, _ := get(t, s, "/v4/"+ids["a"]+"/task"); code != http.StatusOK {
		t.Errorf("metadata of a stopped task answered %d", code)
	}
	s.Forget("arn:aws:ecs:us-west-2:111122223333:task/default/b")
	if code, _ := get(t, s, "/v4/"+ids["b"]); code != http.StatusNotFound {
		t.Errorf("metadata of a forgotten task answered %d", code)
	}
	if code, _ := get(t, s, "/v2/credentials/"+ids["b-creds"]); code != http.StatusBadRequest {
		t.Errorf("credentials of a forgotten task answered %d", code)
	}
	for _, secret := range []string{"secret-a", "secret-b", "token-a", ids["a-creds"], ids["b-creds"]} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs hold a secret: %s", logs.String())
		}
	}
}

// A task the agent does not track (yet, after a restart; or no more)
// answers nothing, and keeps its IDs until the agent forgets it.
func TestUntrackedTaskAnswersNothing(t *testing.T) {
	s, src, ids := twoTasks(t, nil)
	src.mu.Lock()
	delete(src.tasks, "arn:aws:ecs:us-west-2:111122223333:task/default/a")
	src.mu.Unlock()
	if code, _ := get(t, s, "/v4/"+ids["a"]); code != http.StatusNotFound {
		t.Errorf("untracked task answered %d", code)
	}
	if code, _ := get(t, s, "/v2/credentials/"+ids["a-creds"]); code != http.StatusBadRequest {
		t.Errorf("credentials of an untracked task answered %d", code)
	}
	if _, kept := s.Export()["arn:aws:ecs:us-west-2:111122223333:task/default/a"]; !kept {
		t.Error("the untracked task's IDs were dropped")
	}
}

func TestProviderFailureHidesNothingAndLeaksNothing(t *testing.T) {
	var logs bytes.Buffer
	src := &fakeSource{tasks: map[string]TaskInput{}}
	in := exampleInput(t)
	src.tasks[in.Task.TaskArn] = in
	s := NewServer(Config{Source: src, Credentials: &StaticProvider{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	id := s.TaskCredentials(in.Task.TaskArn, "arn:aws:iam::1:role/none")
	code, body := get(t, s, "/v2/credentials/"+id)
	if code != http.StatusInternalServerError {
		t.Errorf("GET = %d %s, want 500", code, body)
	}
	if !strings.Contains(logs.String(), "role/none") || strings.Contains(logs.String(), id) {
		t.Errorf("logs %q: want the role, not the credentials ID", logs.String())
	}
	// No stats reader: stats say so.
	ep := s.ContainerEndpoint(in.Task.TaskArn, "curl")
	if code, body := get(t, s, "/v4/"+ep+"/stats"); code != http.StatusInternalServerError {
		t.Errorf("stats without a reader = %d %s", code, body)
	}
}

func TestCredentialsStringHidesSecrets(t *testing.T) {
	c := Credentials{AccessKeyID: "AKIA", SecretAccessKey: "s3cr3t", SessionToken: "t0k3n"}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v", c, c, c)} {
		if strings.Contains(s, "s3cr3t") || strings.Contains(s, "t0k3n") || !strings.Contains(s, "AKIA") {
			t.Errorf("printed %q", s)
		}
	}
}

func TestExportImport(t *testing.T) {
	s, src, ids := twoTasks(t, nil)
	restarted := NewServer(Config{Source: src, Credentials: s.cfg.Credentials})
	restarted.Import(s.Export())
	if code, _ := get(t, restarted, "/v4/"+ids["a"]+"/task"); code != http.StatusOK {
		t.Errorf("an imported endpoint ID answered %d", code)
	}
	if code, _ := get(t, restarted, "/v2/credentials/"+ids["b-creds"]); code != http.StatusOK {
		t.Errorf("an imported credentials ID answered %d", code)
	}
	if got := restarted.ContainerEndpoint("arn:aws:ecs:us-west-2:111122223333:task/default/a", "curl"); got != ids["a"] {
		t.Errorf("the imported task got a new endpoint ID %s, want %s", got, ids["a"])
	}
}
