package recovery_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/internal/testutil"
	"github.com/ecskit/ecs/store/etcd/etcdtest"
)

// TestLeaderKilled runs three ecsd replicas on one etcd and kills the one
// that leads: another takes over, no service task is started twice, and
// the services stay at (and reach) their desired counts.
func TestLeaderKilled(t *testing.T) {
	testutil.SkipShort(t, "recovery tests start processes")
	ecsdBin, agentBin := binaries(t)
	etcd := etcdtest.Start(t)
	dir := t.TempDir()

	var addrs []string
	var replicas []*proc
	for i := range 3 {
		addr := freeAddr(t)
		addrs = append(addrs, addr)
		replicas = append(replicas, start(t, fmt.Sprintf("ecsd%d", i), ecsdBin,
			"-listen", addr, "-store", "etcd:"+strings.Join(etcd.Endpoints, ","), "-runtime", "none",
			"-election-ttl", "2s", "-log-level", "info"))
	}
	for _, addr := range addrs {
		waitUp(t, addr)
	}
	a := newAPI(t, addrs...)
	a.must("CreateCluster", &ecs.CreateClusterInput{}, nil)
	var endpoints []string
	for _, addr := range addrs {
		endpoints = append(endpoints, "http://"+addr)
	}
	startAgents(t, agentBin, strings.Join(endpoints, ","), dir, 3)
	waitInstances(t, a, 3)

	a.must("RegisterTaskDefinition", webTaskDefinition("1"), nil)
	a.must("CreateService", &ecs.CreateServiceInput{ServiceName: "web", TaskDefinition: "web:1", DesiredCount: i64(4)}, nil)
	a.must("CreateService", &ecs.CreateServiceInput{ServiceName: "api", TaskDefinition: "web:1", DesiredCount: i64(2)}, nil)
	waitSteady(t, a, "web", 4, "web:1", 90*time.Second)
	waitSteady(t, a, "api", 2, "web:1", 90*time.Second)

	leader := -1
	eventually(t, 30*time.Second, "one replica leads", func() (bool, string) {
		leader = -1
		n := 0
		for i, p := range replicas {
			if strings.Count(p.out.String(), "controllers started") > strings.Count(p.out.String(), "controllers stopped") {
				leader, n = i, n+1
			}
		}
		return n == 1, fmt.Sprint(n, " leaders")
	})
	replicas[leader].kill()
	killed := time.Now()
	eventually(t, 60*time.Second, "another replica leads", func() (bool, string) {
		for i, p := range replicas {
			if i != leader && strings.Contains(p.out.String(), "controllers started") {
				return true, ""
			}
		}
		return false, ""
	})
	t.Logf("a follower took over %s after the leader was killed", time.Since(killed).Round(100*time.Millisecond))

	// The new leader acts: scale web out, and keep api where it is.
	a.must("UpdateService", &ecs.UpdateServiceInput{Service: "web", DesiredCount: i64(6)}, nil)
	waitSteady(t, a, "web", 6, "web:1", 90*time.Second)
	waitSteady(t, a, "api", 2, "web:1", 30*time.Second)

	for name, want := range map[string]int{"web": 6, "api": 2} {
		if got := len(serviceTasks(a, name)); got != want {
			t.Errorf("service %s has %d tasks desired RUNNING, want %d", name, got, want)
		}
	}
	stopped, err := a.tasks("STOPPED")
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range stopped {
		if strings.HasPrefix(tk.Group, "service:") {
			t.Errorf("service task %s was stopped (%s): a task was started twice", tk.TaskArn, tk.StoppedReason)
		}
	}
}
