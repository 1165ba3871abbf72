package docker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/ecskit/ecs/internal/dockertest"
	"github.com/ecskit/ecs/internal/testimage"
	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/runtime/docker"
)

// engine returns the engine's Runtime and the test image, or skips.
func engine(t *testing.T) (*docker.Runtime, string) {
	t.Helper()
	rt := dockertest.Runtime(t)
	return rt, testimage.Image(t, rt)
}

// ctxFor returns a context that ends with t, at the latest after d.
func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// create creates a container of spec labelled for t (removed when t ends)
// and returns its ID. Name and Image default to a fresh name and img.
func create(t *testing.T, rt *docker.Runtime, img string, spec runtime.ContainerSpec) string {
	t.Helper()
	if spec.Name == "" {
		spec.Name = dockertest.Name(t, "c")
	}
	if spec.Image == "" {
		spec.Image = img
	}
	labels := dockertest.Labels(t)
	maps.Copy(labels, spec.Labels)
	spec.Labels = labels
	id, err := rt.Create(ctxFor(t, time.Minute), spec)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return id
}

// run creates and starts a container.
func run(t *testing.T, rt *docker.Runtime, img string, spec runtime.ContainerSpec) string {
	t.Helper()
	id := create(t, rt, img, spec)
	if err := rt.Start(ctxFor(t, time.Minute), id); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return id
}

// runReady runs a container whose program also serves HTTP on a dynamic
// port, and returns once it answers: its signal handlers are in place.
func runReady(t *testing.T, rt *docker.Runtime, img string, spec runtime.ContainerSpec) string {
	t.Helper()
	spec.Command = append(slices.Clone(spec.Command), "-http", ":8080")
	spec.PortBindings = append(spec.PortBindings, runtime.PortBinding{ContainerPort: 8080})
	id := run(t, rt, img, spec)
	st := waitFor(t, rt, id, "running", func(s runtime.ContainerStatus) bool { return s.State == runtime.StateRunning })
	for p := range hostPorts(st, 8080) {
		get(t, fmt.Sprintf("http://127.0.0.1:%d/", p))
		break
	}
	return id
}

// waitFor polls Inspect until ok accepts the status; it fails t after a
// minute (a bound on a broken test, not a timing assertion).
func waitFor(t *testing.T, rt *docker.Runtime, id, what string, ok func(runtime.ContainerStatus) bool) runtime.ContainerStatus {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		st, err := rt.Inspect(ctxFor(t, time.Minute), id)
		if err != nil {
			t.Fatalf("Inspect: %v", err)
		}
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("container never became %s; last status %+v", what, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitExited waits for the container to exit.
func waitExited(t *testing.T, rt *docker.Runtime, id string) runtime.ContainerStatus {
	t.Helper()
	return waitFor(t, rt, id, "exited", func(s runtime.ContainerStatus) bool { return s.State == runtime.StateExited })
}

// get GETs url until it answers (the server may still be starting) and
// returns the body.
func get(t *testing.T, url string) []byte {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := c.Get(url)
		if err == nil {
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK {
				return b
			}
			t.Fatalf("GET %s: status %d, body %q, err %v", url, resp.StatusCode, b, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// appInfo is the test app's /info document.
type appInfo struct {
	Args     []string `json:"args"`
	Env      []string `json:"env"`
	UID      int      `json:"uid"`
	GID      int      `json:"gid"`
	Cwd      string   `json:"cwd"`
	Hostname string   `json:"hostname"`
}

func getInfo(t *testing.T, url string) appInfo {
	t.Helper()
	var in appInfo
	if err := json.Unmarshal(get(t, url), &in); err != nil {
		t.Fatalf("decode /info: %v", err)
	}
	return in
}

// freePort returns a loopback TCP port outside the ephemeral range that is
// free now.
func freePort(t *testing.T) int {
	t.Helper()
	for p := 20000 + time.Now().Nanosecond()%5000; p < 32000; p++ {
		l, err := net.Listen("tcp", fmt.Sprintf("0.0.0.0:%d", p))
		if err == nil {
			l.Close()
			return p
		}
	}
	t.Fatal("no free port")
	return 0
}

// hostPorts returns the distinct host ports bound to containerPort/tcp.
func hostPorts(st runtime.ContainerStatus, containerPort int) map[int]bool {
	ports := map[int]bool{}
	for _, p := range st.Ports {
		if p.ContainerPort == containerPort && p.Protocol == "tcp" && p.HostPort != 0 {
			ports[p.HostPort] = true
		}
	}
	return ports
}
