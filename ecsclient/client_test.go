package ecsclient_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/ecsapi"
	"github.com/ecskit/ecs/ecsclient"
	"github.com/ecskit/ecs/runtime/fake"
	"github.com/stretchr/testify/require"
)

func serve(t *testing.T) (*ecs.ControlPlane, string) {
	t.Helper()
	cp, err := ecs.Open()
	require.NoError(t, err)
	t.Cleanup(func() { _ = cp.Close() })
	srv := httptest.NewServer(ecsapi.New(cp, ecsapi.WithCredentials(map[string]string{"AKIDTEST": "secret"})))
	t.Cleanup(srv.Close)
	return cp, srv.URL
}

// TestRemoteAgent runs an agent whose control plane is reached over HTTP:
// it registers, receives a task, and reports it RUNNING and STOPPED.
func TestRemoteAgent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cp, url := serve(t)
	client := ecsclient.New(url, "us-east-1", ecsclient.WithCredentials("AKIDTEST", "secret"))

	ag := agent.New(agent.Config{ControlPlane: client, Runtime: fake.New(fake.WithImages("app:1")), PollWait: time.Second})
	actx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = ag.Run(actx) }()
	defer func() { stop(); <-done }()
	select {
	case <-ag.Registered():
	case <-ctx.Done():
		t.Fatal("agent did not register")
	}

	mem := int64(64)
	_, err := cp.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: "app",
		ContainerDefinitions: []ecs.ContainerDefinition{{Name: "app", Image: "app:1", Memory: &mem}}})
	require.NoError(t, err)
	run, err := cp.RunTask(ctx, &ecs.RunTaskInput{TaskDefinition: "app"})
	require.NoError(t, err)
	require.Len(t, run.Tasks, 1)
	arn := run.Tasks[0].TaskArn
	waitStatus(ctx, t, cp, arn, ecs.TaskStatusRunning)
	_, err = cp.StopTask(ctx, &ecs.StopTaskInput{Task: arn})
	require.NoError(t, err)
	waitStatus(ctx, t, cp, arn, ecs.TaskStatusStopped)
}

func waitStatus(ctx context.Context, t *testing.T, cp *ecs.ControlPlane, arn, status string) {
	t.Helper()
	for {
		d, err := cp.DescribeTasks(ctx, &ecs.DescribeTasksInput{Tasks: []string{arn}})
		require.NoError(t, err)
		if d.Tasks[0].LastStatus == status {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("task never reached %s (last %s)", status, d.Tasks[0].LastStatus)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	_, url := serve(t)
	tests := []struct {
		name   string
		client *ecsclient.Client
		code   ecs.Code
	}{
		{"unknown cluster", ecsclient.New(url, "us-east-1", ecsclient.WithCredentials("AKIDTEST", "secret")), ecs.ClusterNotFoundException},
		{"wrong secret", ecsclient.New(url, "us-east-1", ecsclient.WithCredentials("AKIDTEST", "nope")), "InvalidSignatureException"},
		{"unknown key", ecsclient.New(url, "us-east-1", ecsclient.WithCredentials("AKIDOTHER", "secret")), "UnrecognizedClientException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out ecs.DescribeClustersOutput
			err := tc.client.Call(ctx, "ListTasks", &ecs.ListTasksInput{Cluster: "nope"}, &out)
			var e *ecs.Error
			require.True(t, errors.As(err, &e), "got %v", err)
			require.Equal(t, tc.code, e.Code)
		})
	}
}

// TestFailover calls through a list whose first endpoint is down.
func TestFailover(t *testing.T) {
	_, url := serve(t)
	dead := httptest.NewServer(nil)
	deadURL := dead.URL
	dead.Close()
	c := ecsclient.New(deadURL+","+url, "us-east-1", ecsclient.WithCredentials("AKIDTEST", "secret"))
	for range 2 {
		var out ecs.ListClustersOutput
		require.NoError(t, c.Call(context.Background(), "ListClusters", &ecs.ListClustersInput{}, &out))
	}
}
