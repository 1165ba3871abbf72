package ecsapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ecskit/ecs/ecsapi"
)

func TestProtocolErrors(t *testing.T) {
	e := newEnv(t, ecsapi.WithCredentials(nil), ecsapi.WithMaxBodyBytes(1024))
	cases := []struct {
		name       string
		target     string
		body       string
		method     string
		wantStatus int
		wantCode   string
	}{
		{name: "unknown action", target: "FlyToTheMoon", body: "{}", wantStatus: 400, wantCode: "UnknownOperationException"},
		{name: "out-of-scope action", target: "CreateCapacityProvider", body: "{}", wantStatus: 400, wantCode: "UnknownOperationException"},
		{name: "no target", body: "{}", wantStatus: 400, wantCode: "UnknownOperationException"},
		{name: "malformed JSON", target: "CreateCluster", body: `{"clusterName":`, wantStatus: 400, wantCode: "SerializationException"},
		{name: "wrong member type", target: "CreateCluster", body: `{"clusterName":5}`, wantStatus: 400, wantCode: "SerializationException"},
		{name: "not an object", target: "ListClusters", body: `[1,2]`, wantStatus: 400, wantCode: "SerializationException"},
		{name: "trailing data", target: "ListClusters", body: `{} {}`, wantStatus: 400, wantCode: "SerializationException"},
		{name: "too large", target: "CreateCluster", body: `{"clusterName":"` + strings.Repeat("a", 2000) + `"}`, wantStatus: 413, wantCode: "SerializationException"},
		{name: "GET", target: "ListClusters", method: http.MethodGet, wantStatus: 405, wantCode: "UnknownOperationException"},
		{name: "ECS exception", target: "DeleteCluster", body: `{"cluster":"nope"}`, wantStatus: 400, wantCode: "ClusterNotFoundException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mut []func(*http.Request)
			if tc.method != "" {
				mut = append(mut, func(r *http.Request) { r.Method = tc.method })
			}
			if tc.target == "" {
				mut = append(mut, func(r *http.Request) { r.Header.Del("X-Amz-Target") })
			}
			status, body := e.raw(t, tc.target, tc.body, mut...)
			code, msg := errorBody(t, body)
			if status != tc.wantStatus || code != tc.wantCode || msg == "" {
				t.Fatalf("got %d %s %q, want %d %s", status, code, msg, tc.wantStatus, tc.wantCode)
			}
		})
	}
}

func TestResponseShape(t *testing.T) {
	e := newEnv(t, ecsapi.WithCredentials(nil))
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/", strings.NewReader(""))
	req.Header.Set("X-Amz-Target", ecsapi.TargetPrefix+".ListClusters")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ecsapi.ContentType {
		t.Fatalf("status %d content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if id := resp.Header.Get("x-amzn-RequestId"); !uuid.MatchString(id) {
		t.Fatalf("x-amzn-RequestId %q", id)
	}
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if arns, ok := out["clusterArns"].([]any); !ok || len(arns) != 0 {
		t.Fatalf("empty body ListClusters = %v, want clusterArns: []", out)
	}
}

func TestTimestampsAreEpochSeconds(t *testing.T) {
	e := newEnv(t, ecsapi.WithCredentials(nil))
	e.raw(t, "CreateCluster", `{"clusterName":"c"}`)
	status, body := e.raw(t, "RegisterContainerInstance", `{"cluster":"c","instanceIdentityDocument":`+
		mustJSON(t, identityDoc("i-1"))+`,"totalResources":[{"name":"CPU","type":"INTEGER","integerValue":1024}]}`)
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(body)))
	dec.UseNumber()
	var out struct {
		ContainerInstance map[string]any `json:"containerInstance"`
	}
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	n, ok := out.ContainerInstance["registeredAt"].(json.Number)
	if !ok {
		t.Fatalf("registeredAt = %#v, want a JSON number", out.ContainerInstance["registeredAt"])
	}
	f, _ := n.Float64()
	if d := time.Since(time.Unix(int64(f), 0)); d < -time.Hour || d > time.Hour {
		t.Fatalf("registeredAt %v is not epoch seconds of now", n)
	}
}

func TestPollTasksServed(t *testing.T) {
	e := newEnv(t, ecsapi.WithCredentials(nil))
	e.raw(t, "CreateCluster", `{"clusterName":"c"}`)
	_, body := e.raw(t, "RegisterContainerInstance", `{"cluster":"c","totalResources":[{"name":"CPU","type":"INTEGER","integerValue":1024}]}`)
	var reg struct {
		ContainerInstance struct {
			ContainerInstanceArn string `json:"containerInstanceArn"`
		} `json:"containerInstance"`
	}
	if err := json.Unmarshal([]byte(body), &reg); err != nil {
		t.Fatal(err)
	}
	status, body := e.raw(t, "PollTasks", `{"cluster":"c","containerInstance":"`+reg.ContainerInstance.ContainerInstanceArn+`"}`)
	if status != 200 || !strings.Contains(body, `"tasks":[]`) || !strings.Contains(body, `"revision":`) {
		t.Fatalf("PollTasks: %d %s", status, body)
	}
	status, body = e.raw(t, "PollTasks", `{"cluster":"c","containerInstance":"0123456789abcdef0123456789abcdef"}`)
	if code, _ := errorBody(t, body); status != 400 || code != "InvalidParameterException" {
		t.Fatalf("PollTasks unknown instance: %d %s", status, body)
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
