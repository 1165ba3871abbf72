package ecs

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unique"

	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/internal/sortedset"
	"github.com/ecskit/ecs/store"
)

// clusterCache indexes one cluster's instances and tasks.
type clusterCache struct {
	name  string
	tasks map[string]*taskEntry
	insts map[string]*instEntry
	// lists holds the task IDs of every ListTasks filter, by desired
	// status; see listKey.
	lists map[listKey]*sortedset.Set

	// running and pending count tasks by lastStatus (DescribeClusters).
	running, pending int64
	// registered counts the instances ACTIVE or DRAINING (DescribeClusters).
	registered int64

	// The placement scheduler, guarded by schedMu (see cache_sched.go).
	schedMu      sync.Mutex
	sched        *clusterSched
	dirtyMu      sync.Mutex
	dirty        []string // instances changed since the scheduler synced
	rebuildSched bool     // guarded by the cache's mu
}

func newClusterCache(name string) *clusterCache {
	return &clusterCache{name: name, tasks: map[string]*taskEntry{}, insts: map[string]*instEntry{}, lists: map[listKey]*sortedset.Set{}}
}

// taskEntry is what the cache keeps of a task: what its indexes and
// PollTasks need, not the task itself (which stays in the store).
type taskEntry struct {
	id, instanceID             string
	family, service, startedBy string
	group, launchType          string
	desired, last              string
	// version is the revision PollTasks compares with AfterRevision: the
	// store version of the task's last change, or later (see instEntry).
	version int64
}

// instEntry is a container instance with its tasks.
type instEntry struct {
	id      string
	rec     *record.Instance // nil until the instance record is seen
	version int64            // store version of rec
	tasks   map[string]*taskEntry

	// maxVersion is the newest version of a change to the instance's
	// tasks. A change applied at a revision the instance's poll was
	// already answered with gets answered+1 instead, so that no poll
	// misses it: the cache cannot know a revision whole while it arrives.
	maxVersion int64
	answered   atomic.Int64
	// log lists the changes of the instance's tasks in version order, so
	// that an incremental poll costs what changed; see changed.
	log []change
	// wake is closed and replaced at every change of the instance's tasks.
	wake chan struct{}
	// dirty marks the instance as queued for the scheduler.
	dirty atomic.Bool
}

// change is one entry of an instance's change log.
type change struct {
	version int64
	task    string
}

// listKey names one ListTasks index: the tasks of a desired status,
// optionally with one filter (kind is "", "instance", "family",
// "service" or "startedBy").
type listKey struct {
	desired, kind, value string
}

func (cl *clusterCache) inst(id string) *instEntry {
	in := cl.insts[id]
	if in == nil {
		in = &instEntry{id: id, tasks: map[string]*taskEntry{}, wake: make(chan struct{})}
		cl.insts[id] = in
	}
	return in
}

func intern(s string) string { return unique.Make(s).Value() }

// clusterOfKey returns the cluster and ID of a "kind/cluster/id" key.
func clusterOfKey(key string) (cluster, id string, ok bool) {
	_, rest, _ := strings.Cut(key, "/")
	return strings.Cut(rest, "/")
}

// applyTask folds a task event into the indexes. Callers hold c.mu.
func (c *cache) applyTask(ev store.Event) {
	written := c.recent.committed(ev)
	cluster, id, ok := clusterOfKey(ev.Record.Key)
	if !ok {
		return
	}
	cl := c.cluster(cluster)
	old := cl.tasks[id]
	if ev.Type == store.EventDelete {
		if old != nil {
			cl.unindex(old)
			delete(cl.tasks, id)
			in := cl.inst(old.instanceID)
			delete(in.tasks, id)
			in.changed(id, ev.Revision)
		}
		return
	}
	f := written
	if f == nil {
		f = new(record.Task)
		if err := record.DecodeTask(ev.Record.Value, f); err != nil {
			c.cp.log.Warn("cache: decode task", "key", ev.Record.Key, "err", err)
			return
		}
	}
	t := &taskEntry{
		id: id, instanceID: intern(f.InstanceID),
		family: intern(f.Family), service: intern(f.ServiceName), startedBy: intern(f.Task.StartedBy),
		group: intern(f.Task.Group), launchType: intern(f.Task.LaunchType),
		desired: intern(f.Task.DesiredStatus), last: intern(f.Task.LastStatus),
	}
	switch {
	case old == nil:
		cl.index(t)
	case slices.Equal(old.listKeys(), t.listKeys()):
		// Most changes are of lastStatus: the lists stay, the counts move.
		cl.count(old, -1)
		cl.count(t, 1)
	default:
		cl.unindex(old)
		cl.index(t)
	}
	if old != nil && old.instanceID != t.instanceID {
		delete(cl.inst(old.instanceID).tasks, id)
	}
	cl.tasks[id] = t
	in := cl.inst(t.instanceID)
	in.tasks[id] = t
	t.version = in.changed(id, ev.Revision)
}

// changed records a change of task id, one of the instance's, at rev and
// returns the version the change gets (see maxVersion). Versions only grow,
// so the log stays sorted; once it holds more than twice as many entries
// as the instance has tasks it is rewritten with one entry per task.
func (in *instEntry) changed(id string, rev int64) int64 {
	if a := in.answered.Load(); rev <= a {
		rev = a + 1
	}
	in.maxVersion = max(in.maxVersion, rev)
	in.log = append(in.log, change{rev, id})
	if len(in.log) > 2*len(in.tasks)+64 {
		in.log = in.log[:0:0]
		for _, t := range in.tasks {
			in.log = append(in.log, change{t.version, t.id})
		}
		if t := in.tasks[id]; t != nil {
			in.log = append(in.log, change{rev, id}) // t.version is set by the caller
		}
		slices.SortFunc(in.log, func(a, b change) int { return cmp.Compare(a.version, b.version) })
	}
	close(in.wake)
	in.wake = make(chan struct{})
	return rev
}

// since returns the IDs of the tasks that changed after version after,
// each once, in version order.
func (in *instEntry) since(after int64) []string {
	i, _ := slices.BinarySearchFunc(in.log, after+1, func(c change, v int64) int { return cmp.Compare(c.version, v) })
	var ids []string
	seen := map[string]bool{}
	for _, c := range in.log[i:] {
		if !seen[c.task] {
			seen[c.task] = true
			ids = append(ids, c.task)
		}
	}
	return ids
}

// index adds a task to the lists and counts.
func (cl *clusterCache) index(t *taskEntry) {
	for _, k := range t.listKeys() {
		s := cl.lists[k]
		if s == nil {
			s = &sortedset.Set{}
			cl.lists[k] = s
		}
		s.Insert(t.id)
	}
	cl.count(t, 1)
}

// unindex removes a task from the lists and counts.
func (cl *clusterCache) unindex(t *taskEntry) {
	for _, k := range t.listKeys() {
		if s := cl.lists[k]; s != nil {
			s.Remove(t.id)
			if s.Len() == 0 {
				delete(cl.lists, k)
			}
		}
	}
	cl.count(t, -1)
}

func (cl *clusterCache) count(t *taskEntry, d int64) {
	switch t.last {
	case TaskStatusRunning:
		cl.running += d
	case TaskStatusPending, TaskStatusProvisioning:
		cl.pending += d
	}
}

// listKeys are the lists a task belongs to.
func (t *taskEntry) listKeys() []listKey {
	keys := []listKey{{t.desired, "", ""}, {t.desired, "instance", t.instanceID}, {t.desired, "family", t.family}}
	if t.service != "" {
		keys = append(keys, listKey{t.desired, "service", t.service})
	}
	if t.startedBy != "" {
		keys = append(keys, listKey{t.desired, "startedBy", t.startedBy})
	}
	return keys
}

// applyInstance folds an instance event into the cache. Callers hold
// c.mu.
func (c *cache) applyInstance(ev store.Event) {
	cluster, id, ok := clusterOfKey(ev.Record.Key)
	if !ok {
		return
	}
	cl := c.cluster(cluster)
	in := cl.inst(id)
	if ev.Type == store.EventDelete {
		cl.registered -= registeredCount(in.rec)
		in.rec, in.version = nil, ev.Revision
		cl.rebuildSched = true
		return
	}
	var rec record.Instance
	if err := record.DecodeInstance(ev.Record.Value, &rec); err != nil {
		c.cp.log.Warn("cache: decode instance", "key", ev.Record.Key, "err", err)
		return
	}
	if rec.Status == StatusInactive && (in.rec == nil || in.rec.Status != StatusInactive) {
		cl.rebuildSched = true
	}
	cl.registered += registeredCount(&rec) - registeredCount(in.rec)
	in.rec, in.version = &rec, ev.Record.Version
	cl.markDirty(in)
}

// registeredCount is 1 for an instance DescribeClusters counts as
// registered (ACTIVE or DRAINING), else 0.
func registeredCount(r *record.Instance) int64 {
	if r != nil && (r.Status == StatusActive || r.Status == StatusDraining) {
		return 1
	}
	return 0
}

// markDirty queues an instance for the scheduler's next sync.
func (cl *clusterCache) markDirty(in *instEntry) {
	if in.dirty.Swap(true) {
		return
	}
	cl.dirtyMu.Lock()
	cl.dirty = append(cl.dirty, in.id)
	cl.dirtyMu.Unlock()
}

// taskQuery is a ListTasks filter.
type taskQuery struct {
	desired, instance, family, service, startedBy, launchType string
}

func (q *taskQuery) match(t *taskEntry) bool {
	return t.desired == q.desired &&
		(q.instance == "" || t.instanceID == q.instance) &&
		(q.family == "" || t.family == q.family) &&
		(q.service == "" || t.service == q.service) &&
		(q.startedBy == "" || t.startedBy == q.startedBy) &&
		(q.launchType == "" || t.launchType == q.launchType)
}

// listKey is the most selective list that holds every match of q.
func (q *taskQuery) listKey() listKey {
	switch {
	case q.instance != "":
		return listKey{q.desired, "instance", q.instance}
	case q.service != "":
		return listKey{q.desired, "service", q.service}
	case q.family != "":
		return listKey{q.desired, "family", q.family}
	case q.startedBy != "":
		return listKey{q.desired, "startedBy", q.startedBy}
	}
	return listKey{q.desired, "", ""}
}

// listTasks returns, in ID order, up to size IDs of the cluster's tasks
// that match q and sort after after, and whether more follow.
func (c *cache) listTasks(cluster string, q taskQuery, after string, size int) (ids []string, more bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	cl := c.clusters[cluster]
	if cl == nil {
		return nil, false
	}
	set := cl.lists[q.listKey()]
	if set == nil {
		return nil, false
	}
	set.Ascend(after, func(id string) bool {
		if t := cl.tasks[id]; t != nil && q.match(t) {
			if len(ids) == size {
				more = true
				return false
			}
			ids = append(ids, id)
		}
		return true
	})
	return ids, more
}
