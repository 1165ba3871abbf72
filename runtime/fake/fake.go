// Package fake is an in-memory runtime.Runtime for tests and simulations.
//
// Containers do not run anything: what a container does is scripted by its
// environment, so that one task definition drives both this runtime and a
// real Docker engine running the ecskit test image:
//
//	ECSKIT_FAKE_RUN_FOR=10s        exit after this long (unset: run until stopped)
//	ECSKIT_FAKE_EXIT_CODE=3        exit code after RUN_FOR (default 0)
//	ECSKIT_FAKE_HEALTH=unhealthy   health reported for a container with a health check
//	                               (healthy or unhealthy; default healthy)
//	ECSKIT_FAKE_START_ERROR=msg    Start fails with this message
//	ECSKIT_FAKE_IGNORE_SIGTERM=1   Stop waits the full timeout, then SIGKILL (exit 137)
//	ECSKIT_FAKE_OOM=5s             killed by the OOM killer after this long (exit 137)
//	ECSKIT_FAKE_OUTPUT=text        printed to stdout at start: one line per newline (or
//	                               literal \n), $NAME and ${NAME} taken from the
//	                               environment, as a shell's echo would (StreamLogs)
//
// Every time-driven behaviour happens on the injected clock.Clock: with a
// clock.Fake, a container scripted to run for 10 s exits when a test
// advances the clock past 10 s, and its FinishedAt is that fake time. A
// stopped container that handles SIGTERM exits with 143.
//
// A health check reports HEALTHY at the first check (start + interval), or
// UNHEALTHY once `retries` checks have failed outside the start period.
//
// The runtime also simulates what goes wrong on real hosts: images that
// cannot be pulled, containers that vanish (Vanish), and an engine restart
// that kills running containers without delivering their events
// (RestartEngine). Dynamic host ports are assigned sequentially from 49153.
package fake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/runtime"
)

// Environment variables that script a fake container.
const (
	EnvRunFor        = "ECSKIT_FAKE_RUN_FOR"
	EnvExitCode      = "ECSKIT_FAKE_EXIT_CODE"
	EnvHealth        = "ECSKIT_FAKE_HEALTH"
	EnvStartError    = "ECSKIT_FAKE_START_ERROR"
	EnvIgnoreSigterm = "ECSKIT_FAKE_IGNORE_SIGTERM"
	EnvOOM           = "ECSKIT_FAKE_OOM"
	EnvOutput        = "ECSKIT_FAKE_OUTPUT"
)

const (
	firstDynamicPort  = 49153
	lastDynamicPort   = 65535
	exitCodeSIGKILL   = 137
	exitCodeSIGTERM   = 143
	defaultHealthIntv = 30
)

// Option configures a Runtime.
type Option func(*Runtime)

// WithClock sets the clock that drives every timed behaviour (default: the
// real clock).
func WithClock(c clock.Clock) Option { return func(r *Runtime) { r.clk = c } }

// WithHostInfo sets what Info reports.
func WithHostInfo(info runtime.HostInfo) Option { return func(r *Runtime) { r.info = info } }

// WithResources sets the host's CPU count and memory in bytes.
func WithResources(cpus int, memoryBytes int64) Option {
	return func(r *Runtime) { r.info.CPUs, r.info.MemoryBytes = cpus, memoryBytes }
}

// WithImages puts images in the engine's cache.
func WithImages(images ...string) Option {
	return func(r *Runtime) {
		for _, im := range images {
			r.images[normalize(im)] = true
		}
	}
}

// WithRegistry makes images pullable. Pulling any other image fails with
// runtime.ErrImagePull.
func WithRegistry(images ...string) Option {
	return func(r *Runtime) {
		for _, im := range images {
			r.registry[normalize(im)] = true
		}
	}
}

// WithAnyImage makes every image pullable, as if the engine could reach
// every registry: any task definition runs (ecsd -runtime fake, ecs-agent
// -runtime fake).
func WithAnyImage() Option { return func(r *Runtime) { r.anyImage = true } }

// Runtime is an in-memory container engine. It is safe for concurrent use.
// Close stops its goroutines.
type Runtime struct {
	clk clock.Clock

	mu         sync.Mutex
	info       runtime.HostInfo
	images     map[string]bool   // in the cache
	imageIDs   map[string]string // normalized image -> ID, computed once
	registry   map[string]bool   // pullable
	pulls      []string
	containers map[string]*container
	index      labelIndex        // see index.go
	names      map[string]string // name -> id
	volumes    map[string]map[string]string
	seq        int
	nextPort   int
	usedPorts  map[string]string // "tcp/80" -> container id
	subs       map[*subscriber]struct{}
	pullDelay  time.Duration
	anyImage   bool // every image can be pulled
	muted      bool // an engine restart is in progress: events are lost
	down       bool // the engine does not answer

	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// New returns an empty fake engine: no images, no containers, 2 CPUs and
// 4 GiB of memory, linux/x86_64.
func New(opts ...Option) *Runtime {
	r := &Runtime{
		clk: clock.Real(),
		info: runtime.HostInfo{
			CPUs: 2, MemoryBytes: 4 << 30, OSType: "linux", Architecture: "x86_64",
			EngineVersion: "fake-1.0", KernelVersion: "fake", Name: "fake",
		},
		images:     map[string]bool{},
		registry:   map[string]bool{},
		containers: map[string]*container{},
		names:      map[string]string{},
		volumes:    map[string]map[string]string{},
		nextPort:   firstDynamicPort,
		usedPorts:  map[string]string{},
		subs:       map[*subscriber]struct{}{},
		done:       make(chan struct{}),
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

var _ runtime.Runtime = (*Runtime)(nil)

// Close stops every goroutine of the runtime (timers and event streams).
// Event channels are closed. It is safe to call more than once.
func (r *Runtime) Close() error {
	r.closeOnce.Do(func() { close(r.done) })
	r.wg.Wait()
	return nil
}

// SetUnavailable makes every call fail with runtime.ErrUnavailable (true)
// or answer again (false). Event streams stay open.
func (r *Runtime) SetUnavailable(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
}

// check fails a call whose ctx is done or that the engine cannot answer.
func (r *Runtime) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		return fmt.Errorf("%w: fake engine is down", runtime.ErrUnavailable)
	}
	return nil
}

// Info describes the fake host.
func (r *Runtime) Info(ctx context.Context) (runtime.HostInfo, error) {
	if err := r.check(ctx); err != nil {
		return runtime.HostInfo{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.info, nil
}

// normalize adds the implicit :latest tag.
func normalize(image string) string {
	if strings.Contains(image, "@") {
		return image
	}
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		return image
	}
	return image + ":latest"
}

// imageID is the image's ID, the same for every container of the image;
// r.mu is held.
func (r *Runtime) imageID(image string) string {
	im := normalize(image)
	id, ok := r.imageIDs[im]
	if !ok {
		sum := sha256.Sum256([]byte(im))
		id = "sha256:" + hex.EncodeToString(sum[:])
		if r.imageIDs == nil {
			r.imageIDs = map[string]string{}
		}
		r.imageIDs[im] = id
	}
	return id
}

// ImagePresent reports whether the image is in the cache.
func (r *Runtime) ImagePresent(ctx context.Context, image string) (bool, error) {
	if err := r.check(ctx); err != nil {
		return false, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.images[normalize(image)], nil
}

// WithPullDelay makes every pull take d on the clock.
func WithPullDelay(d time.Duration) Option { return func(r *Runtime) { r.pullDelay = d } }

// PullImage "pulls" a registry image into the cache, taking the pull delay
// on the clock; other images fail with runtime.ErrImagePull.
func (r *Runtime) PullImage(ctx context.Context, image string) error {
	if err := r.check(ctx); err != nil {
		return err
	}
	if r.pullDelay > 0 {
		t := r.clk.NewTimer(r.pullDelay)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.done:
			return errors.New("fake: runtime closed")
		case <-t.C():
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pulls = append(r.pulls, image)
	im := normalize(image)
	if !r.registry[im] && !r.anyImage {
		return fmt.Errorf("%w: pull access denied for %s: manifest for %s not found", runtime.ErrImagePull, image, im)
	}
	r.images[im] = true
	return nil
}

// Pulls returns every image pull attempted, in order.
func (r *Runtime) Pulls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.pulls...)
}

// CreateVolume creates a named volume; an existing one is kept.
func (r *Runtime) CreateVolume(ctx context.Context, name string, labels map[string]string) error {
	if err := r.check(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.volumes[name]; !ok {
		r.volumes[name] = copyMap(labels)
	}
	return nil
}

// RemoveVolume removes a named volume.
func (r *Runtime) RemoveVolume(ctx context.Context, name string) error {
	if err := r.check(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.volumes, name)
	return nil
}

// Volumes returns the names of the existing volumes, sorted.
func (r *Runtime) Volumes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for n := range r.volumes {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// List returns the containers carrying every given label, sorted by name.
func (r *Runtime) List(ctx context.Context, labels map[string]string) ([]runtime.ContainerSummary, error) {
	if err := r.check(ctx); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []runtime.ContainerSummary
	var candidates []*container
	indexed := false
	for k, v := range labels {
		if v == "" {
			continue
		}
		indexed = true
		if ids := r.lookupLabel(k, v); ids != nil {
			ids.each(func(id string) { candidates = append(candidates, r.containers[id]) })
		}
		break
	}
	if !indexed {
		for _, c := range r.containers {
			candidates = append(candidates, c)
		}
	}
	for _, c := range candidates {
		if c.labels.matches(labels) {
			out = append(out, runtime.ContainerSummary{
				ID: c.status.ID, Name: c.status.Name, Labels: c.labels.toMap(), State: c.status.State,
			})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Inspect reports a container's state.
func (r *Runtime) Inspect(ctx context.Context, id string) (runtime.ContainerStatus, error) {
	if err := r.check(ctx); err != nil {
		return runtime.ContainerStatus{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.lookup(id)
	if err != nil {
		return runtime.ContainerStatus{}, err
	}
	st := c.status
	st.Labels = c.labels.toMap()
	st.Ports = append([]runtime.PortBinding(nil), st.Ports...)
	return st, nil
}

// Spec returns the spec a container was created with, for tests that check
// what the agent asked for.
func (r *Runtime) Spec(id string) (runtime.ContainerSpec, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.lookup(id)
	if err != nil {
		return runtime.ContainerSpec{}, false
	}
	return c.fullSpec(), true
}

// lookup finds a container by ID or name; r.mu is held.
func (r *Runtime) lookup(id string) (*container, error) {
	if c, ok := r.containers[id]; ok {
		return c, nil
	}
	if cid, ok := r.names[strings.TrimPrefix(id, "/")]; ok {
		return r.containers[cid], nil
	}
	return nil, fmt.Errorf("%w: no such container: %s", runtime.ErrNotFound, id)
}

// Remove removes a container, killing it first if it runs.
func (r *Runtime) Remove(ctx context.Context, id string) error {
	if err := r.check(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.lookup(id)
	if err != nil {
		return nil
	}
	if c.status.State == runtime.StateRunning {
		r.exit(c, exitCodeSIGKILL, false)
	}
	r.drop(c)
	r.emit(runtime.EventDestroy, c)
	return nil
}

// Vanish makes a container disappear without any event, as if removed
// behind the agent's back.
func (r *Runtime) Vanish(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, err := r.lookup(id); err == nil {
		r.drop(c)
	}
}

// drop forgets a container; r.mu is held.
func (r *Runtime) drop(c *container) {
	c.gen++ // disarms its timers
	r.releasePorts(c)
	r.unindexContainer(c)
	delete(r.containers, c.status.ID)
	delete(r.names, c.status.Name)
	c.signalExit()
}

// RestartEngine simulates an engine restart: every running container is
// stopped as by a daemon shutdown (143, or 137 if it ignores SIGTERM) and
// the events of the restart are lost. Event streams survive and deliver
// later events.
func (r *Runtime) RestartEngine() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.muted = true
	for _, c := range r.sorted() {
		if c.status.State == runtime.StateRunning {
			code := exitCodeSIGTERM
			if c.script.ignoreSigterm {
				code = exitCodeSIGKILL
			}
			r.exit(c, code, false)
		}
	}
	r.muted = false
}

// Exit makes a running container exit now with the given code, as if its
// process ended.
func (r *Runtime) Exit(id string, code int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.lookup(id)
	if err != nil {
		return err
	}
	if c.status.State == runtime.StateRunning {
		r.exit(c, code, false)
	}
	return nil
}

// Containers returns the status of every container, sorted by name.
func (r *Runtime) Containers() []runtime.ContainerStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []runtime.ContainerStatus
	for _, c := range r.sorted() {
		st := c.status
		st.Labels = c.labels.toMap()
		st.Ports = append([]runtime.PortBinding(nil), st.Ports...)
		out = append(out, st)
	}
	return out
}

func (r *Runtime) sorted() []*container {
	cs := make([]*container, 0, len(r.containers))
	for _, c := range r.containers {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].status.Name < cs[j].status.Name })
	return cs
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
