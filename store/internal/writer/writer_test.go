package writer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/internal/check"
	"github.com/ecskit/ecs/store/internal/watchlog"
)

// fake is a map-backed Backend that records its commits and can hold a
// commit until the test releases it.
type fake struct {
	mu      sync.Mutex
	data    map[string]rec // committed
	rev     int64
	pending map[string]rec // the group's state, leader only

	commits [][]int64 // the revisions of each commit
	applied []int64   // revisions applied since Begin
	hold    chan chan struct{}
	fail    error
}

type rec struct {
	value   []byte
	version int64
}

type mapSnapshot map[string]rec

func (m mapSnapshot) Get(key string) ([]byte, int64, bool, error) {
	r, ok := m[key]
	return r.value, r.version, ok, nil
}

func (m mapSnapshot) Scan(prefix string, fn func(string, []byte, int64)) error {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if strings.HasPrefix(k, prefix) {
			fn(k, m[k].value, m[k].version)
		}
	}
	return nil
}

func (f *fake) Snapshot() (Snapshot, int64, func(), error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return mapSnapshot(maps.Clone(f.data)), f.rev, func() {}, nil
}

func (f *fake) Begin() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending, f.applied = maps.Clone(f.data), nil
	return nil
}

func (f *fake) Pending() Snapshot { return mapSnapshot(f.pending) }

func (f *fake) Apply(rev int64, writes []Write) ([]store.Event, error) {
	var evs []store.Event
	for _, w := range writes {
		if w.Delete {
			if _, ok := f.pending[w.Key]; ok {
				delete(f.pending, w.Key)
				evs = append(evs, store.Event{Type: store.EventDelete, Revision: rev, Record: store.Record{Key: w.Key, Version: rev}})
			}
			continue
		}
		f.pending[w.Key] = rec{w.Value, rev}
		evs = append(evs, store.Event{Type: store.EventPut, Revision: rev, Record: store.Record{Key: w.Key, Value: w.Value, Version: rev}})
	}
	if len(evs) > 0 {
		f.applied = append(f.applied, rev)
	}
	return evs, nil
}

func (f *fake) Commit(rev int64) error {
	if f.hold != nil {
		released := make(chan struct{})
		f.hold <- released
		<-released
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.data, f.rev, f.pending = f.pending, rev, nil
	f.commits = append(f.commits, f.applied)
	return nil
}

func (f *fake) Abort() { f.pending = nil }

func newCommitter(t *testing.T) (*Committer, *fake, *watchlog.Log) {
	f := &fake{data: map[string]rec{}}
	log := watchlog.New(0, 0, 0)
	c := New(f, 0, log, SizeLimits{})
	t.Cleanup(func() { c.Close(); log.Close() })
	return c, f, log
}

// queued waits until n members wait for a group.
func queued(c *Committer, n int) {
	for {
		c.mu.Lock()
		l := len(c.queue)
		c.mu.Unlock()
		if l >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func put(key, value string) func(store.Tx) error {
	return func(tx store.Tx) error { return tx.Put(key, []byte(value)) }
}

// increment reads key, counts the run in runs and writes key+1.
func increment(key string, runs *atomic.Int32) func(store.Tx) error {
	return func(tx store.Tx) error {
		runs.Add(1)
		n := 0
		if r, err := tx.Get(key); err == nil {
			fmt.Sscan(string(r.Value), &n)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.Put(key, []byte(fmt.Sprint(n+1)))
	}
}

// holdFirstCommit starts an Update whose commit waits; it returns the
// function that lets it go and waits for the Update.
func holdFirstCommit(t *testing.T, c *Committer, f *fake) func() {
	f.hold = make(chan chan struct{})
	t.Cleanup(func() { close(f.hold) })
	done := make(chan error, 1)
	go func() { done <- c.Update(context.Background(), put("first", "1")) }()
	release := <-f.hold
	return func() {
		go func() { // later commits go through at once
			for r := range f.hold {
				close(r)
			}
		}()
		close(release)
		check.NoError(t, <-done)
	}
}

func TestTransactionsThatWaitCommitAsOneGroup(t *testing.T) {
	c, f, log := newCommitter(t)
	w, err := log.Watch(context.Background(), "", 0)
	check.NoError(t, err)
	release := holdFirstCommit(t, c, f)
	const n = 5
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- c.Update(context.Background(), put(fmt.Sprint("k", i), "v")) }()
	}
	queued(c, n)
	release()
	for range n {
		check.NoError(t, <-errs)
	}
	check.Equal(t, [][]int64{{1}, {2, 3, 4, 5, 6}}, f.commits, "one commit for the waiting group, one revision each")
	keys := map[string]bool{}
	for rev := int64(1); rev <= n+1; rev++ {
		ev := <-w.Events()
		check.Equal(t, rev, ev.Revision, "the watch sees every revision in order")
		keys[ev.Record.Key] = true
	}
	check.Len(t, keys, n+1)
}

func TestConflictInGroupFailsAlone(t *testing.T) {
	c, f, _ := newCommitter(t)
	check.NoError(t, c.Update(context.Background(), put("x", "0")))
	release := holdFirstCommit(t, c, f)
	var xRuns, yRuns atomic.Int32
	errs := make(chan error, 3)
	go func() { errs <- c.Update(context.Background(), increment("x", &xRuns)) }()
	go func() { errs <- c.Update(context.Background(), increment("x", &xRuns)) }()
	go func() { errs <- c.Update(context.Background(), increment("y", &yRuns)) }()
	queued(c, 3) // all three read revision 1
	release()
	for range 3 {
		check.NoError(t, <-errs, "a conflict is retried, never reported")
	}
	check.Equal(t, int32(3), xRuns.Load(), "one of the two increments of x ran again")
	check.Equal(t, int32(1), yRuns.Load(), "the increment of y did not")
	check.Equal(t, "2", string(f.data["x"].value))
	check.Equal(t, "1", string(f.data["y"].value))
	check.Len(t, f.commits, 4) // setup, first, {x, y}, the retried x
	check.Len(t, f.commits[2], 2)
	check.Equal(t, int64(5), f.rev)
}

func TestRetriedPanicReachesCaller(t *testing.T) {
	c, f, _ := newCommitter(t)
	release := holdFirstCommit(t, c, f)
	var runs atomic.Int32
	panicked := make(chan any, 1)
	errs := make(chan error, 2)
	go func() { errs <- c.Update(context.Background(), increment("x", new(atomic.Int32))) }()
	queued(c, 1) // first in the group: the other increment conflicts
	go func() {
		defer func() { panicked <- recover() }()
		_ = c.Update(context.Background(), func(tx store.Tx) error {
			if runs.Add(1) == 2 {
				panic("second run")
			}
			return increment("x", new(atomic.Int32))(tx)
		})
	}()
	queued(c, 2)
	go func() { errs <- c.Update(context.Background(), put("z", "1")) }()
	release()
	check.Equal(t, "second run", <-panicked)
	check.NoError(t, <-errs)
	check.NoError(t, <-errs)
	check.Equal(t, "1", string(f.data["x"].value))
	check.Equal(t, "1", string(f.data["z"].value))
}

func TestContextEndsWhileQueued(t *testing.T) {
	c, f, _ := newCommitter(t)
	release := holdFirstCommit(t, c, f)
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go func() { errs <- c.Update(ctx, put("late", "1")) }()
	queued(c, 1)
	cancel()
	check.ErrorIs(t, <-errs, context.Canceled)
	release()
	_, ok := f.data["late"]
	check.False(t, ok, "a transaction whose context ended committed")
}

func TestFailedCommitFailsGroup(t *testing.T) {
	c, f, _ := newCommitter(t)
	check.NoError(t, c.Update(context.Background(), put("a", "1")))
	f.fail = errors.New("disk full")
	err := c.Update(context.Background(), put("b", "1"))
	check.Error(t, err)
	check.True(t, strings.Contains(err.Error(), "disk full"), "error %v", err)
	f.fail = nil
	check.NoError(t, c.Update(context.Background(), put("c", "1")))
	check.Equal(t, int64(2), f.rev, "the failed commit consumed no revision")
	_, ok := f.data["b"]
	check.False(t, ok)
}

func TestHistory(t *testing.T) {
	h := history{start: 10}
	h.add(11, []string{"a"})
	h.add(12, []string{"tasks/1", "b"})
	reads := func(ks ...string) map[string]struct{} {
		m := map[string]struct{}{}
		for _, k := range ks {
			m[k] = struct{}{}
		}
		return m
	}
	check.True(t, h.conflicts(10, reads("a"), nil))
	check.False(t, h.conflicts(11, reads("a"), nil), "a changed at 11, read at 11")
	check.True(t, h.conflicts(11, nil, []string{"tasks/"}))
	check.False(t, h.conflicts(11, reads("c"), []string{"tasks/2"}))
	check.True(t, h.conflicts(9, nil, nil), "older than the history")
	h.truncate(11)
	check.Equal(t, int64(11), h.last())
	check.False(t, h.conflicts(10, reads("b"), nil))

	keys := make([]string, maxHistoryKeys/2+1)
	for i := range keys {
		keys[i] = fmt.Sprint(i)
	}
	h.add(12, keys)
	h.add(13, keys)
	check.Equal(t, int64(12), h.start, "the oldest revisions go over the bound")
	h.truncate(11)
	check.Equal(t, int64(11), h.start)
	check.Equal(t, int64(11), h.last())
}
