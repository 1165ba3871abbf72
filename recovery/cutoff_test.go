package recovery_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/ecsclient"
	"github.com/ecskit/ecs/internal/testutil"
)

// TestAgentCutOff cuts one agent off from ecsd (the agent runs in its own
// network namespace whose link the test takes down): its service tasks are
// replaced elsewhere, and once it is back each service runs exactly its
// desired count.
func TestAgentCutOff(t *testing.T) {
	testutil.SkipShort(t, "recovery tests start processes")
	ecsdBin, agentBin := binaries(t)
	ns := newNetns(t, 7)
	dir := t.TempDir()
	addr := fmt.Sprintf("%s:%d", ns.hostIP, 24566)
	keys := []string{"ECSD_ACCESS_KEY_ID=AKIDRECOVERY", "ECSD_SECRET_ACCESS_KEY=recovery-secret"}
	creds := []ecsclient.Option{ecsclient.WithCredentials("AKIDRECOVERY", "recovery-secret")}
	startEnv(t, keys, "ecsd", ecsdBin, "-listen", addr, "-store", "memory", "-runtime", "none",
		"-agent-timeout", "6s", "-log-level", "warn")
	waitUp(t, addr, creds...)
	a := newSignedAPI(t, creds, addr)
	a.must("CreateCluster", &ecs.CreateClusterInput{}, nil)

	endpoint := "http://" + addr
	agentArgs := func(i int) []string {
		return []string{"-endpoint", endpoint, "-runtime", "fake", "-az", fmt.Sprintf("us-east-1%c", 'a'+i),
			"-state-file", filepath.Join(dir, fmt.Sprintf("agent%d.json", i)), "-poll-wait", "2s", "-cleanup-wait", "1s"}
	}
	bin, args := ns.command(agentBin, agentArgs(0)...)
	startEnv(t, keys, "agent0 (cut off)", bin, args...)
	for i := 1; i < 3; i++ {
		startEnv(t, keys, fmt.Sprintf("agent%d", i), agentBin, agentArgs(i)...)
	}
	waitInstances(t, a, 3)
	var cut string
	eventually(t, 30*time.Second, "the namespaced agent registered", func() (bool, string) {
		cut = instanceInAZ(a, "us-east-1a")
		return cut != "", ""
	})

	a.must("RegisterTaskDefinition", webTaskDefinition("1"), nil)
	services := map[string]int{"web": 3, "api": 2}
	for name, n := range services {
		a.must("CreateService", &ecs.CreateServiceInput{ServiceName: name, TaskDefinition: "web:1", DesiredCount: i64(int64(n))}, nil)
	}
	for name, n := range services {
		waitSteady(t, a, name, n, "web:1", 90*time.Second)
	}
	if onInstance(t, a, cut) == 0 {
		t.Fatal("no service task landed on the instance to be cut off")
	}

	ns.Cut()
	cutAt := time.Now()
	eventually(t, 60*time.Second, "the cut-off instance is marked disconnected", func() (bool, string) {
		return !connected(a, cut), ""
	})
	t.Logf("the cut-off agent was marked disconnected after %s", time.Since(cutAt).Round(100*time.Millisecond))
	eventually(t, 90*time.Second, "every service runs its desired count elsewhere", func() (bool, string) {
		state := ""
		for name, n := range services {
			live := 0
			for _, tk := range serviceTasks(a, name) {
				if tk.ContainerInstanceArn != cut && tk.LastStatus == "RUNNING" {
					live++
				}
			}
			state += fmt.Sprintf("%s=%d/%d ", name, live, n)
			if live < n {
				return false, state
			}
		}
		return true, state
	})

	ns.Mend()
	eventually(t, 60*time.Second, "the agent is back", func() (bool, string) { return connected(a, cut), "" })
	for name, n := range services {
		waitSteady(t, a, name, n, "web:1", 90*time.Second)
		eventually(t, 60*time.Second, name+" runs exactly its desired count", func() (bool, string) {
			tasks := serviceTasks(a, name)
			return len(tasks) == n, fmt.Sprint(len(tasks), " tasks desired RUNNING")
		})
	}
}

func instanceInAZ(a *api, az string) string {
	var list ecs.ListContainerInstancesOutput
	if a.call("ListContainerInstances", &ecs.ListContainerInstancesInput{Filter: "attribute:ecs.availability-zone == " + az}, &list) != nil || len(list.ContainerInstanceArns) != 1 {
		return ""
	}
	return list.ContainerInstanceArns[0]
}

func connected(a *api, arn string) bool {
	var d ecs.DescribeContainerInstancesOutput
	if a.call("DescribeContainerInstances", &ecs.DescribeContainerInstancesInput{ContainerInstances: []string{arn}}, &d) != nil || len(d.ContainerInstances) != 1 {
		return false
	}
	return d.ContainerInstances[0].AgentConnected
}

func onInstance(t *testing.T, a *api, arn string) int {
	tasks, err := a.tasks("RUNNING")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tk := range tasks {
		if tk.ContainerInstanceArn == arn && strings.HasPrefix(tk.Group, "service:") {
			n++
		}
	}
	return n
}
