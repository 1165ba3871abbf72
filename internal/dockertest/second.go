package dockertest

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ecskit/ecs/runtime/docker"
)

// Engine is a Docker engine of a test's own: a second dockerd on this
// machine. See StartEngine.
type Engine struct {
	// Runtime talks to the engine.
	Runtime *docker.Runtime

	t       testing.TB
	dir     string
	argv    []string
	logFile *os.File
	cmd     *exec.Cmd
	exited  chan struct{}
}

// SecondEngine starts an Engine for t and returns its Runtime; see
// StartEngine.
func SecondEngine(t testing.TB, opts ...docker.Option) *docker.Runtime {
	t.Helper()
	return StartEngine(t, opts...).Runtime
}

// StartEngine starts a Docker engine of its own for t, with a Runtime
// configured by opts; the engine is stopped and its state deleted when t
// ends, after its containers are removed.
//
// The engine is a second dockerd on this machine with its own socket, data
// root, exec root and pidfile, the vfs storage driver, no bridge and no
// iptables rules, in a network namespace of its own (unshare --net): a
// dockerd started with --bridge=none deletes the docker0 interface it
// finds, which in a shared network namespace would be the first engine's.
// Containers on it must use network mode "none" (or "host", which is the
// engine's private namespace).
//
// It needs root, dockerd and unshare. Without them, or when the engine does
// not come up, t is skipped saying why, or fails under
// ECSKIT_REQUIRE_DOCKER=1.
func StartEngine(t testing.TB, opts ...docker.Option) *Engine {
	t.Helper()
	if os.Geteuid() != 0 {
		unavailable(t, "a second engine needs root")
		return nil
	}
	dockerd, err := exec.LookPath("dockerd")
	if err != nil {
		unavailable(t, "a second engine needs dockerd, which is not installed")
		return nil
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		unavailable(t, "a second engine needs unshare (util-linux), which is not installed")
		return nil
	}

	// A short path: the engine's sockets live below it.
	dir, err := os.MkdirTemp("", "ecskit-dd-")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "daemon.json")
	if err := os.WriteFile(cfg, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "dockerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	host := "unix://" + filepath.Join(dir, "docker.sock")
	e := &Engine{t: t, dir: dir, logFile: logFile, argv: []string{unshare, "--net", "--", dockerd,
		"--config-file", cfg, // not the machine's /etc/docker/daemon.json
		"--host", host,
		"--data-root", filepath.Join(dir, "data"),
		"--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "docker.pid"),
		"--storage-driver", "vfs",
		"--bridge", "none",
		"--iptables=false",
		"--ip-masq=false",
		"--log-level", "warn",
	}}
	t.Cleanup(func() {
		e.Stop()
		logFile.Close()
		removeState(t, dir)
	})
	e.Runtime, err = docker.New(append([]docker.Option{docker.WithoutEnv(), docker.WithHost(host)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	e.Start()
	t.Cleanup(func() {
		if e.running() {
			sweep(t, e.Runtime, testIDLabel, testID(t))
		}
		e.Runtime.Close()
	})
	return e
}

// Start starts the engine's dockerd, if it is not running, and waits until
// it answers.
func (e *Engine) Start() {
	t := e.t
	t.Helper()
	if e.running() {
		return
	}
	cmd := exec.Command(e.argv[0], e.argv[1:]...)
	cmd.Stdout, cmd.Stderr = e.logFile, e.logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("dockertest: start dockerd: %v", err)
	}
	e.cmd, e.exited = cmd, make(chan struct{})
	go func(exited chan struct{}) {
		_ = cmd.Wait()
		close(exited)
	}(e.exited)

	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := e.Runtime.Ping(ctx)
		cancel()
		if err == nil {
			return
		}
		select {
		case <-e.exited:
			unavailable(t, "second dockerd exited: %v\n%s", cmd.ProcessState, tail(e.logFile.Name()))
			return
		default:
		}
		if time.Now().After(deadline) {
			unavailable(t, "second dockerd did not answer within a minute: %v\n%s", err, tail(e.logFile.Name()))
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop stops the engine's dockerd, keeping its state: SIGTERM, then SIGKILL
// after 30 s. Its containers stop with it.
func (e *Engine) Stop() {
	if !e.running() {
		return
	}
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.exited:
	case <-time.After(30 * time.Second):
		e.t.Errorf("dockertest: second dockerd ignored SIGTERM; killing it")
		_ = e.cmd.Process.Kill()
		<-e.exited
	}
}

// running reports whether dockerd runs.
func (e *Engine) running() bool {
	if e.cmd == nil {
		return false
	}
	select {
	case <-e.exited:
		return false
	default:
		return true
	}
}

// removeState deletes the engine's directory, detaching any mount left
// below it first.
func removeState(t testing.TB, dir string) {
	if err := os.RemoveAll(dir); err == nil {
		return
	}
	for _, m := range mountsBelow(dir) {
		_ = syscall.Unmount(m, syscall.MNT_DETACH)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Errorf("dockertest: remove second engine state: %v", err)
	}
}

// mountsBelow lists the mount points under dir, deepest first.
func mountsBelow(dir string) []string {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 1 && strings.HasPrefix(fields[1], dir+"/") {
			out = append([]string{fields[1]}, out...)
		}
	}
	return out
}

// tail returns the end of a log file.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
