package fake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ecskit/ecs/runtime"
)

// script is what a container's environment tells it to do.
type script struct {
	runFor        time.Duration // 0 with hasRunFor false: run until stopped
	hasRunFor     bool
	exitCode      int
	unhealthy     bool
	startError    string
	ignoreSigterm bool
	oomAfter      time.Duration
	hasOOM        bool
	output        string // printed at start, $NAME expanded
}

// noScript is the script of every container whose environment scripts
// nothing (most of them): it is never modified.
var noScript script

func parseScript(env []string) (script, error) {
	var s script
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		var err error
		switch k {
		case EnvRunFor:
			s.runFor, err = time.ParseDuration(v)
			s.hasRunFor = true
		case EnvExitCode:
			s.exitCode, err = strconv.Atoi(v)
		case EnvHealth:
			switch v {
			case "healthy":
			case "unhealthy":
				s.unhealthy = true
			default:
				err = errors.New("want healthy or unhealthy")
			}
		case EnvStartError:
			s.startError = v
		case EnvIgnoreSigterm:
			s.ignoreSigterm = v == "1" || v == "true"
		case EnvOOM:
			s.oomAfter, err = time.ParseDuration(v)
			s.hasOOM = true
		case EnvOutput:
			s.output = v
		}
		if err != nil {
			return s, fmt.Errorf("fake: %s=%q: %v", k, v, err)
		}
	}
	return s, nil
}

// container is one fake container. Its fields are guarded by Runtime.mu.
type container struct {
	spec   spec
	script *script // never nil; shared by the unscripted (noScript)
	// status is what Inspect reports, but for its labels, which are in
	// labels (status.Labels is nil).
	status runtime.ContainerStatus
	labels labelList
	// gen changes whenever the container stops or starts, so timers armed
	// for an earlier run do nothing.
	gen int
	// exited is closed when the current run ends. It is made on demand
	// (exitChan), as most containers run with nobody waiting for them.
	exited chan struct{}
	ran    bool // started at least once
	// output is what the container printed (ECSKIT_FAKE_OUTPUT).
	output []runtime.LogLine
}

// closedChan is a channel closed from the start.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// exitChan returns a channel closed when the current run ends (closed
// already if the container is not running), or nil if the container never
// ran; r.mu is held.
func (c *container) exitChan() chan struct{} {
	switch {
	case c.exited != nil:
		return c.exited
	case !c.ran:
		return nil
	case c.status.State != runtime.StateRunning:
		return closedChan
	}
	c.exited = make(chan struct{})
	return c.exited
}

func (c *container) signalExit() {
	if c.exited != nil {
		select {
		case <-c.exited:
		default:
			close(c.exited)
		}
	}
}

// Create creates a container from spec. The image must be in the cache,
// the name unused, and every volumesFrom source must exist.
func (r *Runtime) Create(ctx context.Context, spec runtime.ContainerSpec) (string, error) {
	if err := r.check(ctx); err != nil {
		return "", err
	}
	sc, err := parseScript(spec.Env)
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.images[normalize(spec.Image)] {
		return "", fmt.Errorf("%w: no such image: %s", runtime.ErrNotFound, spec.Image)
	}
	if _, taken := r.names[spec.Name]; taken && spec.Name != "" {
		return "", fmt.Errorf("fake: conflict: the container name %q is already in use", "/"+spec.Name)
	}
	for _, vf := range spec.VolumesFrom {
		src, _, _ := strings.Cut(vf, ":")
		if _, err := r.lookup(src); err != nil {
			return "", err
		}
	}
	for _, m := range spec.Mounts {
		if m.Type == "volume" {
			if _, ok := r.volumes[m.Source]; !ok {
				r.volumes[m.Source] = nil
			}
		}
	}
	r.seq++
	sum := sha256.Sum256([]byte(fmt.Sprintf("fake-container-%d", r.seq)))
	id := hex.EncodeToString(sum[:])
	name := spec.Name
	if name == "" {
		name = "fake-" + id[:12]
	}
	// One copy of the labels serves the spec and the status; the status
	// keeps none of its own (see labels).
	scp := &noScript
	if sc != (script{}) {
		scp = &sc
	}
	c := &container{spec: packSpec(spec), script: scp, labels: packLabels(spec.Labels), status: runtime.ContainerStatus{
		ID: id, Name: name, Image: spec.Image, ImageID: r.imageID(spec.Image),
		State: runtime.StateCreated, CreatedAt: r.clk.Now(),
	}}
	r.containers[id] = c
	r.indexContainer(c)
	r.names[name] = id
	r.emit(runtime.EventCreate, c)
	return id, nil
}

// Start starts a created (or exited) container and arms its scripted
// timers: run-for, OOM and health.
func (r *Runtime) Start(ctx context.Context, id string) error {
	if err := r.check(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.lookup(id)
	if err != nil {
		return err
	}
	if c.status.State == runtime.StateRunning {
		return nil
	}
	if c.script.startError != "" {
		c.status.Error = c.script.startError
		return errors.New(c.script.startError)
	}
	for _, l := range c.spec.links {
		target, _, _ := strings.Cut(l, ":")
		t, err := r.lookup(target)
		if err != nil {
			return err
		}
		if t.status.State != runtime.StateRunning {
			return fmt.Errorf("fake: cannot link to a non running container: /%s AS /%s/%s", t.status.Name, c.status.Name, target)
		}
	}
	ports, err := r.bindPorts(c)
	if err != nil {
		c.status.Error = err.Error()
		return err
	}
	now := r.clk.Now()
	c.gen++
	c.exited, c.ran = nil, true
	c.status.State = runtime.StateRunning
	c.status.Ports = ports
	c.status.StartedAt = now
	c.status.FinishedAt = time.Time{}
	c.status.ExitCode = 0
	c.status.OOMKilled = false
	c.status.Error = ""
	c.status.Health = runtime.HealthNone
	r.emit(runtime.EventStart, c)
	c.output = append(c.output, printed(c.script.output, c.spec.env, now)...)

	if c.script.hasRunFor {
		code := c.script.exitCode
		r.after(c, c.script.runFor, func() { r.exit(c, code, false) })
	}
	if c.script.hasOOM {
		r.after(c, c.script.oomAfter, func() { r.exit(c, exitCodeSIGKILL, true) })
	}
	if hc := c.spec.healthCheck; hc != nil {
		c.status.Health = runtime.HealthStarting
		r.after(c, healthDelay(hc, c.script.unhealthy), func() {
			c.status.Health = runtime.HealthHealthy
			if c.script.unhealthy {
				c.status.Health = runtime.HealthUnhealthy
			}
			r.emit(runtime.EventHealth, c)
		})
	}
	return nil
}

// healthDelay is when a check's verdict is known: the first check for a
// healthy container, the retries-th check past the start period for an
// unhealthy one.
func healthDelay(hc *runtime.HealthCheck, unhealthy bool) time.Duration {
	interval := hc.Interval
	if interval <= 0 {
		interval = defaultHealthIntv * time.Second
	}
	if !unhealthy {
		return interval
	}
	retries := hc.Retries
	if retries <= 0 {
		retries = 3
	}
	n := int(hc.StartPeriod/interval) + retries
	return time.Duration(n) * interval
}

// after runs f under r.mu once d has passed on the clock, unless the
// container stopped or restarted meanwhile. r.mu is held.
func (r *Runtime) after(c *container, d time.Duration, f func()) {
	select {
	case <-r.done:
		return
	default:
	}
	gen, exited := c.gen, c.exitChan()
	t := r.clk.NewTimer(d)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		select {
		case <-r.done:
			t.Stop()
		case <-exited:
			t.Stop()
		case <-t.C():
			r.mu.Lock()
			defer r.mu.Unlock()
			if c.gen == gen && c.status.State == runtime.StateRunning {
				f()
			}
		}
	}()
}

// exit ends the current run of c; r.mu is held.
func (r *Runtime) exit(c *container, code int, oom bool) {
	c.gen++
	c.status.State = runtime.StateExited
	c.status.ExitCode = code
	c.status.OOMKilled = oom
	c.status.FinishedAt = r.clk.Now()
	if c.status.Health == runtime.HealthStarting {
		c.status.Health = runtime.HealthUnhealthy
	}
	r.releasePorts(c)
	c.status.Ports = nil
	if oom {
		r.emit(runtime.EventOOM, c)
	}
	r.emit(runtime.EventDie, c)
	c.signalExit()
}

// Stop stops a running container: it exits at once with 143, or, if it
// ignores SIGTERM, is killed with 137 after timeout on the clock.
func (r *Runtime) Stop(ctx context.Context, id string, timeout time.Duration) error {
	if err := r.check(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	c, err := r.lookup(id)
	if err != nil {
		r.mu.Unlock()
		return err
	}
	if c.status.State != runtime.StateRunning {
		r.mu.Unlock()
		return nil
	}
	if !c.script.ignoreSigterm {
		r.exit(c, exitCodeSIGTERM, false)
		r.mu.Unlock()
		return nil
	}
	if timeout <= 0 {
		r.exit(c, exitCodeSIGKILL, false)
		r.mu.Unlock()
		return nil
	}
	gen, exited := c.gen, c.exitChan()
	t := r.clk.NewTimer(timeout)
	r.mu.Unlock()
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-r.done:
		return errors.New("fake: runtime closed")
	case <-exited:
		return nil
	case <-t.C():
		r.mu.Lock()
		defer r.mu.Unlock()
		if c.gen == gen && c.status.State == runtime.StateRunning {
			r.exit(c, exitCodeSIGKILL, false)
		}
		return nil
	}
}

// bindPorts resolves c's port bindings, taking dynamic ports sequentially
// from 49153; r.mu is held.
func (r *Runtime) bindPorts(c *container) ([]runtime.PortBinding, error) {
	if c.spec.networkMode == "host" || c.spec.networkMode == "none" {
		return nil, nil
	}
	var out []runtime.PortBinding
	taken := map[string]bool{}
	for _, pb := range c.spec.portBindings {
		if pb.Protocol == "" {
			pb.Protocol = "tcp"
		}
		if pb.HostIP == "" {
			pb.HostIP = "0.0.0.0"
		}
		if pb.HostPort == 0 {
			pb.HostPort = r.dynamicPort(pb.Protocol, taken)
			if pb.HostPort == 0 {
				return nil, errors.New("fake: no free dynamic host port")
			}
		} else if owner, used := r.usedPorts[portKey(pb.Protocol, pb.HostPort)]; (used && owner != c.status.ID) || taken[portKey(pb.Protocol, pb.HostPort)] {
			return nil, fmt.Errorf("fake: bind for %s:%d failed: port is already allocated", pb.HostIP, pb.HostPort)
		}
		taken[portKey(pb.Protocol, pb.HostPort)] = true
		out = append(out, pb)
	}
	for k := range taken {
		r.usedPorts[k] = c.status.ID
	}
	return out, nil
}

func (r *Runtime) dynamicPort(proto string, taken map[string]bool) int {
	for range lastDynamicPort - firstDynamicPort + 1 {
		p := r.nextPort
		r.nextPort++
		if r.nextPort > lastDynamicPort {
			r.nextPort = firstDynamicPort
		}
		k := portKey(proto, p)
		if _, used := r.usedPorts[k]; !used && !taken[k] {
			return p
		}
	}
	return 0
}

// releasePorts frees the host ports c holds: those of its bindings in
// effect (bindPorts took exactly those); r.mu is held.
func (r *Runtime) releasePorts(c *container) {
	for _, pb := range c.status.Ports {
		if k := portKey(pb.Protocol, pb.HostPort); r.usedPorts[k] == c.status.ID {
			delete(r.usedPorts, k)
		}
	}
}

func portKey(proto string, port int) string { return proto + "/" + strconv.Itoa(port) }
