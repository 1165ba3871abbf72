package ecsapi_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ecssdk "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/ecsapi"
	"github.com/ecskit/ecs/internal/testutil"
)

const (
	testKeyID  = "AKIDECSKITTEST"
	testSecret = "s3cr3t/ecskit+test+secret+key0000000000"
	testRegion = "us-east-1"
)

// env is one control plane served over HTTP with SigV4 required, and a
// real SDK client signed with a configured key.
type env struct {
	t       *testing.T
	cp      *ecs.ControlPlane
	handler *ecsapi.Handler
	srv     *httptest.Server
	client  *ecssdk.Client
	logs    *testutil.SyncBuffer
}

func newEnv(t *testing.T, opts ...ecsapi.Option) *env {
	t.Helper()
	cp, err := ecs.Open(ecs.WithRegion(testRegion))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cp.Close() })
	logs := &testutil.SyncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	all := append([]ecsapi.Option{
		ecsapi.WithCredentials(map[string]string{testKeyID: testSecret}),
		ecsapi.WithLogger(logger),
	}, opts...)
	h := ecsapi.New(cp, all...)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &env{t: t, cp: cp, handler: h, srv: srv, logs: logs}
	e.client = e.newClient(testKeyID, testSecret)
	return e
}

// newClient returns an SDK client for the test server with these
// credentials and no retries.
func (e *env) newClient(keyID, secret string) *ecssdk.Client {
	return ecssdk.NewFromConfig(aws.Config{
		Region:       testRegion,
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		BaseEndpoint: aws.String(e.srv.URL),
	}, func(o *ecssdk.Options) { o.RetryMaxAttempts = 1 })
}

// requireCode fails unless err is an API error with this code.
func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got success", code)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got non-API error %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

var ctx = context.Background()

// createCluster creates a cluster through the API.
func (e *env) createCluster(name string) {
	e.t.Helper()
	if _, err := e.client.CreateCluster(ctx, &ecssdk.CreateClusterInput{ClusterName: aws.String(name)}); err != nil {
		e.t.Fatal(err)
	}
}

// identityDoc is an EC2 instance identity document.
func identityDoc(id string) string {
	return `{"instanceId":"` + id + `","availabilityZone":"us-east-1a","instanceType":"m5.large","region":"us-east-1"}`
}

// registerInstance registers an instance with 2 vCPU and 4 GiB.
func (e *env) registerInstance(cluster, ec2ID string) *types.ContainerInstance {
	e.t.Helper()
	out, err := e.client.RegisterContainerInstance(ctx, &ecssdk.RegisterContainerInstanceInput{
		Cluster:                  aws.String(cluster),
		InstanceIdentityDocument: aws.String(identityDoc(ec2ID)),
		TotalResources: []types.Resource{
			{Name: aws.String("CPU"), Type: aws.String("INTEGER"), IntegerValue: 2048},
			{Name: aws.String("MEMORY"), Type: aws.String("INTEGER"), IntegerValue: 4096},
		},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.ContainerInstance
}

// registerTaskDef registers family with one busybox container.
func (e *env) registerTaskDef(family string, env ...types.KeyValuePair) *types.TaskDefinition {
	e.t.Helper()
	out, err := e.client.RegisterTaskDefinition(ctx, &ecssdk.RegisterTaskDefinitionInput{
		Family: aws.String(family),
		ContainerDefinitions: []types.ContainerDefinition{{
			Name: aws.String("app"), Image: aws.String("busybox"), Memory: aws.Int32(128), Essential: aws.Bool(true),
			Environment: env,
		}},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.TaskDefinition
}

// runTask runs one task of family in cluster and returns its ARN.
func (e *env) runTask(cluster, family string) string {
	e.t.Helper()
	out, err := e.client.RunTask(ctx, &ecssdk.RunTaskInput{Cluster: aws.String(cluster), TaskDefinition: aws.String(family)})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(out.Tasks) != 1 {
		e.t.Fatalf("RunTask placed %d tasks, failures %+v", len(out.Tasks), out.Failures)
	}
	return aws.ToString(out.Tasks[0].TaskArn)
}

// raw sends a request with the given target and body, unsigned unless
// sign is set, and returns the status and body.
func (e *env) raw(t *testing.T, target, body string, mutate ...func(*http.Request)) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ecsapi.ContentType)
	if target != "" {
		req.Header.Set("X-Amz-Target", ecsapi.TargetPrefix+"."+target)
	}
	for _, m := range mutate {
		m(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
