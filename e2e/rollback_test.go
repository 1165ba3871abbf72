package e2e_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/internal/dockertest"
	"github.com/ecskit/ecs/internal/testimage"
)

// rollbackTimeout is issue 10's bound: the service is back on its first
// revision within 2 minutes of the bad update.
const rollbackTimeout = 2 * time.Minute

// breakerReason is the rolloutStateReason of a deployment the circuit
// breaker failed.
const breakerReason = "ECS deployment circuit breaker: tasks failed to start."

// TestBadUpdateRightAfterStableRollsBack is issue 10's reproduction on the
// real engine. A REPLICA service of 3 tasks (default deployment
// configuration: min 100 %, max 200 %; circuit breaker with rollback) is
// updated, as soon as it is stable by the ServicesStable waiter's measure,
// to a revision whose image does not exist: its tasks are still young
// (RUNNING, not yet 40 s old). Each task of the new revision stops with
// CannotPullContainerError; the service never has fewer than 3 tasks
// RUNNING (polled every 200 ms), the new deployment ends FAILED with the
// breaker's reason, and within 2 minutes the service is back on its first
// revision with 3 RUNNING tasks and a single COMPLETED deployment.
//
// The missing image names a registry of the test's own on loopback, which
// answers every manifest with 404 (as a registry does for a tag it lacks),
// so nothing outside the machine is asked and the pull fails at once. An
// image without a registry host would name Docker Hub.
func TestBadUpdateRightAfterStableRollsBack(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a service on a Docker engine for about a minute")
	}
	t.Parallel()
	ctx := context.Background()
	rt := dockertest.Runtime(t)
	image := testimage.Image(t, rt)
	reg, asked := emptyRegistry(t)
	missing := reg + "/ecskit-e2e-missing:" + randomHex(6)

	cp := openControlPlane(t)
	startAgent(t, cp, rt, "us-east-1a")
	def := taskDef{family: "e2e-rollback", memoryMiB: 16, labels: dockertest.Labels(t)}
	def.image = image
	good := def.register(t, cp)
	def.image = missing
	bad := def.register(t, cp)

	const name = "web"
	if _, err := cp.CreateService(ctx, &ecs.CreateServiceInput{
		ServiceName:    name,
		TaskDefinition: good,
		DesiredCount:   ptr(int64(3)),
		DeploymentConfiguration: &ecs.DeploymentConfiguration{
			DeploymentCircuitBreaker: &ecs.DeploymentCircuitBreaker{Enable: true, Rollback: true},
		},
	}); err != nil {
		t.Fatalf("CreateService: %v", err)
	}
	w := &serviceWatch{t: t, cp: cp, service: name}
	svc := w.until("stable", registerTimeout+taskTimeout, func(svc ecs.Service, _ []ecs.Task) bool {
		return len(svc.Deployments) == 1 && svc.RunningCount == svc.DesiredCount
	})
	if d := svc.Deployments[0]; d.RolloutState != ecs.RolloutStateInProgress {
		t.Fatalf("the first deployment is %s when the service became stable: its tasks are not young, so this is not issue 10's case", d.RolloutState)
	}
	first := svc.Deployments[0].Id
	if c := svc.DeploymentConfiguration; c == nil || c.MaximumPercent == nil || *c.MaximumPercent != 200 ||
		c.MinimumHealthyPercent == nil || *c.MinimumHealthyPercent != 100 {
		t.Errorf("deploymentConfiguration %+v, want the defaults min 100 %% max 200 %%", c)
	}

	if _, err := cp.UpdateService(ctx, &ecs.UpdateServiceInput{Service: name, TaskDefinition: bad}); err != nil {
		t.Fatalf("UpdateService: %v", err)
	}
	updated := time.Now()
	w.minRunning = 3
	var failedID string
	w.observe = func(svc ecs.Service, _ []ecs.Task) {
		for _, d := range svc.Deployments {
			if d.TaskDefinition != bad || d.RolloutState != ecs.RolloutStateFailed {
				continue
			}
			if d.RolloutStateReason != breakerReason {
				w.fail(svc, nil, "deployment %s FAILED with reason %q, want %q", d.Id, d.RolloutStateReason, breakerReason)
			}
			if failedID == "" {
				failedID = d.Id
				t.Logf("%5.1fs after the update: deployment %s of %s FAILED: %s", time.Since(updated).Seconds(), d.Id, short(bad), d.RolloutStateReason)
			}
		}
	}
	svc = w.until("back on "+short(good), rollbackTimeout, func(svc ecs.Service, tasks []ecs.Task) bool {
		return failedID != "" && len(svc.Deployments) == 1 && svc.Deployments[0].TaskDefinition == good &&
			svc.Deployments[0].RolloutState == ecs.RolloutStateCompleted && svc.TaskDefinition == good &&
			svc.RunningCount == 3 && allRunning(tasks, good, 3)
	})
	t.Logf("%5.1fs after the update: back on %s with one COMPLETED deployment and 3 RUNNING tasks; %d polls, fewest RUNNING %d",
		time.Since(updated).Seconds(), short(good), w.polls, w.fewest)

	for _, want := range []string{
		"(service web) (deployment " + failedID + ") deployment failed: tasks failed to start.",
		"(service web) (deployment " + failedID + ") rolling back to (deployment " + first + ")",
	} {
		if !slices.ContainsFunc(svc.Events, func(e ecs.ServiceEvent) bool { return strings.HasPrefix(e.Message, want) }) {
			t.Errorf("no service event starts with %q", want)
		}
	}
	failedTasks := 0
	for _, task := range w.tasks() {
		if task.TaskDefinitionArn != bad {
			continue
		}
		failedTasks++
		reason := task.Containers[0].Reason
		if task.LastStatus != ecs.TaskStatusStopped || task.StopCode != ecs.StopCodeTaskFailedToStart ||
			!strings.HasPrefix(reason, "CannotPullContainerError: ") {
			t.Errorf("task %s of %s: %s %s %q, container reason %q; want STOPPED TaskFailedToStart, CannotPullContainerError",
				short(task.TaskArn), short(bad), task.LastStatus, task.StopCode, task.StoppedReason, reason)
		} else if failedTasks == 1 {
			t.Logf("task %s of %s: %s after %v: %s", short(task.TaskArn), short(bad), task.StopCode,
				task.StoppedAt.Sub(task.CreatedAt.Time).Round(time.Millisecond), reason)
		}
	}
	if failedTasks < 3 {
		t.Errorf("%d tasks of %s were launched, want at least 3 (the breaker's threshold)", failedTasks, short(bad))
	}
	t.Logf("the loopback registry was asked %d times", asked.Load())
	for _, ev := range slices.Backward(svc.Events) {
		t.Logf("event: %s", ev.Message)
	}

	if _, err := cp.DeleteService(ctx, &ecs.DeleteServiceInput{Service: name, Force: ptr(true)}); err != nil {
		t.Fatalf("DeleteService: %v", err)
	}
	var live []string
	for _, task := range w.tasks() {
		if task.LastStatus != ecs.TaskStatusStopped {
			live = append(live, task.TaskArn)
		}
	}
	if len(live) > 0 {
		waitTasks(t, cp, live, 100*time.Millisecond, "STOPPED", isStopped)
	}
}

// allRunning reports whether exactly n of tasks are RUNNING, every one of
// them of td and desired RUNNING.
func allRunning(tasks []ecs.Task, td string, n int) bool {
	running := 0
	for _, task := range tasks {
		if task.LastStatus != ecs.TaskStatusRunning {
			continue
		}
		if task.TaskDefinitionArn != td || task.DesiredStatus != ecs.TaskStatusRunning {
			return false
		}
		running++
	}
	return running == n
}

// emptyRegistry serves, on loopback, a registry that has no image: the
// version check answers 200, anything else 404 MANIFEST_UNKNOWN. It
// returns the registry's host:port and a count of the requests it got.
func emptyRegistry(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var asked atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v2/" {
			_, _ = w.Write([]byte("{}"))
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`))
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), &asked
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
