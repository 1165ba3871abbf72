package e2e_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/internal/dockertest"
	"github.com/ecskit/ecs/internal/testimage"
	"github.com/ecskit/ecs/internal/testutil"
	"github.com/ecskit/ecs/runtime"
)

// TestTwoEngines registers two Docker engines as two container instances
// in two Availability Zones of one cluster: the machine's engine, and a
// second dockerd of the test's own. Tasks spread over the zones land on
// both, tasks with a memberOf constraint on one zone land on its engine
// only, and every task's container runs on the engine of the instance the
// control plane placed the task on, and does not exist on the other.
func TestTwoEngines(t *testing.T) {
	t.Parallel()
	testutil.SkipShort(t, "starts a second Docker engine")
	ctx := context.Background()
	first := dockertest.Runtime(t)
	second := dockertest.SecondEngine(t)
	// The image tag is a hash of the program and architecture, so both
	// engines hold it under one name.
	image := testimage.Image(t, first)
	if image2 := testimage.Image(t, second); image2 != image {
		t.Fatalf("test image tags differ between engines: %s and %s", image, image2)
	}

	cp := openControlPlane(t)
	zones := map[string]*instance{
		"us-east-1a": startAgent(t, cp, first, "us-east-1a"),
		"us-east-1b": startAgent(t, cp, second, "us-east-1b"),
	}
	byArn := map[string]*instance{}
	zoneOf := map[string]string{}
	for az, in := range zones {
		byArn[in.arn], zoneOf[in.arn] = in, az
	}

	// The second engine has no bridge: every container uses network mode
	// none, on both engines alike.
	td := taskDef{
		family: "e2e-engines", image: image, networkMode: ecs.NetworkModeNone,
		memoryMiB: 16, labels: dockertest.Labels(t),
	}.register(t, cp)

	spread := runTasks(t, cp, ecs.RunTaskInput{
		TaskDefinition:    td,
		Count:             ptr(int64(4)),
		PlacementStrategy: []ecs.PlacementStrategy{{Type: "spread", Field: "attribute:ecs.availability-zone"}},
	})
	pinned := runTasks(t, cp, ecs.RunTaskInput{
		TaskDefinition: td,
		Count:          ptr(int64(2)),
		PlacementConstraints: []ecs.PlacementConstraint{{
			Type: "memberOf", Expression: "attribute:ecs.availability-zone == us-east-1b",
		}},
	})
	arns := append(taskArns(spread), taskArns(pinned)...)
	tasks := waitTasks(t, cp, arns, 50*time.Millisecond, "RUNNING", isRunning)

	perZone := map[string]int{}
	for _, task := range tasks {
		perZone[zoneOf[task.ContainerInstanceArn]]++
	}
	// 4 spread over two zones is 2 + 2; the 2 pinned ones add to us-east-1b.
	if want := map[string]int{"us-east-1a": 2, "us-east-1b": 4}; perZone["us-east-1a"] != want["us-east-1a"] || perZone["us-east-1b"] != want["us-east-1b"] {
		t.Errorf("tasks per zone = %v, want %v", perZone, want)
	}
	for _, task := range pinned {
		if got := zoneOf[task.ContainerInstanceArn]; got != "us-east-1b" {
			t.Errorf("task %s with memberOf(us-east-1b) placed in %q", short(task.TaskArn), got)
		}
	}

	for _, task := range tasks {
		home := byArn[task.ContainerInstanceArn]
		if home == nil {
			t.Errorf("task %s placed on unknown instance %s", short(task.TaskArn), task.ContainerInstanceArn)
			continue
		}
		other := zones["us-east-1a"]
		if other == home {
			other = zones["us-east-1b"]
		}
		if task.AvailabilityZone != zoneOf[home.arn] {
			t.Errorf("task %s: availabilityZone = %q, its instance is in %q", short(task.TaskArn), task.AvailabilityZone, zoneOf[home.arn])
		}
		id := task.Containers[0].RuntimeId
		if id == "" {
			t.Errorf("task %s: container has no runtimeId", short(task.TaskArn))
			continue
		}
		st, err := home.rt.Inspect(ctx, id)
		switch {
		case err != nil:
			t.Errorf("task %s: container %.12s not on its instance's engine %s: %v", short(task.TaskArn), id, home.rt.Host(), err)
		case st.State != runtime.StateRunning || st.Labels[agent.LabelTaskArn] != task.TaskArn || st.Image != image:
			t.Errorf("task %s: container %.12s on %s is %s, task label %q, image %q", short(task.TaskArn), id, home.rt.Host(), st.State, st.Labels[agent.LabelTaskArn], st.Image)
		}
		t.Logf("task %s in %s: container %.12s on %s", short(task.TaskArn), task.AvailabilityZone, id, home.rt.Host())
		if _, err := other.rt.Inspect(ctx, id); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("task %s: container %.12s on the other engine %s: err = %v, want not found", short(task.TaskArn), id, other.rt.Host(), err)
		}
		if list, err := other.rt.List(ctx, map[string]string{agent.LabelTaskArn: task.TaskArn}); err != nil || len(list) != 0 {
			t.Errorf("task %s: the other engine %s lists %d containers of it (err %v)", short(task.TaskArn), other.rt.Host(), len(list), err)
		}
	}

	stopTasks(t, cp, arns, 50*time.Millisecond)
}
