package e2e_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecskit/ecs"
)

// watchInterval is how often a serviceWatch polls.
const watchInterval = 200 * time.Millisecond

// serviceWatch polls a service through the API as a user would: every
// watchInterval, ListTasks, DescribeTasks of every task of the service seen
// so far, and DescribeServices. Each poll checks that the service has at
// least minRunning tasks RUNNING, both by its runningCount and by the tasks
// that are RUNNING and still desired RUNNING, and passes the answers to
// observe when it is set. A violation fails the test at once with the
// service's deployments and tasks.
type serviceWatch struct {
	t       *testing.T
	cp      *ecs.ControlPlane
	service string

	minRunning int
	observe    func(ecs.Service, []ecs.Task)

	seen   []string // every task ARN of the service listed so far
	polls  int
	fewest int // the fewest tasks RUNNING and desired RUNNING seen while minRunning was set
	phase  string
}

// until polls until done holds, for at most timeout, and returns the
// service as the last poll saw it.
func (w *serviceWatch) until(what string, timeout time.Duration, done func(ecs.Service, []ecs.Task) bool) ecs.Service {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		next := time.Now().Add(watchInterval)
		svc, tasks := w.poll()
		if done(svc, tasks) {
			return svc
		}
		if time.Now().After(deadline) {
			w.fail(svc, tasks, "service %s not %s after %v", w.service, what, timeout)
		}
		time.Sleep(time.Until(next))
	}
}

// poll takes one sample and checks it.
func (w *serviceWatch) poll() (ecs.Service, []ecs.Task) {
	w.t.Helper()
	w.listTasks(ecs.TaskStatusRunning)
	tasks := w.describeTasks()
	svc := w.describeService()
	w.polls++
	running := 0
	for _, task := range tasks {
		if task.LastStatus == ecs.TaskStatusRunning && task.DesiredStatus == ecs.TaskStatusRunning {
			running++
		}
	}
	if phase := deploymentsSummary(svc); phase != w.phase {
		w.phase = phase
		w.t.Logf("runningCount %d, RUNNING and desired RUNNING %d: %s", svc.RunningCount, running, phase)
	}
	if w.minRunning > 0 {
		if w.fewest == 0 || running < w.fewest {
			w.fewest = running
		}
		if svc.RunningCount < int64(w.minRunning) || running < w.minRunning {
			w.fail(svc, tasks, "runningCount %d, tasks RUNNING and desired RUNNING %d: want at least %d",
				svc.RunningCount, running, w.minRunning)
		}
	}
	if w.observe != nil {
		w.observe(svc, tasks)
	}
	return svc, tasks
}

// tasks returns every task of the service, stopped ones included.
func (w *serviceWatch) tasks() []ecs.Task {
	w.t.Helper()
	w.listTasks(ecs.TaskStatusRunning)
	w.listTasks(ecs.TaskStatusStopped)
	return w.describeTasks()
}

func (w *serviceWatch) listTasks(desired string) {
	w.t.Helper()
	in := &ecs.ListTasksInput{ServiceName: w.service, DesiredStatus: desired}
	for {
		out, err := w.cp.ListTasks(context.Background(), in)
		if err != nil {
			w.t.Fatalf("ListTasks: %v", err)
		}
		for _, arn := range out.TaskArns {
			if !slices.Contains(w.seen, arn) {
				w.seen = append(w.seen, arn)
			}
		}
		if out.NextToken == "" {
			return
		}
		in.NextToken = out.NextToken
	}
}

func (w *serviceWatch) describeTasks() []ecs.Task {
	w.t.Helper()
	var tasks []ecs.Task
	for chunk := range slices.Chunk(w.seen, 100) {
		out, err := w.cp.DescribeTasks(context.Background(), &ecs.DescribeTasksInput{Tasks: chunk})
		if err != nil {
			w.t.Fatalf("DescribeTasks: %v", err)
		}
		tasks = append(tasks, out.Tasks...)
	}
	return tasks
}

func (w *serviceWatch) describeService() ecs.Service {
	w.t.Helper()
	out, err := w.cp.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Services: []string{w.service}})
	if err != nil || len(out.Services) != 1 {
		w.t.Fatalf("DescribeServices: %v %+v", err, out)
	}
	return out.Services[0]
}

// fail ends the test with the service's state.
func (w *serviceWatch) fail(svc ecs.Service, tasks []ecs.Task, format string, args ...any) {
	w.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, format, args...)
	fmt.Fprintf(&b, "\nservice %s: taskDefinition %s, desired %d, running %d, pending %d\ndeployments: %s",
		svc.ServiceName, short(svc.TaskDefinition), svc.DesiredCount, svc.RunningCount, svc.PendingCount, deploymentsSummary(svc))
	for _, d := range svc.Deployments {
		fmt.Fprintf(&b, "\n  %s %s %s: %s", d.Id, d.Status, d.RolloutState, d.RolloutStateReason)
	}
	b.WriteString("\ntasks:")
	for _, task := range tasks {
		fmt.Fprintf(&b, "\n  %s %s %s/%s %s %s", short(task.TaskArn), short(task.TaskDefinitionArn), task.LastStatus,
			task.DesiredStatus, task.StopCode, task.StoppedReason)
	}
	b.WriteString("\nevents:")
	for _, ev := range slices.Backward(svc.Events) {
		fmt.Fprintf(&b, "\n  %s", ev.Message)
	}
	w.t.Fatal(b.String())
}

// deploymentsSummary is one line per poll worth logging when it changes.
func deploymentsSummary(svc ecs.Service) string {
	parts := make([]string, len(svc.Deployments))
	for i, d := range svc.Deployments {
		parts[i] = fmt.Sprintf("%s %s %s running %d pending %d failed %d", d.Status, d.RolloutState,
			short(d.TaskDefinition), d.RunningCount, d.PendingCount, d.FailedTasks)
	}
	return strings.Join(parts, "; ")
}
