package recovery_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/ecsclient"
	"github.com/ecskit/ecs/internal/testutil"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binaries builds ecsd and ecs-agent once per test run.
func binaries(t *testing.T) (ecsd, agent string) {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "ecskit-recovery-bin")
		if buildErr != nil {
			return
		}
		for _, name := range []string{"ecsd", "ecs-agent"} {
			cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, name), "github.com/ecskit/ecs/cmd/"+name)
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", name, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, "ecsd"), filepath.Join(binDir, "ecs-agent")
}

// proc is a child process whose output is kept for failure reports.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *testutil.SyncBuffer
	done chan struct{}
}

func start(t *testing.T, name, bin string, args ...string) *proc {
	t.Helper()
	return startEnv(t, nil, name, bin, args...)
}

// startEnv starts bin with extra environment variables.
func startEnv(t *testing.T, env []string, name, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(bin, args...), out: &testutil.SyncBuffer{}, done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.Env = append(os.Environ(), env...)
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("--- output of %s ---\n%s", name, tail(p.out.String(), 4000))
		}
	})
	return p
}

// kill sends SIGKILL and waits for the process to die.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// waitUp waits until ecsd answers at addr.
func waitUp(t *testing.T, addr string, opts ...ecsclient.Option) {
	t.Helper()
	c := ecsclient.New("http://"+addr, "us-east-1", opts...)
	eventually(t, 30*time.Second, "ecsd at "+addr+" answers", func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		var out ecs.ListClustersOutput
		err := c.Call(ctx, "ListClusters", &ecs.ListClustersInput{}, &out)
		return err == nil, fmt.Sprint(err)
	})
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting until %s; last state: %s", timeout, what, last)
}

// api is a client of one or more ecsd replicas.
type api struct {
	t *testing.T
	c *ecsclient.Client
}

func newAPI(t *testing.T, addrs ...string) *api {
	return newSignedAPI(t, nil, addrs...)
}

// newSignedAPI is newAPI with client options (credentials).
func newSignedAPI(t *testing.T, opts []ecsclient.Option, addrs ...string) *api {
	var urls []string
	for _, a := range addrs {
		urls = append(urls, "http://"+a)
	}
	return &api{t: t, c: ecsclient.New(strings.Join(urls, ","), "us-east-1", opts...)}
}

func (a *api) call(action string, in, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return a.c.Call(ctx, action, in, out)
}

func (a *api) must(action string, in, out any) {
	a.t.Helper()
	if err := a.call(action, in, out); err != nil {
		a.t.Fatalf("%s: %v", action, err)
	}
}

// service describes one service.
func (a *api) service(name string) (ecs.Service, error) {
	var out ecs.DescribeServicesOutput
	if err := a.call("DescribeServices", &ecs.DescribeServicesInput{Services: []string{name}}, &out); err != nil {
		return ecs.Service{}, err
	}
	if len(out.Services) != 1 {
		return ecs.Service{}, fmt.Errorf("service %s: %+v", name, out.Failures)
	}
	return out.Services[0], nil
}

// tasks describes every task of the cluster with the given desired status.
func (a *api) tasks(desired string) ([]ecs.Task, error) {
	var list ecs.ListTasksOutput
	if err := a.call("ListTasks", &ecs.ListTasksInput{DesiredStatus: desired}, &list); err != nil {
		return nil, err
	}
	if len(list.TaskArns) == 0 {
		return nil, nil
	}
	var out ecs.DescribeTasksOutput
	if err := a.call("DescribeTasks", &ecs.DescribeTasksInput{Tasks: list.TaskArns}, &out); err != nil {
		return nil, err
	}
	return out.Tasks, nil
}

func i64(v int64) *int64 { return &v }

// serviceTasks describes a service's tasks that are desired RUNNING.
func serviceTasks(a *api, name string) []ecs.Task {
	var list ecs.ListTasksOutput
	if a.call("ListTasks", &ecs.ListTasksInput{ServiceName: name}, &list) != nil || len(list.TaskArns) == 0 {
		return nil
	}
	var d ecs.DescribeTasksOutput
	if a.call("DescribeTasks", &ecs.DescribeTasksInput{Tasks: list.TaskArns}, &d) != nil {
		return nil
	}
	return d.Tasks
}
