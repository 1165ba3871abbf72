package agent_test

import (
	"context"
	"log/slog"
	"maps"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/internal/dockertest"
	"github.com/ecskit/ecs/internal/testimage"
	"github.com/ecskit/ecs/logs"
	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/secrets"
)

// TestAwslogsOnDocker runs a task on the real engine whose container
// prints a secret at start and a tick every 500 ms, and reads its stream
// back with the SDK's GetLogEvents while it runs. How long a tick took to
// become readable is logged, not asserted (the issue asks for 2 s; the
// agent ships every 250 ms). Skipped when no engine answers (failed under
// ECSKIT_REQUIRE_DOCKER=1).
func TestAwslogsOnDocker(t *testing.T) {
	if testing.Short() {
		t.Skip("uses a Docker engine")
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	rt := dockertest.Runtime(t)
	image := testimage.Image(t, rt)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ls := logs.NewMemory()
	ss := secrets.NewStore()
	if _, err := ss.PutParameter(ctx, secrets.PutParameterInput{Name: "/e2e/token", Value: "docker-secret-7", Type: secrets.TypeSecureString}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(logs.NewHandler(ls))
	defer srv.Close()
	cl := cloudwatchlogs.New(cloudwatchlogs.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")})

	cp := newTestCP()
	ag := agent.New(agent.Config{
		ControlPlane: cp, Runtime: rt, PullBehavior: runtime.PullPreferCached,
		CleanupWait: time.Hour, StopTimeout: 2 * time.Second, Logs: ls, Secrets: ss,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	done := make(chan error, 1)
	go func() { done <- ag.Run(ctx) }()
	defer func() { cancel(); <-done }()
	select {
	case <-ag.Registered():
	case <-time.After(30 * time.Second):
		t.Fatal("agent did not register")
	}

	app := ctr("app", "ECSKIT_FAKE_OUTPUT=hello token=$TOKEN", "TESTAPP_PRINT_EVERY=500ms")
	app.Image = image
	app.DockerLabels = maps.Clone(dockertest.Labels(t))
	app.Secrets = []ecs.Secret{{Name: "TOKEN", ValueFrom: "/e2e/token"}}
	app = awslogs(app, map[string]string{"awslogs-group": "/e2e/docker", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "e2e", "awslogs-create-group": "true"})
	arn := cp.runTask(taskDef("docker-logs", app), nil)
	stream := "e2e/app/" + taskID(arn)

	deadline := time.Now().Add(2 * time.Minute)
	var hello bool
	var lags []time.Duration
	for time.Now().Before(deadline) && (!hello || len(lags) < 3) {
		out, err := cl.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/e2e/docker"), LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true)})
		now := time.Now()
		if err == nil {
			hello, lags = false, lags[:0]
			for _, e := range out.Events {
				msg := aws.ToString(e.Message)
				hello = hello || msg == "hello token=docker-secret-7"
				if f := strings.Fields(msg); len(f) == 3 && f[0] == "tick" {
					if ms, err := strconv.ParseInt(f[2], 10, 64); err == nil {
						lags = append(lags, now.Sub(time.UnixMilli(ms)))
					}
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !hello {
		t.Fatalf("the container's first line never reached GetLogEvents")
	}
	if len(lags) < 3 {
		t.Fatalf("only %d ticks reached GetLogEvents", len(lags))
	}
	// The newest tick seen was at most one poll plus the engine's and the
	// agent's buffering old: log it for the record.
	t.Logf("newest tick readable %v after it was written (every tick: %v)", lags[len(lags)-1], lags)
	if ct := cp.get(arn); ct.task.LastStatus != ecs.TaskStatusRunning {
		t.Errorf("task %s while its logs were read, want RUNNING", ct.task.LastStatus)
	}
}
