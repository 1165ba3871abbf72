// Package dockertest gives integration tests a Docker engine, or skips them
// when none answers.
//
// A test calls Runtime(t) first. When no engine answers (DOCKER_HOST, else
// the local socket), the test is skipped with a message saying so, unless
// the environment sets ECSKIT_REQUIRE_DOCKER=1 (as CI does), in which case
// it fails.
//
// Everything a test creates carries the labels of Labels(t), among them
// ecskit.test=1, and is removed when the test ends: containers by label
// (Runtime registers the sweep), volumes made with Volume, and any
// container or volume passed to RemoveContainer / RemoveVolume.
package dockertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecskit/ecs/internal/testutil"
	"github.com/ecskit/ecs/runtime/docker"
)

// RequireEnv is the environment variable that turns a missing engine from a
// skip into a failure when set to 1.
const RequireEnv = testutil.RequireEnv

// TestLabel marks everything tests create.
const TestLabel = "ecskit.test"

// Labels holding the IDs of the top-level test and of the (sub)test that
// created a container, for the sweeps at their ends.
const (
	testIDLabel   = "ecskit.test.id"
	testNameLabel = "ecskit.test.name"
)

// Runtime returns a Runtime for the engine of the environment, or skips
// (fails under ECSKIT_REQUIRE_DOCKER=1) t when no engine answers. When t
// ends, every container carrying t's labels is removed.
func Runtime(t testing.TB, opts ...docker.Option) *docker.Runtime {
	t.Helper()
	rt, err := docker.New(opts...)
	if err != nil {
		unavailable(t, "cannot configure a Docker client: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rt.Ping(ctx); err != nil {
		rt.Close()
		unavailable(t, "no Docker engine answers at %s: %v", rt.Host(), err)
	}
	t.Cleanup(func() {
		sweep(t, rt, testIDLabel, testID(t))
		rt.Close()
	})
	return rt
}

// unavailable skips or fails t.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	testutil.Unavailable(t, "dockertest: "+format, args...)
}

// Labels returns the labels every container and volume of t carries:
// ecskit.test=1 and the IDs of the test and its top-level test, used
// for cleanup. Each call returns a
// fresh map with the same content for the same t.
func Labels(t testing.TB) map[string]string {
	return map[string]string{TestLabel: "1", testIDLabel: testID(t), testNameLabel: t.Name() + "@" + hostPID()}
}

// Name returns a unique engine-level name for a container or volume of t.
func Name(t testing.TB, suffix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	n := strings.Map(func(r rune) rune {
		if r < 128 && (r == '-' || r == '_' || r == '.' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z')) {
			return r
		}
		return '_'
	}, t.Name())
	if len(n) > 40 {
		n = n[:40]
	}
	return "ecskit-test-" + n + "-" + suffix + "-" + hex.EncodeToString(b)
}

// Volume creates a named volume for t, removed when t ends.
func Volume(t testing.TB, rt *docker.Runtime) string {
	t.Helper()
	name := Name(t, "vol")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := rt.CreateVolume(ctx, name, Labels(t)); err != nil {
		t.Fatalf("create volume: %v", err)
	}
	RemoveVolume(t, rt, name)
	return name
}

// RemoveVolume removes the named volume when t ends, after its containers.
func RemoveVolume(t testing.TB, rt *docker.Runtime, name string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// Containers first: a volume in use cannot go.
		sweep(t, rt, testNameLabel, t.Name()+"@"+hostPID())
		if err := rt.RemoveVolume(ctx, name); err != nil {
			t.Errorf("remove volume %s: %v", name, err)
		}
	})
}

// RemoveContainer removes the container when t ends.
func RemoveContainer(t testing.TB, rt *docker.Runtime, id string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := rt.Remove(ctx, id); err != nil {
			t.Errorf("remove container %s: %v", id, err)
		}
	})
}

// sweep removes every container labelled k=v.
func sweep(t testing.TB, rt *docker.Runtime, k, v string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cs, err := rt.List(ctx, map[string]string{k: v})
	if err != nil {
		t.Errorf("dockertest: list test containers: %v", err)
		return
	}
	for _, c := range cs {
		if err := rt.Remove(ctx, c.ID); err != nil {
			t.Errorf("dockertest: remove test container %s: %v", c.Name, err)
		}
	}
}

// testID is a stable ID for t's top-level test within this process: its
// name and the process ID, so parallel runs of the same test do not sweep
// each other, and the sweep of a test covers its subtests.
func testID(t testing.TB) string {
	top, _, _ := strings.Cut(t.Name(), "/")
	return top + "@" + hostPID()
}

func hostPID() string {
	h, _ := os.Hostname()
	return h + "-" + strconv.Itoa(os.Getpid())
}
