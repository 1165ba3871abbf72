package ecs

import (
	"bytes"
	"sync"

	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/store"
)

// recentTasks keeps the decoded form of the tasks this control plane wrote
// last, so that the reads that follow a write (the agent's poll, its
// state reports, DescribeTasks) do not decode the task again. A writer
// remembers the record it encoded; when the watch delivers the same bytes
// the record is known at its store version, and a reader that gets that
// version from the store takes a copy instead of decoding. Bounded: the
// oldest entries make room for new ones.
type recentTasks struct {
	mu      sync.Mutex
	pending map[string]pendingTask // by key: written, not yet seen committed
	known   map[string]knownTask   // by key: at a store version
	order   []string               // keys of known, oldest first (a ring)
	next    int
}

type pendingTask struct {
	rec  *record.Task
	data []byte
}

type knownTask struct {
	rec     *record.Task
	version int64
}

// recentCap bounds how many decoded tasks are kept.
const recentCap = 1 << 15

func newRecentTasks() *recentTasks {
	return &recentTasks{pending: map[string]pendingTask{}, known: map[string]knownTask{}, order: make([]string, 0, recentCap)}
}

// wrote remembers a task a transaction is writing as data.
func (r *recentTasks) wrote(key string, t *record.Task, data []byte) {
	c := t.Clone()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) >= recentCap {
		clear(r.pending) // aborted transactions leave entries behind
	}
	r.pending[key] = pendingTask{rec: c, data: data}
}

// committed notes a task event: a remembered write whose bytes it carries
// is now known at the event's version, and is returned (not to be
// changed).
func (r *recentTasks) committed(ev store.Event) *record.Task {
	key := ev.Record.Key
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.pending[key]
	delete(r.pending, key)
	if ev.Type == store.EventDelete || !ok || !bytes.Equal(p.data, ev.Record.Value) {
		delete(r.known, key)
		return nil
	}
	if _, ok := r.known[key]; !ok {
		if len(r.order) < recentCap {
			r.order = append(r.order, key)
		} else {
			delete(r.known, r.order[r.next])
			r.order[r.next] = key
			r.next = (r.next + 1) % recentCap
		}
	}
	r.known[key] = knownTask{rec: p.rec, version: ev.Record.Version}
	return p.rec
}

// get returns a copy of the task at key if it is known at version.
func (r *recentTasks) get(key string, version int64) *record.Task {
	r.mu.Lock()
	k, ok := r.known[key]
	r.mu.Unlock()
	if !ok || k.version != version {
		return nil
	}
	return k.rec.Clone()
}

// putTask encodes and writes a task, remembering it for the reads that
// follow.
func (cp *ControlPlane) putTask(tx store.Tx, t *record.Task) error {
	key := record.TaskKey(t.Cluster, t.ID)
	b, err := record.Encode(t)
	if err != nil {
		return err
	}
	cp.cache.recent.wrote(key, t, b)
	return tx.Put(key, b)
}

// getTask reads a task, from the recent writes when they hold its
// version; found is false if it is absent.
func (cp *ControlPlane) getTask(tx store.Tx, cluster, id string) (*record.Task, bool, error) {
	key := record.TaskKey(cluster, id)
	r, err := tx.Get(key)
	if err != nil {
		if isNotFound(err) {
			return nil, false, nil
		}
		return nil, false, err
	}
	if t := cp.cache.recent.get(key, r.Version); t != nil {
		return t, true, nil
	}
	var t record.Task
	if err := record.Decode(r, &t); err != nil {
		return nil, false, err
	}
	return &t, true, nil
}
