// Package memory is the default, in-process store.Store.
//
// Contract, beyond the one of package store:
//
//   - Updates are optimistic and committed in groups (see package
//     store/internal/writer): fn runs at once on the latest committed
//     revision, concurrently with other Updates, and the transactions that
//     finish while a commit is running are committed together next, each
//     as its own revision and each only if nothing it read (or listed)
//     changed since its snapshot. A transaction that conflicts runs again
//     inside the next group, alone with the group's state, where it cannot
//     conflict: Update never reports store.ErrConflict, and fn runs at
//     most twice. An Update's fn must not wait for another Update (it may
//     run while the group that Update needs waits for it; the other
//     Update then waits for its context).
//   - Readers never wait for writers. View reads the last committed
//     revision, a snapshot that later commits do not change; records are
//     kept in a copy-on-write B+tree, so Get and List cost O(log n) plus
//     what they return, and a group commit copies only the nodes on the
//     paths it changed, each once.
//   - A transaction commits only if fn returns nil and its context is not
//     done. A panic in fn rolls back and is re-raised to the caller.
//   - A revision is consumed only by a transaction that changes something:
//     a Put always does (the record's Version moves), a Delete of a missing
//     key does not, and neither does a Put followed by a Delete of a key
//     the store does not hold at commit.
//   - Inside the transaction that wrote it, a record's Version is 0 (not yet
//     assigned).
//   - Values are copied on Put and on every read and event, so callers may
//     reuse and modify their buffers.
//   - The store has no transaction limits: Limits reports math.MaxInt.
//   - Watch keeps a bounded history (WithHistory, default 100,000 events;
//     WithHistoryBytes, default 64 MiB of keys and values). A Watch after a
//     revision older than the history fails with store.ErrCompacted, and so
//     does a running watcher that falls more than the history behind: it
//     ends with Err matching store.ErrCompacted after delivering every
//     event it still could, never skipping one. The writer never waits for
//     a watcher. Events of one revision arrive in key order.
//   - Close waits for the running Updates, then ends every watcher with
//     store.ErrClosed. Closing twice returns nil.
//
// The zero revision is the empty store.
package memory

import (
	"context"
	"math"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/internal/watchlog"
	"github.com/ecskit/ecs/store/internal/writer"
)

// Store is an in-memory store.Store. Create it with New.
type Store struct {
	current atomic.Pointer[snapshot]

	w   *writer.Committer
	log *watchlog.Log

	// The group being committed; used only by the group's leader.
	txid    uint64
	pending *tree

	closeOnce sync.Once
}

// snapshot is one committed revision. It is never modified.
type snapshot struct {
	root *node
	rev  int64
}

var (
	_ store.Store   = (*Store)(nil)
	_ store.Limiter = (*Store)(nil)
)

// Option configures a Store.
type Option func(*config)

type config struct {
	history, historyBytes int
}

// WithHistory bounds the watch history to n events (the newest revision
// is always kept whole). n <= 0 selects the default of 100,000.
func WithHistory(n int) Option {
	return func(c *config) { c.history = n }
}

// WithHistoryBytes bounds the memory the watch history keeps for old
// values to about n bytes. n <= 0 selects the default of 64 MiB.
func WithHistoryBytes(n int) Option {
	return func(c *config) { c.historyBytes = n }
}

// New returns an empty Store at revision 0.
func New(opts ...Option) *Store {
	var c config
	for _, o := range opts {
		o(&c)
	}
	s := &Store{log: watchlog.New(0, c.history, c.historyBytes)}
	s.current.Store(&snapshot{root: newLeaf()})
	s.w = writer.New((*backend)(s), 0, s.log, writer.SizeLimits{})
	return s
}

// View runs fn in a read-only transaction on the latest committed revision.
func (s *Store) View(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.w.View(ctx, fn)
}

// Update runs fn in a read-write transaction and commits its writes as the
// next revision when fn returns nil and ctx is not done.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.w.Update(ctx, fn)
}

// Watch streams the changes under prefix after afterRevision; see the
// package documentation for history bounds.
func (s *Store) Watch(ctx context.Context, prefix string, afterRevision int64) (store.Watcher, error) {
	return s.log.Watch(ctx, prefix, afterRevision)
}

// Compact forgets the watch history up to and including revision rev.
// Watches after an older revision fail with store.ErrCompacted.
func (s *Store) Compact(rev int64) error { return s.log.Compact(rev) }

// Limits reports that the store bounds no transaction.
func (s *Store) Limits() store.Limits {
	return store.Limits{MaxOps: math.MaxInt, MaxBytes: math.MaxInt}
}

// Revision returns the latest committed revision.
func (s *Store) Revision() int64 { return s.current.Load().rev }

// Close waits for the running Updates, then releases the store and ends
// all watchers. It always returns nil.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.w.Close()
		s.log.Close()
	})
	return nil
}

// backend is the Store as the writer.Backend of its Committer.
type backend Store

func (b *backend) Snapshot() (writer.Snapshot, int64, func(), error) {
	snap := b.current.Load()
	return treeSnapshot{snap.root}, snap.rev, func() {}, nil
}

func (b *backend) Begin() error {
	b.txid++
	b.pending = &tree{root: b.current.Load().root, txid: b.txid, degree: defaultDegree}
	return nil
}

func (b *backend) Pending() writer.Snapshot { return treeSnapshot{b.pending.root} }

func (b *backend) Apply(rev int64, writes []writer.Write) ([]store.Event, error) {
	evs := make([]store.Event, 0, len(writes))
	for _, w := range writes {
		switch {
		case !w.Delete:
			b.pending.put(entry{key: w.Key, value: w.Value, version: rev})
			evs = append(evs, store.Event{Type: store.EventPut, Revision: rev,
				Record: store.Record{Key: w.Key, Value: w.Value, Version: rev}})
		case b.pending.remove(w.Key):
			evs = append(evs, store.Event{Type: store.EventDelete, Revision: rev,
				Record: store.Record{Key: w.Key, Version: rev}})
		}
	}
	return evs, nil
}

func (b *backend) Commit(rev int64) error {
	b.current.Store(&snapshot{root: b.pending.root, rev: rev})
	b.pending = nil
	return nil
}

func (b *backend) Abort() { b.pending = nil }

// treeSnapshot reads one version of the tree. Values are shared with the
// tree, which never changes them; writer.Tx copies them out.
type treeSnapshot struct{ root *node }

func (t treeSnapshot) Get(key string) ([]byte, int64, bool, error) {
	e, ok := get(t.root, key)
	if !ok {
		return nil, 0, false, nil
	}
	return e.value, e.version, true, nil
}

func (t treeSnapshot) Scan(prefix string, fn func(key string, value []byte, version int64)) error {
	ascend(t.root, prefix, func(e *entry) bool {
		if !strings.HasPrefix(e.key, prefix) {
			return false
		}
		fn(e.key, e.value, e.version)
		return true
	})
	return nil
}
