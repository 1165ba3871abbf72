// Package bolt is a store.Store kept in one bbolt file, for a single host
// that must survive restarts.
//
// Contract, beyond the one of package store:
//
//   - A committed Update is durable: bbolt syncs the file before Update
//     returns (unless WithNoSync). A crash leaves the file at the last
//     committed revision; records, their versions and the revision are
//     stored together, so they always agree.
//   - Writers are serialised: one Update runs at a time, so Update never
//     reports store.ErrConflict. An Update waiting for its turn gives up when
//     its context is done (so an Update nested in another waits for its
//     context). Views run concurrently with each other and with the writer,
//     each on the snapshot it began on.
//   - A commit that must grow the file's memory map waits until open Views
//     end; WithInitialMmapSize (default 64 MiB) makes that rare. A View must
//     therefore never wait for an Update.
//   - A transaction commits only if fn returns nil and its context is not
//     done. A panic in fn rolls back and is re-raised to the caller.
//   - A revision is consumed only by a transaction that changes a record
//     (see package memory for the exact rule, which this package shares).
//     Inside the transaction that wrote it, a record's Version is 0.
//   - Watch history lives in memory: it starts at the revision the file had
//     when it was opened and holds a bounded number of events (WithHistory,
//     default 100,000; WithHistoryBytes, default 64 MiB). Watching after an older revision, or falling that
//     far behind, fails with store.ErrCompacted; the caller lists afresh.
//   - Close waits for a running Update, ends every watcher with
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
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"

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

var (
	errTxDone   = fmt.Errorf("store: transaction used after it ended: %w", store.ErrClosed)
	errEmptyKey = errors.New("store: key must not be empty")
	// errNoChange rolls back an Update that changed nothing.
	errNoChange = errors.New("no change")
)

// Store is a store.Store in a bbolt file. Create it with Open.
type Store struct {
	db  *bbolt.DB
	rev atomic.Int64 // the last committed revision

	// writer admits the running Update (and Close) one at a time.
	writer *writer.Gate
	log    *watchlog.Log

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

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
	s := &Store{db: db, writer: writer.New(), log: watchlog.New(rev, c.history, c.histBytes)}
	s.rev.Store(rev)
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
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.writer.Closed() {
		return store.ErrClosed
	}
	return s.db.View(func(btx *bbolt.Tx) error {
		rev, err := readRevision(btx.Bucket(bucketMeta))
		if err != nil {
			return err
		}
		tx := &txn{b: btx.Bucket(bucketRecords), rev: rev}
		defer tx.end()
		return fn(tx)
	})
}

// Update runs fn in a read-write transaction and commits its writes as the
// next revision when fn returns nil and ctx is not done.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	release, err := s.writer.Enter(ctx)
	if err != nil {
		return err
	}
	defer release()
	var (
		events []store.Event
		rev    int64
		fnErr  error // the error of fn, returned unchanged
	)
	err = s.db.Update(func(btx *bbolt.Tx) error {
		meta := btx.Bucket(bucketMeta)
		read, err := readRevision(meta)
		if err != nil {
			return err
		}
		tx := &txn{b: btx.Bucket(bucketRecords), rev: read, touched: map[string]bool{}}
		defer tx.end()
		if fnErr = fn(tx); fnErr != nil {
			return fnErr
		}
		if fnErr = ctx.Err(); fnErr != nil {
			return fnErr
		}
		if events = tx.events(); len(events) == 0 {
			return errNoChange
		}
		rev = read + 1
		return meta.Put(keyRevision, binary.BigEndian.AppendUint64(nil, uint64(rev)))
	})
	switch {
	case fnErr != nil:
		return fnErr
	case err == errNoChange: // our own sentinel, never wrapped
		return nil
	case err != nil:
		return fmt.Errorf("store: commit: %w", err)
	}
	s.log.Append(rev, events)
	s.rev.Store(rev)
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

// Compact forgets the in-memory watch history up to and including
// revision rev. The records on disk are not affected.
func (s *Store) Compact(rev int64) error {
	if s.writer.Closed() {
		return store.ErrClosed
	}
	s.log.Compact(rev)
	return nil
}

// Revision returns the latest committed revision.
func (s *Store) Revision() int64 { return s.rev.Load() }

// Close waits for a running Update, ends all watchers and closes the file
// once open Views have ended.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.writer.Close()
		s.log.Close()
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}

// txn is a transaction over the records bucket of one bbolt transaction.
// A read-write txn remembers, for every key it changed, whether the key
// existed before, to derive the events of the commit.
type txn struct {
	b       *bbolt.Bucket
	rev     int64
	touched map[string]bool // nil in a View
	done    bool
}

var _ store.Tx = (*txn)(nil)

func (tx *txn) end() { tx.done = true }

// decode splits a stored value, copying the payload to dst.
func (tx *txn) decode(key, v, dst []byte) (store.Record, error) {
	if len(v) < versionSize {
		return store.Record{}, fmt.Errorf("store: record %q: corrupt value of %d bytes", key, len(v))
	}
	version := int64(binary.BigEndian.Uint64(v))
	if tx.touched != nil && version == tx.rev+1 {
		version = 0 // written by this transaction; assigned at commit
	}
	return store.Record{Key: string(key), Value: append(dst, v[versionSize:]...), Version: version}, nil
}

// Get returns the record at key.
func (tx *txn) Get(key string) (store.Record, error) {
	if tx.done {
		return store.Record{}, errTxDone
	}
	v := tx.b.Get([]byte(key))
	if v == nil {
		return store.Record{}, fmt.Errorf("get %q: %w", key, store.ErrNotFound)
	}
	return tx.decode([]byte(key), v, make([]byte, 0, len(v)-min(len(v), versionSize)))
}

// List returns the records under prefix in key order.
func (tx *txn) List(prefix string) ([]store.Record, error) {
	if tx.done {
		return nil, errTxDone
	}
	p := []byte(prefix)
	var recs []store.Record
	c := tx.b.Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		r, err := tx.decode(k, v, nil)
		if err != nil {
			return nil, err
		}
		if r.Value == nil {
			r.Value = []byte{}
		}
		recs = append(recs, r)
	}
	return recs, nil
}

// Put writes a copy of value at key.
func (tx *txn) Put(key string, value []byte) error {
	if err := tx.writable(key); err != nil {
		return err
	}
	k := []byte(key)
	tx.touch(key, k)
	v := make([]byte, versionSize, versionSize+len(value))
	binary.BigEndian.PutUint64(v, uint64(tx.rev+1))
	if err := tx.b.Put(k, append(v, value...)); err != nil {
		return fmt.Errorf("store: put %q: %w", key, err)
	}
	return nil
}

// Delete removes the record at key, if any.
func (tx *txn) Delete(key string) error {
	if err := tx.writable(key); err != nil {
		return err
	}
	k := []byte(key)
	if tx.b.Get(k) == nil {
		return nil
	}
	tx.touch(key, k)
	if err := tx.b.Delete(k); err != nil {
		return fmt.Errorf("store: delete %q: %w", key, err)
	}
	return nil
}

// touch records, the first time key changes, whether it existed before.
func (tx *txn) touch(key string, k []byte) {
	if _, ok := tx.touched[key]; !ok {
		tx.touched[key] = tx.b.Get(k) != nil
	}
}

func (tx *txn) writable(key string) error {
	switch {
	case tx.done:
		return errTxDone
	case tx.touched == nil:
		return store.ErrReadOnly
	case key == "":
		return errEmptyKey
	}
	return nil
}

// Revision returns the revision this transaction reads at.
func (tx *txn) Revision() int64 { return tx.rev }

// events returns the net changes of the transaction, in key order, with
// values copied out of the bbolt pages.
func (tx *txn) events() []store.Event {
	keys := make([]string, 0, len(tx.touched))
	for k := range tx.touched {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	rev := tx.rev + 1
	var evs []store.Event
	for _, k := range keys {
		if v := tx.b.Get([]byte(k)); v != nil {
			evs = append(evs, store.Event{Type: store.EventPut, Revision: rev,
				Record: store.Record{Key: k, Value: append([]byte{}, v[versionSize:]...), Version: rev}})
		} else if tx.touched[k] {
			evs = append(evs, store.Event{Type: store.EventDelete, Revision: rev,
				Record: store.Record{Key: k, Version: rev}})
		}
	}
	return evs
}
