package e2e_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/internal/dockertest"
	"github.com/ecskit/ecs/internal/testimage"
	"github.com/ecskit/ecs/internal/testutil"
	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/runtime/docker"
)

// TestRollingDeployment rolls a REPLICA service of 2 tasks on the real
// engine from image A to image B (the test image and a copy of it under
// another tag and image ID). The containers have a health check, so a task
// counts as healthy once the engine reports it HEALTHY rather than 40 s
// after it started. The service ends steady on B: a single COMPLETED
// deployment of the new task definition, every running task's container
// created from image B, the tasks of A stopped; and with minimumHealthyPercent
// 100 it never had fewer than 2 healthy tasks on the way.
func TestRollingDeployment(t *testing.T) {
	testutil.SkipShort(t, "runs a service on a Docker engine")
	t.Parallel()
	ctx := context.Background()
	rt := dockertest.Runtime(t)
	imageA := testimage.Image(t, rt)
	imageB := imageVariant(t, rt, imageA, "b")
	idA, idB := imageID(t, rt, imageA), imageID(t, rt, imageB)
	if idA == idB {
		t.Fatalf("images A and B have one ID %s", idA)
	}

	cp := openControlPlane(t)
	startAgent(t, cp, rt, "us-east-1a")
	def := taskDef{
		family: "e2e-rolling", memoryMiB: 16, labels: dockertest.Labels(t),
		healthCheck: &ecs.HealthCheck{
			Command: []string{"CMD", "/app", "health"},
			// A generous timeout and retries: a loaded engine must not turn
			// a healthy task UNHEALTHY mid-deployment.
			Interval: ptr(int64(5)), Timeout: ptr(int64(10)), Retries: ptr(int64(10)),
		},
	}
	def.image = imageA
	tdA := def.register(t, cp)
	def.image = imageB
	tdB := def.register(t, cp)

	const name = "web"
	if _, err := cp.CreateService(ctx, &ecs.CreateServiceInput{
		ServiceName:    name,
		TaskDefinition: tdA,
		DesiredCount:   ptr(int64(2)),
		DeploymentConfiguration: &ecs.DeploymentConfiguration{
			MaximumPercent: ptr(int64(200)), MinimumHealthyPercent: ptr(int64(100)),
		},
	}); err != nil {
		t.Fatalf("CreateService: %v", err)
	}
	first := waitSteady(t, cp, name, tdA, nil)
	checkContainers(t, rt, first, imageA, idA)

	if _, err := cp.UpdateService(ctx, &ecs.UpdateServiceInput{Service: name, TaskDefinition: tdB}); err != nil {
		t.Fatalf("UpdateService: %v", err)
	}
	minHealthy := 2
	second := waitSteady(t, cp, name, tdB, func(healthy int) { minHealthy = min(minHealthy, healthy) })
	checkContainers(t, rt, second, imageB, idB)
	if minHealthy < 2 {
		t.Errorf("the service had %d healthy tasks during the deployment; minimumHealthyPercent 100 keeps 2", minHealthy)
	}
	for _, old := range waitTasks(t, cp, taskArns(first), 100*time.Millisecond, "STOPPED", isStopped) {
		if slices.Contains(taskArns(second), old.TaskArn) {
			t.Errorf("task %s of deployment A still runs after the rollout to B", short(old.TaskArn))
		}
	}

	if out, err := cp.DescribeServices(ctx, &ecs.DescribeServicesInput{Services: []string{name}}); err == nil && len(out.Services) == 1 {
		for _, ev := range slices.Backward(out.Services[0].Events) {
			t.Logf("event: %s", ev.Message)
		}
	}

	if _, err := cp.DeleteService(ctx, &ecs.DeleteServiceInput{Service: name, Force: ptr(true)}); err != nil {
		t.Fatalf("DeleteService: %v", err)
	}
	waitTasks(t, cp, taskArns(second), 100*time.Millisecond, "STOPPED", isStopped)
}

// waitSteady waits until the service runs its desired count in a single
// COMPLETED deployment of td, and returns the running tasks. Each poll
// passes the number of the service's tasks that are RUNNING and HEALTHY to
// observe, when it is not nil.
func waitSteady(t *testing.T, cp *ecs.ControlPlane, service, td string, observe func(healthy int)) []ecs.Task {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(taskTimeout)
	var seen []string // every task of the service listed so far
	for {
		out, err := cp.DescribeServices(ctx, &ecs.DescribeServicesInput{Services: []string{service}})
		if err != nil || len(out.Services) != 1 {
			t.Fatalf("DescribeServices: %v %+v", err, out)
		}
		svc := out.Services[0]
		list, err := cp.ListTasks(ctx, &ecs.ListTasksInput{ServiceName: service})
		if err != nil {
			t.Fatalf("ListTasks: %v", err)
		}
		for _, arn := range list.TaskArns {
			if !slices.Contains(seen, arn) {
				seen = append(seen, arn)
			}
		}
		var tasks, running []ecs.Task
		if len(seen) > 0 {
			d, err := cp.DescribeTasks(ctx, &ecs.DescribeTasksInput{Tasks: seen})
			if err != nil {
				t.Fatalf("DescribeTasks: %v", err)
			}
			tasks = d.Tasks
		}
		healthy := 0
		for _, task := range tasks {
			if task.LastStatus == ecs.TaskStatusRunning {
				running = append(running, task)
				if task.HealthStatus == ecs.HealthHealthy {
					healthy++
				}
			}
		}
		if observe != nil {
			observe(healthy)
		}
		steady := len(svc.Deployments) == 1 && svc.Deployments[0].TaskDefinition == td &&
			svc.Deployments[0].RolloutState == ecs.RolloutStateCompleted &&
			svc.RunningCount == svc.DesiredCount && int64(len(running)) == svc.DesiredCount
		for _, task := range running {
			steady = steady && task.TaskDefinitionArn == td && task.DesiredStatus == ecs.TaskStatusRunning
		}
		if steady {
			return running
		}
		if time.Now().After(deadline) {
			t.Fatalf("service %s not steady on %s after %v: deployments %+v%s", service, td, taskTimeout, svc.Deployments, statuses(tasks))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkContainers checks that every task's container runs on rt from
// image, whose ID is id.
func checkContainers(t *testing.T, rt *docker.Runtime, tasks []ecs.Task, image, id string) {
	t.Helper()
	for _, task := range tasks {
		c := task.Containers[0]
		st, err := rt.Inspect(context.Background(), c.RuntimeId)
		if err != nil {
			t.Errorf("task %s: inspect container %.12s: %v", short(task.TaskArn), c.RuntimeId, err)
			continue
		}
		if st.State != runtime.StateRunning || st.Image != image || st.ImageID != id || c.Image != image {
			t.Errorf("task %s: container %.12s is %s from %s (%s), task says %s; want running from %s (%s)",
				short(task.TaskArn), c.RuntimeId, st.State, st.Image, st.ImageID, c.Image, image, id)
		}
	}
}

// imageVariant builds, on rt's engine, an image from base that differs
// from it by one label, under a tag of its own; it is removed when t ends,
// with the containers of t that remain.
func imageVariant(t *testing.T, rt *docker.Runtime, base, variant string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	tag := "ecskit-e2e-" + variant + ":" + hex.EncodeToString(b)
	dockerfile := []byte("FROM " + base + "\nLABEL ecskit.e2e.variant=" + variant + "\n")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(dockerfile); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rt.BuildImage(ctx, tag, &buf, map[string]string{dockertest.TestLabel: "1"}); err != nil {
		t.Fatalf("build image %s: %v", tag, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		// Containers first, or the image would only lose its tag.
		list, err := rt.List(ctx, dockertest.Labels(t))
		if err != nil {
			t.Errorf("list test containers: %v", err)
		}
		for _, c := range list {
			if err := rt.Remove(ctx, c.ID); err != nil {
				t.Errorf("remove container %s: %v", c.Name, err)
			}
		}
		if err := rt.RemoveImage(ctx, tag); err != nil {
			t.Errorf("remove image %s: %v", tag, err)
		}
	})
	return tag
}

func imageID(t *testing.T, rt *docker.Runtime, image string) string {
	t.Helper()
	id, err := rt.ImageID(context.Background(), image)
	if err != nil {
		t.Fatalf("image %s: %v", image, err)
	}
	return id
}
