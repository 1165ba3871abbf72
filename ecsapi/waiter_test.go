package ecsapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecssdk "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/runtime/fake"
)

// waitFor bounds every waiter; waiters poll every few tens of
// milliseconds.
const waitFor = 30 * time.Second

// startAgent runs an in-process agent on a fake engine (busybox cached)
// for cluster, and waits until it registered.
func (e *env) startAgent(cluster string) *agent.Agent {
	e.t.Helper()
	rt := fake.New(fake.WithImages("busybox"))
	a := agent.New(agent.Config{ControlPlane: e.cp, Runtime: rt, Cluster: cluster, PollWait: 2 * time.Second, StopTimeout: time.Second})
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()
	e.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("agent: %v", err)
		}
		rt.Close()
	})
	select {
	case <-a.Registered():
	case err := <-done:
		e.t.Fatalf("agent stopped before registering: %v", err)
	case <-time.After(waitFor):
		e.t.Fatal("agent did not register")
	}
	return a
}

func TestTaskWaiters(t *testing.T) {
	e := newEnv(t)
	e.createCluster("waiters")
	e.startAgent("waiters")
	e.registerTaskDef("web")
	task := e.runTask("waiters", "web")
	in := &ecssdk.DescribeTasksInput{Cluster: aws.String("waiters"), Tasks: []string{task}}

	running := ecssdk.NewTasksRunningWaiter(e.client, func(o *ecssdk.TasksRunningWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	})
	if err := running.Wait(ctx, in, waitFor); err != nil {
		t.Fatalf("TasksRunning: %v", err)
	}

	must[*ecssdk.StopTaskOutput](t)(e.client.StopTask(ctx, &ecssdk.StopTaskInput{Cluster: aws.String("waiters"), Task: aws.String(task)}))
	stopped := ecssdk.NewTasksStoppedWaiter(e.client, func(o *ecssdk.TasksStoppedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	})
	out, err := stopped.WaitForOutput(ctx, in, waitFor)
	if err != nil {
		t.Fatalf("TasksStopped: %v", err)
	}
	if got := aws.ToString(out.Tasks[0].StoppedReason); got == "" || out.Tasks[0].StopCode != types.TaskStopCodeUserInitiated {
		t.Fatalf("stopped task: stopCode %q reason %q", out.Tasks[0].StopCode, got)
	}
}

func TestTasksRunningWaiterFailsOnStoppedTask(t *testing.T) {
	e := newEnv(t)
	e.createCluster("waiters")
	e.startAgent("waiters")
	// The fake engine fails to start this container, so the task goes
	// from PENDING to STOPPED. (A container that exits at once can be seen
	// RUNNING by a poll in between, and the waiter then rightly succeeds.)
	e.registerTaskDef("crash", types.KeyValuePair{Name: aws.String(fake.EnvStartError), Value: aws.String("exec format error")})
	task := e.runTask("waiters", "crash")
	in := &ecssdk.DescribeTasksInput{Cluster: aws.String("waiters"), Tasks: []string{task}}
	running := ecssdk.NewTasksRunningWaiter(e.client, func(o *ecssdk.TasksRunningWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	})
	err := running.Wait(ctx, in, waitFor)
	if err == nil {
		t.Fatal("TasksRunning succeeded for a task that stopped")
	}
	if !strings.Contains(err.Error(), "Failure") {
		t.Fatalf("TasksRunning did not fail on the STOPPED task: %v", err)
	}
}

// TestServicesStableWaiter runs once the control plane serves services.
func TestServicesStableWaiter(t *testing.T) {
	e := newEnv(t)
	e.createCluster("svc")
	e.startAgent("svc")
	e.registerTaskDef("web")
	created := must[*ecssdk.CreateServiceOutput](t)(e.client.CreateService(ctx, &ecssdk.CreateServiceInput{
		Cluster: aws.String("svc"), ServiceName: aws.String("web"), TaskDefinition: aws.String("web"), DesiredCount: aws.Int32(2),
	}))
	if aws.ToString(created.Service.Status) != "ACTIVE" {
		t.Fatalf("service status %q", aws.ToString(created.Service.Status))
	}
	in := &ecssdk.DescribeServicesInput{Cluster: aws.String("svc"), Services: []string{"web"}}
	stable := ecssdk.NewServicesStableWaiter(e.client, func(o *ecssdk.ServicesStableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	})
	out, err := stable.WaitForOutput(ctx, in, waitFor)
	if err != nil {
		t.Fatalf("ServicesStable: %v", err)
	}
	if out.Services[0].RunningCount != 2 {
		t.Fatalf("runningCount %d", out.Services[0].RunningCount)
	}
	_, err = e.client.CreateService(ctx, &ecssdk.CreateServiceInput{
		Cluster: aws.String("nope"), ServiceName: aws.String("web"), TaskDefinition: aws.String("web"), DesiredCount: aws.Int32(1),
	})
	requireCode(t, err, "ClusterNotFoundException")

	must[*ecssdk.UpdateServiceOutput](t)(e.client.UpdateService(ctx, &ecssdk.UpdateServiceInput{
		Cluster: aws.String("svc"), Service: aws.String("web"), DesiredCount: aws.Int32(1),
	}))
	if out, err = stable.WaitForOutput(ctx, in, waitFor); err != nil || out.Services[0].RunningCount != 1 {
		t.Fatalf("ServicesStable after scaling to 1: %v", err)
	}
	_, err = e.client.UpdateService(ctx, &ecssdk.UpdateServiceInput{Cluster: aws.String("svc"), Service: aws.String("nope"), DesiredCount: aws.Int32(1)})
	requireCode(t, err, "ServiceNotFoundException")

	list := must[*ecssdk.ListServicesOutput](t)(e.client.ListServices(ctx, &ecssdk.ListServicesInput{Cluster: aws.String("svc")}))
	if len(list.ServiceArns) != 1 {
		t.Fatalf("services %v", list.ServiceArns)
	}
	_, err = e.client.ListServices(ctx, &ecssdk.ListServicesInput{Cluster: aws.String("nope")})
	requireCode(t, err, "ClusterNotFoundException")

	_, err = e.client.DeleteService(ctx, &ecssdk.DeleteServiceInput{Cluster: aws.String("svc"), Service: aws.String("web")})
	requireCode(t, err, "InvalidParameterException")
	must[*ecssdk.DeleteServiceOutput](t)(e.client.DeleteService(ctx, &ecssdk.DeleteServiceInput{
		Cluster: aws.String("svc"), Service: aws.String("web"), Force: aws.Bool(true),
	}))
	inactive := ecssdk.NewServicesInactiveWaiter(e.client, func(o *ecssdk.ServicesInactiveWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	})
	if err := inactive.Wait(ctx, in, waitFor); err != nil {
		t.Fatalf("ServicesInactive: %v", err)
	}
	d := must[*ecssdk.DescribeServicesOutput](t)(e.client.DescribeServices(ctx, &ecssdk.DescribeServicesInput{Cluster: aws.String("svc"), Services: []string{"nope"}}))
	if len(d.Failures) != 1 || aws.ToString(d.Failures[0].Reason) != "MISSING" {
		t.Fatalf("DescribeServices unknown: %+v", d.Failures)
	}
	_, err = e.client.DescribeServices(ctx, &ecssdk.DescribeServicesInput{Cluster: aws.String("nope"), Services: []string{"web"}})
	requireCode(t, err, "ClusterNotFoundException")
}
