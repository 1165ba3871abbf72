package main

import (
	"context"
	"encoding/hex"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecskit/ecs"
)

// observer counts the tasks the control plane has accepted as RUNNING.
// It learns of them from the agents' own reports (see reportingCP), so
// waiting for the run costs the harness one map insert per task rather
// than a poll of the whole cluster. A sweep with DescribeTasks (see
// sweeper) backs it up should the agents ever report in a way the
// wrapper does not see.
type observer struct {
	start   atomic.Int64 // UnixNano of the first call; 0 before
	running atomic.Int64

	mu   sync.Mutex
	seen taskSet

	marks []mark
}

// mark is the moment the running count reached n.
type mark struct {
	n  int64
	at atomic.Int64 // nanoseconds after start; 0 until reached
}

// newObserver returns an observer that times the moments 1 %, 10 % and
// 100 % of total tasks are RUNNING.
func newObserver(total int) *observer {
	o := &observer{seen: newTaskSet()}
	for _, pct := range []int64{1, 10, 100} {
		n := max(1, int64(total)*pct/100)
		o.marks = append(o.marks, mark{n: n})
	}
	return o
}

// begin starts the run's clock.
func (o *observer) begin(now time.Time) { o.start.Store(now.UnixNano()) }

// since is how long ago the run started.
func (o *observer) since(now time.Time) time.Duration {
	return time.Duration(now.UnixNano() - o.start.Load())
}

// markRunning records that a task is RUNNING; it reports whether the task
// is new to the observer.
func (o *observer) markRunning(arn string) bool {
	o.mu.Lock()
	added := o.seen.add(arn)
	o.mu.Unlock()
	if !added {
		return false
	}
	n := o.running.Add(1)
	for i := range o.marks {
		if o.marks[i].n == n {
			o.marks[i].at.Store(max(1, int64(o.since(time.Now()))))
		}
	}
	return true
}

// isRunning reports whether the observer knows a task to be RUNNING.
func (o *observer) isRunning(ref string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.seen.has(ref)
}

// reportingCP is the control plane as the agents see it: every accepted
// RUNNING report reaches the observer. It embeds *ecs.ControlPlane, so it
// offers every method the agents may call, whatever agent.ControlPlane
// grows into.
type reportingCP struct {
	*ecs.ControlPlane
	obs *observer
}

// SubmitTaskStateChange forwards the report and tells the observer of a
// task now RUNNING.
func (r reportingCP) SubmitTaskStateChange(ctx context.Context, in *ecs.SubmitTaskStateChangeInput) (*ecs.SubmitTaskStateChangeOutput, error) {
	out, err := r.ControlPlane.SubmitTaskStateChange(ctx, in)
	if err == nil && in.Status == ecs.TaskStatusRunning {
		r.obs.markRunning(in.Task)
	}
	return out, err
}

// SubmitTaskStateChanges forwards a batch of reports (the agent batches
// them) and tells the observer of each task now RUNNING.
func (r reportingCP) SubmitTaskStateChanges(ctx context.Context, in *ecs.SubmitTaskStateChangesInput) (*ecs.SubmitTaskStateChangesOutput, error) {
	out, err := r.ControlPlane.SubmitTaskStateChanges(ctx, in)
	if err != nil {
		return out, err
	}
	failed := map[string]bool{}
	for _, f := range out.Failures {
		failed[f.Arn] = true
	}
	for _, ch := range in.Changes {
		if ch.Status == ecs.TaskStatusRunning && !failed[ch.Task] {
			r.obs.markRunning(ch.Task)
		}
	}
	return out, err
}

// taskSet is a set of tasks by ID. ecskit's task IDs are 32 hex digits,
// kept as 16 bytes so that a million of them stay small; any other form
// is kept as a string.
type taskSet struct {
	ids    map[[16]byte]struct{}
	others map[string]struct{}
}

func newTaskSet() taskSet {
	return taskSet{ids: map[[16]byte]struct{}{}, others: map[string]struct{}{}}
}

func (s taskSet) add(ref string) bool {
	if k, ok := taskID(ref); ok {
		if _, dup := s.ids[k]; dup {
			return false
		}
		s.ids[k] = struct{}{}
		return true
	}
	id := lastSegment(ref)
	if _, dup := s.others[id]; dup {
		return false
	}
	s.others[id] = struct{}{}
	return true
}

func (s taskSet) has(ref string) bool {
	if k, ok := taskID(ref); ok {
		_, found := s.ids[k]
		return found
	}
	_, found := s.others[lastSegment(ref)]
	return found
}

// taskList is the tasks RunTask created, in the same compact form.
type taskList struct {
	mu     sync.Mutex
	ids    [][16]byte
	others []string
}

func (l *taskList) add(tasks []ecs.Task) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, t := range tasks {
		if k, ok := taskID(t.TaskArn); ok {
			l.ids = append(l.ids, k)
		} else {
			l.others = append(l.others, lastSegment(t.TaskArn))
		}
	}
}

// refs returns every task as an ID DescribeTasks accepts.
func (l *taskList) refs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, 0, len(l.ids)+len(l.others))
	for _, k := range l.ids {
		out = append(out, hex.EncodeToString(k[:]))
	}
	return append(out, l.others...)
}

// taskID parses the 32-hex-digit ID at the end of a task ARN (or a bare ID).
func taskID(ref string) (k [16]byte, ok bool) {
	id := lastSegment(ref)
	if len(id) != 32 {
		return k, false
	}
	_, err := hex.Decode(k[:], []byte(id))
	return k, err == nil && hex.EncodeToString(k[:]) == id
}

func lastSegment(s string) string { return s[strings.LastIndexByte(s, '/')+1:] }
