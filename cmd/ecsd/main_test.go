package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ecssdk "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/ecskit/ecs/internal/dockertest"
	"github.com/ecskit/ecs/internal/testutil"
)

const (
	testKeyID  = "AKIDECSDTEST"
	testSecret = "ecsd-test-secret-do-not-log"
)

func TestParseFlags(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "defaults", args: nil},
		{name: "fake", args: []string{"-runtime", "fake", "-listen", "127.0.0.1:0"}},
		{name: "none", args: []string{"-runtime", "none"}},
		{name: "bad runtime", args: []string{"-runtime", "podman"}, wantErr: "-runtime must be docker, fake or none"},
		{name: "extra argument", args: []string{"serve"}, wantErr: "unexpected arguments"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFlags(tc.args, io.Discard)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestAccessKeys(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	keys, err := accessKeys(env(nil))
	if keys != nil || err != nil {
		t.Fatalf("no env: %v, %v", keys, err)
	}
	keys, err = accessKeys(env(map[string]string{"ECSD_ACCESS_KEY_ID": "A", "ECSD_SECRET_ACCESS_KEY": "S"}))
	if err != nil || keys["A"] != "S" {
		t.Fatalf("both: %v, %v", keys, err)
	}
	if _, err := accessKeys(env(map[string]string{"ECSD_ACCESS_KEY_ID": "A"})); err == nil {
		t.Fatal("an access key without a secret was accepted")
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:4566": true, "localhost:4566": true, "[::1]:4566": true, "127.1.2.3:80": true,
		":4566": false, "0.0.0.0:4566": false, "10.0.0.1:4566": false, "[::]:4566": false, "nonsense": false,
	} {
		if got := isLoopback(addr); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestRefusesUnauthenticatedNonLoopback(t *testing.T) {
	err := run(context.Background(), []string{"-runtime", "fake", "-listen", "0.0.0.0:0"}, func(string) string { return "" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "refusing to serve unauthenticated requests") {
		t.Fatalf("err = %v", err)
	}
}

func TestDockerRuntimeWithoutEngine(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "no-engine.sock"))
	err := run(context.Background(), []string{"-runtime", "docker", "-listen", "127.0.0.1:0"}, func(string) string { return "" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no Docker engine answers") {
		t.Fatalf("err = %v", err)
	}
}

// TestDockerRuntime registers the local engine (skipped without one,
// unless ECSKIT_REQUIRE_DOCKER=1).
func TestDockerRuntime(t *testing.T) {
	dockertest.Runtime(t)
	d := startDaemon(t, "-runtime", "docker", "-cluster", "local")
	c := d.client()
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := c.ListContainerInstances(ctx, &ecssdk.ListContainerInstancesInput{Cluster: aws.String("local")})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.ContainerInstanceArns) == 1 {
			di, err := c.DescribeContainerInstances(ctx, &ecssdk.DescribeContainerInstancesInput{
				Cluster: aws.String("local"), ContainerInstances: out.ContainerInstanceArns,
			})
			if err != nil {
				t.Fatal(err)
			}
			if ci := di.ContainerInstances[0]; !ci.AgentConnected || aws.ToString(ci.Status) != "ACTIVE" {
				t.Fatalf("local engine instance: status %q agentConnected %v", aws.ToString(ci.Status), ci.AgentConnected)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the local engine never registered\n%s", d.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// daemon is ecsd running in-process with -runtime fake and SigV4 required.
type daemon struct {
	url    string
	log    *testutil.SyncBuffer
	cancel context.CancelFunc
	done   chan error
}

func startDaemon(t *testing.T, extra ...string) *daemon {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	env := map[string]string{"ECSD_ACCESS_KEY_ID": testKeyID, "ECSD_SECRET_ACCESS_KEY": testSecret}
	args := append([]string{"-runtime", "fake", "-listen", "127.0.0.1:0", "-addr-file", addrFile, "-log-level", "debug"}, extra...)
	ctx, cancel := context.WithCancel(context.Background())
	d := &daemon{log: &testutil.SyncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() { d.done <- run(ctx, args, func(k string) string { return env[k] }, d.log) }()
	t.Cleanup(func() { d.stop(t) })
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(addrFile)
		if err == nil && len(b) > 0 {
			d.url = "http://" + strings.TrimSpace(string(b))
			return d
		}
		select {
		case err := <-d.done:
			t.Fatalf("ecsd exited: %v\n%s", err, d.log)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("ecsd did not listen\n%s", d.log)
		}
	}
}

// stop cancels the daemon as SIGTERM does and returns run's result.
func (d *daemon) stop(t *testing.T) error {
	d.cancel()
	err, ok := <-d.done
	if ok {
		close(d.done)
	}
	return err
}

func (d *daemon) client() *ecssdk.Client {
	return ecssdk.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(testKeyID, testSecret, ""),
		BaseEndpoint: aws.String(d.url),
	}, func(o *ecssdk.Options) { o.RetryMaxAttempts = 1 })
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestFakeRuntime registers an instance through the API and sees its
// in-process agent run a task to RUNNING and STOPPED.
func TestFakeRuntime(t *testing.T) {
	d := startDaemon(t)
	c := d.client()
	ctx := context.Background()
	if _, err := c.CreateCluster(ctx, &ecssdk.CreateClusterInput{ClusterName: aws.String("c")}); err != nil {
		t.Fatal(err)
	}
	reg, err := c.RegisterContainerInstance(ctx, &ecssdk.RegisterContainerInstanceInput{
		Cluster:                  aws.String("c"),
		InstanceIdentityDocument: aws.String(`{"instanceId":"i-0abc","availabilityZone":"us-east-1c","instanceType":"m5.xlarge"}`),
		TotalResources: []types.Resource{
			{Name: aws.String("CPU"), Type: aws.String("INTEGER"), IntegerValue: 1536},
			{Name: aws.String("MEMORY"), Type: aws.String("INTEGER"), IntegerValue: 3000},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.RegisterTaskDefinition(ctx, &ecssdk.RegisterTaskDefinitionInput{
		Family: aws.String("web"),
		ContainerDefinitions: []types.ContainerDefinition{{
			Name: aws.String("app"), Image: aws.String("nginx:1.27"), Memory: aws.Int32(256),
		}},
	}); err != nil {
		t.Fatal(err)
	}
	run, err := c.RunTask(ctx, &ecssdk.RunTaskInput{Cluster: aws.String("c"), TaskDefinition: aws.String("web")})
	if err != nil || len(run.Tasks) != 1 {
		t.Fatalf("RunTask: %v %+v", err, run)
	}
	in := &ecssdk.DescribeTasksInput{Cluster: aws.String("c"), Tasks: []string{aws.ToString(run.Tasks[0].TaskArn)}}
	if err := ecssdk.NewTasksRunningWaiter(c, func(o *ecssdk.TasksRunningWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	}).Wait(ctx, in, 30*time.Second); err != nil {
		t.Fatalf("TasksRunning: %v\n%s", err, d.log)
	}

	// The agent's re-registration kept the resources given at registration.
	di, err := c.DescribeContainerInstances(ctx, &ecssdk.DescribeContainerInstancesInput{
		Cluster: aws.String("c"), ContainerInstances: []string{aws.ToString(reg.ContainerInstance.ContainerInstanceArn)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range di.ContainerInstances[0].RegisteredResources {
		if aws.ToString(r.Name) == "CPU" && r.IntegerValue != 1536 || aws.ToString(r.Name) == "MEMORY" && r.IntegerValue != 3000 {
			t.Fatalf("registered %s = %d after the agent re-registered", aws.ToString(r.Name), r.IntegerValue)
		}
	}
	if aws.ToString(di.ContainerInstances[0].Ec2InstanceId) != "i-0abc" {
		t.Fatalf("ec2InstanceId %q", aws.ToString(di.ContainerInstances[0].Ec2InstanceId))
	}

	if status, body := get(t, d.url+"/healthz"); status != 200 || strings.TrimSpace(body) != "ok" {
		t.Fatalf("/healthz: %d %q", status, body)
	}
	status, body := get(t, d.url+"/metrics")
	for _, want := range []string{`ecs_tasks{cluster="c",status="RUNNING"} 1`, `ecsapi_placements_total 1`, `ecsapi_requests_total{action="RunTask",code="OK"} 1`} {
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, body)
		}
	}

	if _, err := c.StopTask(ctx, &ecssdk.StopTaskInput{Cluster: aws.String("c"), Task: aws.String(in.Tasks[0])}); err != nil {
		t.Fatal(err)
	}
	if err := ecssdk.NewTasksStoppedWaiter(c, func(o *ecssdk.TasksStoppedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	}).Wait(ctx, in, 30*time.Second); err != nil {
		t.Fatalf("TasksStopped: %v", err)
	}

	unsigned := ecssdk.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(d.url)})
	_, err = unsigned.ListClusters(ctx, &ecssdk.ListClustersInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "MissingAuthenticationTokenException" {
		t.Fatalf("unsigned request: %v", err)
	}

	if err := d.stop(t); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	log := d.log.String()
	if !strings.Contains(log, "ecsd stopped") {
		t.Fatalf("no clean stop in the log:\n%s", log)
	}
	if strings.Contains(log, testSecret) {
		t.Fatal("the secret key appears in the log")
	}
}

func TestUnauthenticatedSaysSo(t *testing.T) {
	addrFile := filepath.Join(t.TempDir(), "addr")
	ctx, cancel := context.WithCancel(context.Background())
	log := &testutil.SyncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-runtime", "fake", "-listen", "127.0.0.1:0", "-addr-file", addrFile}, func(string) string { return "" }, log)
	}()
	for i := 0; i < 1500 && !strings.Contains(log.String(), "listening"); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "requests are NOT authenticated") {
		t.Fatalf("log does not say requests are unauthenticated:\n%s", log)
	}
}

func TestOpenStore(t *testing.T) {
	for _, spec := range []string{"memory", "bolt:" + filepath.Join(t.TempDir(), "ecsd.db")} {
		st, err := openLocalStore(spec)
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		st.Close()
	}
	for _, spec := range []string{"etcd", "bolt:", ""} {
		if _, err := openLocalStore(spec); err == nil {
			t.Fatalf("-store %q accepted", spec)
		}
	}
}
