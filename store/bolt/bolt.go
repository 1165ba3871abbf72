// Package bolt is a store.Store kept in one bbolt file, for a single host
// that must survive restarts.
//
// Contract, beyond the one of package store:
//
//   - A committed Update is durable: bbolt syncs the file before Update
//     returns (unless WithNoSync). A crash leaves the file at the last
//     committed revision; records, their versions and the revision are
//     stored together, so they always agree.
//   - Updates are optimistic and committed in groups, as in package
//     memory (see store/internal/writer): fn runs at once, in a bbolt read
//     transaction on the latest committed revision, concurrently with
//     other Updates; the transactions that finish while a commit is
//     running are committed together next, in one bbolt write transaction
//     and one fsync, each as its own revision and each only if nothing it
//     read (or listed) changed since its snapshot. A transaction that
//     conflicts runs again inside the next group, where it cannot
//     conflict: Update never reports store.ErrConflict, and fn runs at
//     most twice. Views run concurrently with each other and with the
//     writer, each on the snapshot it began on.
//   - A commit that must grow the file's memory map waits until open Views
//     and running Update functions end; WithInitialMmapSize (default 64 MiB)
//     makes that rare. Neither a View nor an Update's fn may therefore wait
//     for an Update.
//   - A transaction commits only if fn returns nil and its context is not
//     done. A panic in fn rolls back and is re-raised to the caller.
//   - A revision is consumed only by a transaction that changes a record
//     (see package memory for the exact rule, which this package shares).
//     Inside the transaction that wrote it, a record's Version is 0.
//   - A key holds at most bbolt.MaxKeySize bytes and a value at most
//     bbolt.MaxValueSize-8; a larger Put fails with an error matching
//     store.ErrTooLarge. A transaction as a whole has no bound: Limits
//     reports math.MaxInt.
//   - Watch history lives in memory: it starts at the revision the file had
//     when it was opened and holds a bounded number of events (WithHistory,
//     default 100,000; WithHistoryBytes, default 64 MiB). Watching after an
//     older revision, or falling that far behind, fails with
//     store.ErrCompacted; the caller lists afresh.
//   - Close waits for the running Updates, ends every watcher with
//     store.ErrClosed and closes the file. Closing twice returns nil.
//
// The file holds two buckets: "records" maps each key to an 8-byte
// big-endian version followed by the value, and "meta" holds the revision.
package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/internal/watchlog"
	"github.com/ecskit/ecs/store/internal/writer"
)

var (
	bucketMeta    = []byte("meta")
	bucketRecords = []byte("records")
	keyRevision   = []byte("revision")
	keyFormat     = []byte("format")
	formatV1      = []byte("ecskit-store-v1")
)

// versionSize is the length of the version prefix of every stored value.
const versionSize = 8

// maxValueSize is the largest value a Put accepts: bbolt's bound less the
// version prefix.
const maxValueSize = bbolt.MaxValueSize - versionSize

// Store is a store.Store in a bbolt file. Create it with Open.
type Store struct {
	db  *bbolt.DB
	rev atomic.Int64 // the last committed revision

	w   *writer.Committer
	log *watchlog.Log
	// pending is the write transaction of the group being committed; used
	// only by the group's leader.
	pending *bbolt.Tx

	closeOnce sync.Once
	closeErr  error
}

var (
	_ store.Store   = (*Store)(nil)
	_ store.Limiter = (*Store)(nil)
)

// Option configures Open.
type Option func(*config)

type config struct {
	history     int
	histBytes   int
	noSync      bool
	lockTimeout time.Duration
	mmapSize    int
}

// WithHistory bounds the in-memory watch history to about n events.
// n <= 0 selects the default of 100,000.
func WithHistory(n int) Option { return func(c *config) { c.history = n } }

// WithHistoryBytes bounds the memory the watch history keeps for old
// values to about n bytes. n <= 0 selects the default of 64 MiB.
func WithHistoryBytes(n int) Option { return func(c *config) { c.histBytes = n } }

// WithNoSync skips the fsync after each commit: much faster, and a crash
// of the process still loses nothing, but a crash of the machine may lose
// recent commits or corrupt the file. For tests.
func WithNoSync() Option { return func(c *config) { c.noSync = true } }

// WithLockTimeout bounds how long Open waits for another process to
// release the file (default 1 s; 0 waits forever).
func WithLockTimeout(d time.Duration) Option { return func(c *config) { c.lockTimeout = d } }

// WithInitialMmapSize sets the initial size of the file's memory map
// (default 64 MiB of address space, not of disk).
func WithInitialMmapSize(n int) Option { return func(c *config) { c.mmapSize = n } }

// Open opens or creates the store file at path.
func Open(path string, opts ...Option) (*Store, error) {
	c := config{lockTimeout: time.Second, mmapSize: 64 << 20}
	for _, o := range opts {
		o(&c)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout:         c.lockTimeout,
		NoSync:          c.noSync,
		InitialMmapSize: c.mmapSize,
		FreelistType:    bbolt.FreelistMapType,
	})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	var rev int64
	err = db.Update(func(btx *bbolt.Tx) error {
		meta, err := btx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if _, err := btx.CreateBucketIfNotExists(bucketRecords); err != nil {
			return err
		}
		switch f := meta.Get(keyFormat); {
		case f == nil:
			if err := meta.Put(keyFormat, formatV1); err != nil {
				return err
			}
		case !bytes.Equal(f, formatV1):
			return fmt.Errorf("unknown format %q", f)
		}
		rev, err = readRevision(meta)
		return err
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Store{db: db, log: watchlog.New(rev, c.history, c.histBytes)}
	s.rev.Store(rev)
	s.w = writer.New((*backend)(s), rev, s.log, writer.SizeLimits{MaxKey: bbolt.MaxKeySize, MaxValue: maxValueSize})
	return s, nil
}

func readRevision(meta *bbolt.Bucket) (int64, error) {
	v := meta.Get(keyRevision)
	switch len(v) {
	case 0:
		return 0, nil
	case 8:
		return int64(binary.BigEndian.Uint64(v)), nil
	}
	return 0, fmt.Errorf("corrupt revision of %d bytes", len(v))
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

// Compact forgets the in-memory watch history up to and including
// revision rev. The records on disk are not affected.
func (s *Store) Compact(rev int64) error { return s.log.Compact(rev) }

// Limits reports that the store bounds no transaction as a whole (single
// keys and values are bounded; see the package documentation).
func (s *Store) Limits() store.Limits {
	return store.Limits{MaxOps: math.MaxInt, MaxBytes: math.MaxInt}
}

// Revision returns the latest committed revision.
func (s *Store) Revision() int64 { return s.rev.Load() }

// Close waits for the running Updates, ends all watchers and closes the
// file once open Views have ended.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.w.Close()
		s.log.Close()
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}

// backend is the Store as the writer.Backend of its Committer.
type backend Store

func (b *backend) Snapshot() (writer.Snapshot, int64, func(), error) {
	btx, err := b.db.Begin(false)
	if err != nil {
		if errors.Is(err, berrors.ErrDatabaseNotOpen) {
			err = store.ErrClosed
		}
		return nil, 0, nil, err
	}
	rev, err := readRevision(btx.Bucket(bucketMeta))
	if err != nil {
		_ = btx.Rollback()
		return nil, 0, nil, fmt.Errorf("store: %w", err)
	}
	return bucketSnapshot{btx.Bucket(bucketRecords)}, rev, func() { _ = btx.Rollback() }, nil
}

func (b *backend) Begin() error {
	btx, err := b.db.Begin(true)
	if err != nil {
		return err
	}
	b.pending = btx
	return nil
}

func (b *backend) Pending() writer.Snapshot {
	return bucketSnapshot{b.pending.Bucket(bucketRecords)}
}

func (b *backend) Apply(rev int64, writes []writer.Write) ([]store.Event, error) {
	bk := b.pending.Bucket(bucketRecords)
	evs := make([]store.Event, 0, len(writes))
	for _, w := range writes {
		k := []byte(w.Key)
		if w.Delete {
			if bk.Get(k) == nil {
				continue
			}
			if err := bk.Delete(k); err != nil {
				return nil, fmt.Errorf("delete %q: %w", w.Key, err)
			}
			evs = append(evs, store.Event{Type: store.EventDelete, Revision: rev,
				Record: store.Record{Key: w.Key, Version: rev}})
			continue
		}
		v := make([]byte, versionSize, versionSize+len(w.Value))
		binary.BigEndian.PutUint64(v, uint64(rev))
		if err := bk.Put(k, append(v, w.Value...)); err != nil {
			return nil, fmt.Errorf("put %q: %w", w.Key, err)
		}
		evs = append(evs, store.Event{Type: store.EventPut, Revision: rev,
			Record: store.Record{Key: w.Key, Value: w.Value, Version: rev}})
	}
	return evs, nil
}

func (b *backend) Commit(rev int64) error {
	btx := b.pending
	b.pending = nil
	if err := btx.Bucket(bucketMeta).Put(keyRevision, binary.BigEndian.AppendUint64(nil, uint64(rev))); err != nil {
		_ = btx.Rollback()
		return err
	}
	if err := btx.Commit(); err != nil {
		return err
	}
	b.rev.Store(rev)
	return nil
}

func (b *backend) Abort() {
	if b.pending != nil {
		_ = b.pending.Rollback()
		b.pending = nil
	}
}

// bucketSnapshot reads the records bucket of one bbolt transaction.
type bucketSnapshot struct{ b *bbolt.Bucket }

// decode splits a stored value into its version and payload.
func decode(key, v []byte) ([]byte, int64, error) {
	if len(v) < versionSize {
		return nil, 0, fmt.Errorf("store: record %q: corrupt value of %d bytes", key, len(v))
	}
	return v[versionSize:], int64(binary.BigEndian.Uint64(v)), nil
}

func (s bucketSnapshot) Get(key string) ([]byte, int64, bool, error) {
	v := s.b.Get([]byte(key))
	if v == nil {
		return nil, 0, false, nil
	}
	value, version, err := decode([]byte(key), v)
	return value, version, err == nil, err
}

func (s bucketSnapshot) Scan(prefix string, fn func(key string, value []byte, version int64)) error {
	p := []byte(prefix)
	c := s.b.Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		value, version, err := decode(k, v)
		if err != nil {
			return err
		}
		fn(string(k), value, version)
	}
	return nil
}
