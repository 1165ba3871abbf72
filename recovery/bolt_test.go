package recovery_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/internal/testutil"
)

// webTaskDefinition is a task definition whose container the fake runtime
// reports HEALTHY a few seconds after start; version changes its
// environment, so each value is a new revision.
func webTaskDefinition(version string) *ecs.RegisterTaskDefinitionInput {
	return &ecs.RegisterTaskDefinitionInput{
		Family: "web",
		ContainerDefinitions: []ecs.ContainerDefinition{{
			Name:        "web",
			Image:       "web:" + version,
			Memory:      i64(128),
			Environment: []ecs.KeyValuePair{{Name: "ECSKIT_FAKE_HEALTH", Value: "healthy"}, {Name: "VERSION", Value: version}},
			HealthCheck: &ecs.HealthCheck{Command: []string{"CMD", "true"}, Interval: i64(5), StartPeriod: i64(0)},
		}},
	}
}

// startAgents starts n remote agents on fake engines, one per AZ.
func startAgents(t *testing.T, bin, endpoints, dir string, n int) []*proc {
	var out []*proc
	for i := range n {
		out = append(out, start(t, fmt.Sprintf("agent%d", i), bin,
			"-endpoint", endpoints, "-runtime", "fake",
			"-az", fmt.Sprintf("us-east-1%c", 'a'+i),
			"-state-file", filepath.Join(dir, fmt.Sprintf("agent%d.json", i)),
			"-poll-wait", "2s", "-cleanup-wait", "1s"))
	}
	return out
}

func waitInstances(t *testing.T, a *api, n int) {
	eventually(t, 60*time.Second, fmt.Sprintf("%d connected instances", n), func() (bool, string) {
		var list ecs.ListContainerInstancesOutput
		if err := a.call("ListContainerInstances", &ecs.ListContainerInstancesInput{Filter: "agentConnected == true"}, &list); err != nil {
			return false, err.Error()
		}
		return len(list.ContainerInstanceArns) == n, fmt.Sprint(len(list.ContainerInstanceArns))
	})
}

// waitSteady waits until the service runs desired tasks of revision rev
// in one COMPLETED deployment.
func waitSteady(t *testing.T, a *api, name string, desired int, rev string, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, "service "+name+" steady on "+rev, func() (bool, string) {
		s, err := a.service(name)
		if err != nil {
			return false, err.Error()
		}
		state := fmt.Sprintf("running=%d pending=%d deployments=%d", s.RunningCount, s.PendingCount, len(s.Deployments))
		if len(s.Deployments) != 1 || s.RunningCount != int64(desired) || s.PendingCount != 0 {
			return false, state
		}
		d := s.Deployments[0]
		if !strings.HasSuffix(d.TaskDefinition, rev) || d.RolloutState != "COMPLETED" {
			return false, state + " rollout=" + d.RolloutState + " td=" + d.TaskDefinition
		}
		return true, state
	})
}

// TestBoltKilledMidDeployment kills ecsd (store/bolt) with SIGKILL in the
// middle of a rolling deployment and starts it again on the same file: no
// task is lost, none is duplicated, and the deployment completes.
func TestBoltKilledMidDeployment(t *testing.T) {
	testutil.SkipShort(t, "recovery tests start processes")
	ecsdBin, agentBin := binaries(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	ecsdArgs := []string{"-listen", addr, "-store", "bolt:" + filepath.Join(dir, "ecs.db"), "-runtime", "none", "-log-level", "warn"}
	first := start(t, "ecsd", ecsdBin, ecsdArgs...)
	waitUp(t, addr)
	a := newAPI(t, addr)
	a.must("CreateCluster", &ecs.CreateClusterInput{}, nil)
	startAgents(t, agentBin, "http://"+addr, dir, 3)
	waitInstances(t, a, 3)

	a.must("RegisterTaskDefinition", webTaskDefinition("1"), nil)
	a.must("CreateService", &ecs.CreateServiceInput{
		ServiceName: "web", TaskDefinition: "web:1", DesiredCount: i64(4),
		DeploymentConfiguration: &ecs.DeploymentConfiguration{MinimumHealthyPercent: i64(50), MaximumPercent: i64(200)},
	}, nil)
	waitSteady(t, a, "web", 4, "web:1", 90*time.Second)

	a.must("RegisterTaskDefinition", webTaskDefinition("2"), nil)
	a.must("UpdateService", &ecs.UpdateServiceInput{Service: "web", TaskDefinition: "web:2"}, nil)
	eventually(t, 60*time.Second, "the deployment has started a web:2 task", func() (bool, string) {
		tasks, err := a.tasks("RUNNING")
		if err != nil {
			return false, err.Error()
		}
		for _, tk := range tasks {
			if strings.HasSuffix(tk.TaskDefinitionArn, "web:2") {
				return true, ""
			}
		}
		return false, fmt.Sprint(len(tasks), " tasks")
	})

	before := map[string]bool{}
	for _, status := range []string{"RUNNING", "STOPPED"} {
		tasks, err := a.tasks(status)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range tasks {
			before[tk.TaskArn] = true
		}
	}
	first.kill()
	start(t, "ecsd-restarted", ecsdBin, ecsdArgs...)
	waitUp(t, addr)
	waitSteady(t, a, "web", 4, "web:2", 120*time.Second)

	var arns []string
	for arn := range before {
		arns = append(arns, arn)
	}
	var d ecs.DescribeTasksOutput
	a.must("DescribeTasks", &ecs.DescribeTasksInput{Tasks: arns}, &d)
	if len(d.Failures) > 0 {
		t.Fatalf("tasks lost across the restart: %+v", d.Failures)
	}
	running, err := a.tasks("RUNNING")
	if err != nil {
		t.Fatal(err)
	}
	if len(running) != 4 {
		t.Fatalf("%d tasks desired RUNNING, want exactly 4", len(running))
	}
	for _, tk := range running {
		if !strings.HasSuffix(tk.TaskDefinitionArn, "web:2") || tk.LastStatus != "RUNNING" {
			t.Errorf("task %s: %s %s", tk.TaskArn, tk.TaskDefinitionArn, tk.LastStatus)
		}
	}
	stopped, err := a.tasks("STOPPED")
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range stopped {
		if strings.HasSuffix(tk.TaskDefinitionArn, "web:2") {
			t.Errorf("a web:2 task was stopped (%s: %s): the deployment started more than it needed", tk.TaskArn, tk.StoppedReason)
		}
	}
}
