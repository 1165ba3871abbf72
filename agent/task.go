package agent

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/ecskit/ecs/types"
)

// task drives one task on this instance.
//
// Its goroutine (run) is the only writer of the task's observed state: the
// containers' ladder positions, exit codes, reasons, the task's stop code
// and timestamps. Everything else talks to it through messages: the poll
// loop posts new desired state (assign), the event router posts container
// IDs to re-inspect (notifyContainer), and helper goroutines doing slow
// engine calls post their results (results). No lock guards the observed
// state, and no two decisions about one task can race. A task with nothing
// to do parks: its goroutine ends, and the next message or its alarm
// starts another, so that at any time at most one goroutine runs it.
type task struct {
	a   *Agent
	arn string

	// Observed state, owned by the run goroutine.
	// ecsTask is the control plane's task as last assigned. Only the state
	// file and the metadata endpoint need it once the task adopted its
	// containers: without them it is nil from then on (see keepsTasks).
	ecsTask    *types.Task
	def        *types.TaskDefinition
	desired    string // RUNNING or STOPPED
	known      string // PENDING, RUNNING or STOPPED; only ever advances
	containers []*container
	stopCode   string
	reason     string
	volumes    map[string]string // task-scoped volume -> engine volume name
	volumesOK  bool
	secretsOK  bool // secrets of the containers to create are resolved
	// foreign marks a saved task of an earlier registration: the agent
	// stops it and does not report it.
	foreign bool

	pullStartedAt, pullStoppedAt, executionStoppedAt, stoppedAt time.Time

	// reported is what it published after its last acknowledged report
	// (the change reported is derived from it); acked: a report was
	// acknowledged since it last published.
	reported      *published
	acked         bool
	retryAt       time.Time // earliest resend after a failed report
	nextReconcile time.Time
	cleanupAt     time.Time
	pub           *published // what it last published; written under a.mu

	// Inbox, written by other goroutines.
	mu       sync.Mutex
	assigned *types.AssignedTask
	dirty    map[string]bool // container IDs to re-inspect (nil: none)
	results  []result        // of engine calls, in the order they ended
	// parked: the task has no goroutine now; the next poke starts one
	// (see park). woken: poked while it had one. done: it has none and
	// will have none again.
	parked, woken, done bool
	ctx                 context.Context // of the Agent's Run, for goroutines poke starts

	// Its alarm, guarded by Agent.alarms.mu.
	alarmAt  time.Time
	alarmIdx int // in the alarm heap; -1 if not in it
}

// container is one container of a task, as its task goroutine sees it.
type container struct {
	name string
	// def is the container's definition, overrides applied: the task
	// definition's own (shared by every task of the definition, never
	// modified) unless the task overrides the container.
	def       *types.ContainerDefinition
	essential bool
	// dockerName is the engine-level name, ecs-<family>-<rev>-<name>-<hex>.
	dockerName string
	id         string
	known      ContainerStatus
	busy       bool               // an engine call for it is in flight
	cancel     context.CancelFunc // cancels an in-flight pull
	stopSent   bool
	depsMet    bool // its dependsOn gate opened once
	exitCode   *int64
	reason     string
	health     string
	startedAt  time.Time
	bindings   []types.NetworkBinding
	// secretEnv ("NAME=value") and secretLogOptions are the resolved
	// secrets; never logged, persisted or reported.
	secretEnv        []string
	secretLogOptions map[string]string
}

// op names an engine call made for a container.
type op int

const (
	opPull op = iota
	opCreate
	opStart
	opStop
)

// result is the outcome of an engine call made by a helper goroutine.
type result struct {
	c   *container
	op  op
	id  string
	err error
}

func newTask(a *Agent, at types.AssignedTask) *task {
	t := &task{
		a: a, arn: at.Task.TaskArn, ecsTask: at.Task, def: at.TaskDefinition,
		desired: types.TaskStatusRunning, known: types.TaskStatusPending,
		alarmIdx: -1,
	}
	if at.Task.DesiredStatus == types.TaskStatusStopped {
		t.desired = types.TaskStatusStopped
	}
	if !a.keepsTasks() {
		// The ARN is a part of the control plane's answer, whose strings
		// may share one buffer: a copy does not keep that alive.
		t.arn = strings.Clone(t.arn)
	}
	t.containers = make([]*container, 0, len(at.TaskDefinition.ContainerDefinitions))
	for i := range at.TaskDefinition.ContainerDefinitions {
		def := &at.TaskDefinition.ContainerDefinitions[i]
		if overridden(def.Name, at.Task.Overrides) {
			d := applyOverrides(*def, at.Task.Overrides)
			def = &d
		}
		c := &container{
			name: def.Name, def: def, essential: def.IsEssential(),
			dockerName: t.dockerName(def.Name), health: types.HealthUnknown,
		}
		t.containers = append(t.containers, c)
	}
	for _, v := range at.TaskDefinition.Volumes {
		if taskScoped(v) {
			if t.volumes == nil {
				t.volumes = map[string]string{}
			}
			t.volumes[v.Name] = t.dockerName(v.Name)
		}
	}
	t.refuseUnservedRole()
	return t
}

// keepsTasks reports whether the agent keeps each task's control plane
// view (types.Task) for the whole life of the task: the state file
// persists it and the metadata endpoint serves it. The task goroutine
// itself needs it only until the task adopted its containers; a decoded
// task (its containers, attachments, tags) is worth not keeping for every
// task of the instance.
func (a *Agent) keepsTasks() bool { return a.cfg.StateFile != "" || a.cfg.Metadata.Enabled }

// byName returns the named container of the task, or nil. A task has a
// handful of containers: a scan costs less than a map kept per task.
func (t *task) byName(name string) *container {
	for _, c := range t.containers {
		if c.name == name {
			return c
		}
	}
	return nil
}

// assign posts the control plane's latest view of the task.
func (t *task) assign(at types.AssignedTask) {
	t.mu.Lock()
	t.assigned = &at
	t.mu.Unlock()
	t.poke()
}

// notifyContainer asks the task goroutine to re-inspect a container.
func (t *task) notifyContainer(id string) {
	t.mu.Lock()
	if t.dirty == nil {
		t.dirty = map[string]bool{}
	}
	t.dirty[id] = true
	t.mu.Unlock()
	t.poke()
}

// poke wakes the task: its goroutine, or a new one if it is parked.
func (t *task) poke() {
	t.mu.Lock()
	if t.parked {
		t.parked, t.woken = false, false
		if t.ctx.Err() == nil {
			// The poker runs in the agent's wait group (the poll loop, the
			// event router, the alarms), so this Add never races its Wait.
			t.a.wg.Add(1)
			go func() {
				defer t.a.wg.Done()
				t.loop(t.ctx)
			}()
		}
		t.mu.Unlock()
		return
	}
	t.woken = true
	t.mu.Unlock()
}

// run is the task goroutine: it reconciles with the engine, then loops
// (see loop).
func (t *task) run(ctx context.Context) {
	t.adopt(ctx)
	if !t.a.keepsTasks() {
		t.ecsTask = nil
	}
	t.nextReconcile = t.now().Add(t.a.cfg.ReconcileInterval)
	t.loop(ctx)
}

// loop decides, acts and reports until the task is cleaned up, ctx is
// done, or the task parks.
func (t *task) loop(ctx context.Context) {
	for {
		t.drainInbox(ctx)
		t.evaluate(ctx)
		t.report(ctx)
		if t.cleanupDue() {
			t.a.alarms.set(t, time.Time{})
			t.cleanup(ctx)
			t.mu.Lock()
			t.done = true
			t.mu.Unlock()
			return
		}
		t.publish()
		if t.acked {
			t.reported, t.acked = t.pub, false
		}
		d, _ := t.nextDeadline()
		t.a.alarms.set(t, d)
		if ctx.Err() != nil {
			return
		}
		if t.applyResult(ctx) {
			continue // one engine call result per pass
		}
		if t.park() {
			return
		}
	}
}

// park ends the task's goroutine when its inbox is empty and nothing poked
// it since its last pass: the task has nothing to do but wait. Whatever
// may change something (a poll, an engine event, the result of an engine
// call in flight, its alarm) goes through its inbox and pokes it, which
// starts a new goroutine for it. A task so has at most one goroutine at a
// time, still the only writer of its state (t.mu orders one goroutine's
// last step before the next one's first), and a task that waits, for an
// engine call or for its next reconcile, costs no goroutine.
func (t *task) park() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.assigned != nil || t.dirty != nil || len(t.results) > 0 || t.done {
		return false
	}
	if t.woken {
		t.woken = false
		return false
	}
	t.parked = true
	return true
}

// applyResult applies the oldest engine call result waiting, if any.
func (t *task) applyResult(ctx context.Context) bool {
	t.mu.Lock()
	if len(t.results) == 0 {
		t.mu.Unlock()
		return false
	}
	r := t.results[0]
	t.results[0] = result{}
	if t.results = t.results[1:]; len(t.results) == 0 {
		t.results = nil
	}
	t.mu.Unlock()
	t.apply(ctx, r)
	return true
}

// nextDeadline is the earliest time the task must wake up by itself.
func (t *task) nextDeadline() (time.Time, bool) {
	var next time.Time
	consider := func(d time.Time) {
		if !d.IsZero() && (next.IsZero() || d.Before(next)) {
			next = d
		}
	}
	if t.known != types.TaskStatusStopped {
		consider(t.nextReconcile)
	}
	consider(t.retryAt)
	consider(t.cleanupAt)
	if t.desired == types.TaskStatusRunning {
		for _, c := range t.containers {
			consider(t.dependencyDeadline(c))
		}
	}
	return next, !next.IsZero()
}

func (t *task) now() time.Time { return t.a.clk.Now() }

// drainInbox applies the control plane's desired state and re-inspects the
// containers events pointed at (all of them when a reconcile is due).
func (t *task) drainInbox(ctx context.Context) {
	t.mu.Lock()
	at, dirty := t.assigned, t.dirty
	t.assigned, t.dirty = nil, nil
	t.mu.Unlock()
	if at != nil {
		if t.a.keepsTasks() {
			t.ecsTask = at.Task
		}
		if at.Task.DesiredStatus == types.TaskStatusStopped && t.desired != types.TaskStatusStopped {
			t.desired = types.TaskStatusStopped
			t.executionStoppedAt = t.now()
		}
	}
	if t.known != types.TaskStatusStopped && !t.now().Before(t.nextReconcile) {
		t.nextReconcile = t.now().Add(t.a.cfg.ReconcileInterval)
		for _, c := range t.containers {
			if c.id != "" {
				if dirty == nil {
					dirty = map[string]bool{}
				}
				dirty[c.id] = true
			}
		}
	}
	for _, c := range t.containers {
		if c.id != "" && dirty[c.id] {
			t.inspect(ctx, c)
		}
	}
}

// spawn runs an engine call for c on a helper goroutine; its result comes
// back to the task goroutine through its inbox.
func (t *task) spawn(ctx context.Context, c *container, o op, f func(context.Context) (string, error)) {
	c.busy = true
	cctx, cancel := context.WithCancel(ctx)
	if o == opPull {
		c.cancel = cancel
	}
	t.a.wg.Add(1)
	go func() {
		defer t.a.wg.Done()
		defer cancel()
		id, err := f(cctx)
		t.mu.Lock()
		t.results = append(t.results, result{c: c, op: o, id: id, err: err})
		t.mu.Unlock()
		t.poke()
	}()
}

// stop sets the task's desired status to STOPPED for a reason of the
// agent's own; the first reason wins.
func (t *task) stop(code, reason string) {
	if t.desired == types.TaskStatusStopped {
		return
	}
	t.desired = types.TaskStatusStopped
	t.stopCode = code
	t.reason = trimReason(reason)
	t.executionStoppedAt = t.now()
}

// fail records that c cannot start and fails the task.
func (t *task) fail(c *container, reason string) {
	c.reason = trimReason(reason)
	c.known = StatusStopped
	t.stop(types.StopCodeTaskFailedToStart, c.reason)
}
