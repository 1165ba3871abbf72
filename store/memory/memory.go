// Package memory is the default, in-process store.Store.
//
// Contract, beyond the one of package store:
//
//   - Writers are serialised: one Update runs at a time, so Update never
//     reports store.ErrConflict. An Update waiting for its turn gives up when
//     its context is done (so an Update nested in another waits for its
//     context).
//   - Readers never wait for writers. View reads the last committed
//     revision, a snapshot that later commits do not change; records are
//     kept in a copy-on-write B+tree, so Get and List cost O(log n) plus
//     what they return, and a commit copies only the nodes on the paths it
//     changed.
//   - A transaction commits only if fn returns nil and its context is not
//     done. A panic in fn rolls back and is re-raised to the caller.
//   - A revision is consumed only by a transaction that changes something:
//     a Put always does (the record's Version moves), a Delete of a missing
//     key does not, and neither does a Put followed by a Delete of a key
//     that did not exist before the transaction.
//   - Inside the transaction that wrote it, a record's Version is 0 (not yet
//     assigned).
//   - Values are copied on Put and on every read and event, so callers may
//     reuse and modify their buffers.
//   - Watch keeps a bounded history (WithHistory, default 100,000 events;
//     WithHistoryBytes, default 64 MiB of keys and values). A Watch after a
//     revision older than the history fails with store.ErrCompacted, and so
//     does a running watcher that falls more than the history behind: it
//     ends with Err matching store.ErrCompacted after delivering every
//     event it still could, never skipping one. The writer never waits for
//     a watcher. Events of one revision arrive in key order.
//   - Close waits for a running Update, then ends every watcher with
//     store.ErrClosed. Closing twice returns nil.
//
// The zero revision is the empty store.
package memory

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/internal/watchlog"
	"github.com/ecskit/ecs/store/internal/writer"
)

// Store is an in-memory store.Store. Create it with New.
type Store struct {
	current atomic.Pointer[snapshot]

	// writer admits the running Update (and Close) one at a time.
	writer *writer.Gate
	txid   uint64 // last writer id; guarded by writer

	log *watchlog.Log

	closeOnce sync.Once
}

// snapshot is one committed revision. It is never modified.
type snapshot struct {
	root *node
	rev  int64
}

var _ store.Store = (*Store)(nil)

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
	s := &Store{
		writer: writer.New(),
		log:    watchlog.New(0, c.history, c.historyBytes),
	}
	s.current.Store(&snapshot{root: newLeaf()})
	return s
}

// View runs fn in a read-only transaction on the latest committed revision.
func (s *Store) View(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.writer.Closed() {
		return store.ErrClosed
	}
	snap := s.current.Load()
	tx := &txn{root: snap.root, rev: snap.rev}
	defer tx.end()
	return fn(tx)
}

// Update runs fn in a read-write transaction and commits its writes as the
// next revision when fn returns nil and ctx is not done.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	release, err := s.writer.Enter(ctx)
	if err != nil {
		return err
	}
	defer release()

	snap := s.current.Load()
	s.txid++
	tx := &txn{
		root:    snap.root,
		rev:     snap.rev,
		w:       &tree{root: snap.root, txid: s.txid, degree: defaultDegree},
		touched: map[string]struct{}{},
	}
	defer tx.end()
	if err := fn(tx); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	events := tx.events(snap.root)
	if len(events) == 0 {
		return nil
	}
	rev := snap.rev + 1
	s.log.Append(rev, events)
	s.current.Store(&snapshot{root: tx.w.root, rev: rev})
	return nil
}

// Watch streams the changes under prefix after afterRevision; see the
// package documentation for history bounds.
func (s *Store) Watch(ctx context.Context, prefix string, afterRevision int64) (store.Watcher, error) {
	if s.writer.Closed() {
		return nil, store.ErrClosed
	}
	return s.log.Watch(ctx, prefix, afterRevision)
}

// Compact forgets the watch history up to and including revision rev.
// Watches after an older revision fail with store.ErrCompacted.
func (s *Store) Compact(rev int64) error {
	if s.writer.Closed() {
		return store.ErrClosed
	}
	s.log.Compact(rev)
	return nil
}

// Revision returns the latest committed revision.
func (s *Store) Revision() int64 { return s.current.Load().rev }

// Close waits for a running Update, then releases the store and ends all
// watchers. It always returns nil.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.writer.Close()
		s.log.Close()
	})
	return nil
}
