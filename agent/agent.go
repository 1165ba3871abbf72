package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/types"
)

// Labels the agent puts on every container it creates (ECS-SPEC §7.1).
const (
	LabelTaskArn           = "com.amazonaws.ecs.task-arn"
	LabelContainerName     = "com.amazonaws.ecs.container-name"
	LabelTaskDefFamily     = "com.amazonaws.ecs.task-definition-family"
	LabelTaskDefVersion    = "com.amazonaws.ecs.task-definition-version"
	LabelCluster           = "com.amazonaws.ecs.cluster"
	LabelContainerInstance = "com.amazonaws.ecs.container-instance-arn"
)

// Agent runs the tasks of one container instance. Create it with New and
// run it with Run.
type Agent struct {
	cfg     Config
	log     *slog.Logger
	clk     clock.Clock
	running atomic.Bool

	mu          sync.Mutex
	instanceArn string
	tasks       map[string]*task // live tasks, by task ARN
	tombstones  map[string]bool  // tasks cleaned up; ignored if polled again
	delisted    map[string]bool  // live tasks the control plane no longer lists
	pulled      map[string]bool  // images pulled (PullOnce)
	registered  chan struct{}
	regOnce     sync.Once

	meta   *metadata // the task metadata endpoint, if enabled
	batch  batcher   // coalesces the tasks' state reports
	alarms alarms    // wakes tasks at their deadlines

	randMu sync.Mutex
	wg     sync.WaitGroup // task goroutines and helpers
	fileMu sync.Mutex     // serialises state file writes
	// stateWrites and metaWrites coalesce writes of the state file and
	// of the metadata IDs file.
	stateWrites, metaWrites groupWrite
}

// New returns an agent for cfg. It does nothing until Run.
func New(cfg Config) *Agent {
	cfg = cfg.withDefaults()
	return &Agent{
		cfg:         cfg,
		log:         cfg.Logger,
		clk:         cfg.Clock,
		instanceArn: cfg.ContainerInstanceArn,
		tasks:       map[string]*task{},
		tombstones:  map[string]bool{},
		delisted:    map[string]bool{},
		pulled:      map[string]bool{},
		registered:  make(chan struct{}),
	}
}

// ContainerInstanceArn returns the ARN the instance registered as ("" until
// registration succeeded).
func (a *Agent) ContainerInstanceArn() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	select {
	case <-a.registered:
		return a.instanceArn
	default:
		return ""
	}
}

// Registered is closed once the instance is registered.
func (a *Agent) Registered() <-chan struct{} { return a.registered }

// Tasks returns a snapshot of every task the agent tracks, sorted by ARN.
func (a *Agent) Tasks() []TaskState {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]TaskState, 0, len(a.tasks))
	for arn, t := range a.tasks {
		if t.pub != nil {
			out = append(out, t.pub.snapshot(arn))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TaskArn < out[j].TaskArn })
	return out
}

// Run registers the instance and runs its tasks until ctx is done. Every
// goroutine it started has stopped when it returns. It returns nil after
// ctx is done, or an error if the agent cannot run at all. Run may be
// called again after it returned: the agent then starts over as a
// restarted process would, adopting its containers.
func (a *Agent) Run(ctx context.Context) error {
	if a.cfg.ControlPlane == nil || a.cfg.Runtime == nil {
		return errors.New("agent: Config.ControlPlane and Config.Runtime are required")
	}
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("agent: already running")
	}
	defer a.running.Store(false)
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		a.wg.Wait()
	}()

	// A second Run starts over, as a restarted agent process would.
	a.mu.Lock()
	a.tasks = map[string]*task{}
	a.delisted = map[string]bool{}
	a.mu.Unlock()
	a.alarms.reset()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.alarms.run(ctx, a.clk)
	}()

	saved, err := loadState(a.cfg.StateFile)
	if err != nil {
		a.log.Warn("agent: ignoring unreadable state file", "path", a.cfg.StateFile, "err", err)
	}
	if saved.ContainerInstanceArn != "" {
		a.instanceArn = saved.ContainerInstanceArn
	}
	for img := range saved.Pulled {
		a.pulled[img] = true
	}
	stopMetadata, err := a.startMetadata(ctx)
	if err != nil {
		return err
	}
	defer stopMetadata()

	// Subscribe before adopting containers so no change slips between the
	// two.
	var events <-chan runtime.Event
	if !retry(ctx, a.clk, func() error {
		var err error
		events, err = a.cfg.Runtime.Events(ctx)
		a.logErr("subscribe to runtime events", err)
		return err
	}) {
		return nil
	}
	if !retry(ctx, a.clk, func() error { return a.register(ctx) }) {
		return nil
	}
	a.regOnce.Do(func() { close(a.registered) })
	a.persist()

	// Tasks saved under another instance ARN (the control plane did not
	// know the saved one) belong to no one now: stop them, report nothing.
	foreign := saved.ContainerInstanceArn != "" && saved.ContainerInstanceArn != a.ContainerInstanceArn()
	for _, rec := range saved.Tasks {
		if rec.Task == nil || rec.TaskDefinition == nil {
			continue
		}
		t := restoreTask(a, rec)
		if foreign {
			a.log.Warn("agent: stopping task of a previous registration", "task", t.arn)
			t.foreign = true
			t.stop("", "")
		}
		a.startTask(ctx, t)
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.routeEvents(events)
	}()
	a.pollLoop(ctx)
	return nil
}

func (a *Agent) logErr(what string, err error) {
	if err != nil && !errors.Is(err, context.Canceled) {
		a.log.Warn("agent: "+what, "err", err)
	}
}

// retry calls f until it succeeds (true) or ctx is done (false), backing
// off on the agent's clock.
func retry(ctx context.Context, clk clock.Clock, f func() error) bool {
	backoff := backoffMin
	for {
		if f() == nil {
			return true
		}
		if clock.Sleep(ctx, clk, backoff) != nil {
			return false
		}
		backoff = min(2*backoff, backoffMax)
	}
}

// routeEvents hands each runtime event to the task whose container it
// concerns (by the container's task label). It never blocks on a task.
func (a *Agent) routeEvents(events <-chan runtime.Event) {
	for ev := range events {
		arn, labelled := ev.Labels[LabelTaskArn]
		a.mu.Lock()
		var targets []*task
		if t := a.tasks[arn]; t != nil {
			targets = append(targets, t)
		} else if !labelled {
			// A runtime that does not label its events: every task checks
			// whether the container is one of its own.
			for _, t := range a.tasks {
				targets = append(targets, t)
			}
		}
		a.mu.Unlock()
		for _, t := range targets {
			t.notifyContainer(ev.ContainerID)
		}
	}
}

// pollLoop long-polls the control plane for desired state until ctx is
// done. Each poll is also the instance's heartbeat.
func (a *Agent) pollLoop(ctx context.Context) {
	var rev int64
	backoff := backoffMin
	reaped := false
	for ctx.Err() == nil {
		out, err := a.cfg.ControlPlane.PollTasks(ctx, &types.PollTasksInput{
			Cluster:           a.cfg.Cluster,
			ContainerInstance: a.instanceArn,
			AfterRevision:     rev,
			WaitSeconds:       int64(a.cfg.PollWait / time.Second),
			Incremental:       true,
		})
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			a.logErr("poll tasks", err)
			if clock.Sleep(ctx, a.clk, backoff) != nil {
				return
			}
			backoff = min(2*backoff, backoffMax)
			continue
		}
		backoff = backoffMin
		rev = out.Revision
		if out.Incremental {
			a.dispatchChanges(ctx, out.Tasks, out.Removed)
		} else {
			a.dispatch(ctx, out.Tasks)
		}
		if !reaped {
			reaped = true
			a.reapOrphans(ctx)
		}
	}
}

// dispatch takes a poll's whole list of assignments: it hands each to its
// task goroutine, starting one for tasks the agent does not know yet.
func (a *Agent) dispatch(ctx context.Context, assigned []types.AssignedTask) {
	seen := a.assign(ctx, assigned)
	// A task cleaned up and no longer listed will not be listed again.
	a.mu.Lock()
	for arn := range a.tombstones {
		if !seen[arn] {
			delete(a.tombstones, arn)
		}
	}
	for arn := range a.delisted {
		if seen[arn] {
			delete(a.delisted, arn)
		}
	}
	a.mu.Unlock()
}

// dispatchChanges takes an incremental poll answer: the assignments that
// changed, and the tasks that left the list. A task that left the list
// will not be listed again, so it needs no tombstone once cleaned up.
func (a *Agent) dispatchChanges(ctx context.Context, changed []types.AssignedTask, removed []string) {
	a.assign(ctx, changed)
	a.mu.Lock()
	for _, arn := range removed {
		delete(a.tombstones, arn)
		if a.tasks[arn] != nil {
			a.delisted[arn] = true
		}
	}
	a.mu.Unlock()
}

// assign hands each assignment to its task goroutine, starting one for
// tasks the agent does not know yet, and returns the ARNs it saw.
func (a *Agent) assign(ctx context.Context, assigned []types.AssignedTask) map[string]bool {
	seen := make(map[string]bool, len(assigned))
	for _, at := range assigned {
		if at.Task == nil || at.TaskDefinition == nil {
			continue
		}
		arn := at.Task.TaskArn
		seen[arn] = true
		a.mu.Lock()
		t, tomb := a.tasks[arn], a.tombstones[arn]
		a.mu.Unlock()
		switch {
		case t != nil:
			t.assign(at)
		case tomb:
		default:
			a.startTask(ctx, newTask(a, at))
		}
	}
	return seen
}

func (a *Agent) startTask(ctx context.Context, t *task) {
	t.ctx = ctx
	a.mu.Lock()
	a.tasks[t.arn] = t
	a.mu.Unlock()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		t.run(ctx)
	}()
}

// forget drops a cleaned-up task.
func (a *Agent) forget(arn string) {
	a.mu.Lock()
	delete(a.tasks, arn)
	if a.delisted[arn] {
		delete(a.delisted, arn)
	} else {
		a.tombstones[arn] = true
	}
	a.mu.Unlock()
	a.persist()
	a.forgetMetadata(arn)
}

// reapOrphans stops and removes containers labelled with this instance
// whose task the control plane no longer assigns and the agent does not
// track, so that nothing the agent created is left behind.
func (a *Agent) reapOrphans(ctx context.Context) {
	rt := a.cfg.Runtime
	lctx, cancel := context.WithTimeout(ctx, listTimeout)
	list, err := rt.List(lctx, map[string]string{LabelContainerInstance: a.instanceArn})
	cancel()
	if err != nil {
		a.logErr("list containers", err)
		return
	}
	for _, s := range list {
		a.mu.Lock()
		_, known := a.tasks[s.Labels[LabelTaskArn]]
		a.mu.Unlock()
		if known {
			continue
		}
		a.log.Info("agent: removing orphaned container", "container", s.Name, "task", s.Labels[LabelTaskArn])
		id := s.ID
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			sctx, cancel := context.WithTimeout(ctx, a.cfg.StopTimeout+stopCallMargin)
			defer cancel()
			a.logErr("stop orphan", rt.Stop(sctx, id, a.cfg.StopTimeout))
			a.logErr("remove orphan", rt.Remove(sctx, id))
		}()
	}
}

// randomHex returns n random bytes, hex-encoded.
func (a *Agent) randomHex(n int) string {
	a.randMu.Lock()
	defer a.randMu.Unlock()
	r := a.cfg.Rand
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		panic("agent: random source failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// pulledBefore reports whether the agent pulled image before (PullOnce).
func (a *Agent) pulledBefore(image string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pulled[image]
}

func (a *Agent) markPulled(image string) {
	a.mu.Lock()
	a.pulled[image] = true
	a.mu.Unlock()
}
