package ecsapi_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecssdk "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.createCluster("prod")
	e.registerInstance("prod", "i-1")
	e.registerTaskDef("web")
	e.runTask("prod", "web")
	big := must[*ecssdk.RegisterTaskDefinitionOutput](t)(e.client.RegisterTaskDefinition(ctx, &ecssdk.RegisterTaskDefinitionInput{
		Family:               aws.String("big"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Memory: aws.Int32(100000)}},
	}))
	must[*ecssdk.RunTaskOutput](t)(e.client.RunTask(ctx, &ecssdk.RunTaskInput{Cluster: aws.String("prod"), TaskDefinition: big.TaskDefinition.TaskDefinitionArn}))
	_, err := e.client.DeleteCluster(ctx, &ecssdk.DeleteClusterInput{Cluster: aws.String("nope")})
	requireCode(t, err, "ClusterNotFoundException")
	e.raw(t, "NoSuchAction", "{}")

	rec := httptest.NewRecorder()
	e.handler.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("content type %q", ct)
	}
	for _, want := range []string{
		`ecsapi_requests_total{action="RunTask",code="OK"} 2`,
		`ecsapi_requests_total{action="DeleteCluster",code="ClusterNotFoundException"} 1`,
		`ecsapi_requests_total{action="unknown",code="MissingAuthenticationTokenException"} 1`,
		`ecsapi_request_duration_seconds_count{action="RunTask"} 2`,
		`ecsapi_request_duration_seconds_bucket{action="RunTask",le="+Inf"} 2`,
		`ecsapi_placements_total 1`,
		`ecsapi_placement_failures_total{reason="RESOURCE:MEMORY"} 1`,
		`# TYPE ecs_tasks gauge`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
	if !regexp.MustCompile(`(?m)^ecs_tasks\{cluster="prod",status="[A-Z]+"\} 1$`).MatchString(body) {
		t.Errorf("metrics lack the task of cluster prod")
	}
	sample := regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [-+0-9.eE]+(Inf)?$`)
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		if !strings.HasPrefix(line, "# ") && !sample.MatchString(line) {
			t.Errorf("not a valid exposition line: %q", line)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}
