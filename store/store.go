// Package store defines where ecskit keeps its state: a small, versioned
// key-value store with multi-record transactions and a watch.
//
// The contract, which every implementation must honour and which
// store/storetest checks:
//
//   - Every record carries a Version: the store revision at which it was last
//     written. Revisions grow by one with every committed write transaction
//     and are never reused.
//   - Update runs fn in a read-write transaction. Reads inside it are
//     snapshot-consistent; the writes commit atomically only if no record the
//     transaction read (or listed) has changed since it read it
//     (compare-and-swap). On such a conflict the implementation may run fn
//     again; if it gives up it returns an error matching ErrConflict. fn must
//     therefore have no side effects besides its Tx calls. An error returned
//     by fn, or a panic in it, rolls the transaction back.
//   - View runs fn in a read-only, snapshot-consistent transaction.
//   - Watch delivers every committed change under a prefix, in revision
//     order, starting after a given revision. A revision that the store no
//     longer remembers yields ErrCompacted; the caller lists afresh and
//     watches from the revision of that list.
//   - A store may bound the size of one transaction (etcd does: operations
//     per Txn and bytes per request). It then implements Limiter, and an
//     Update whose writes or reads exceed its Limits fails before anything
//     is sent or committed, with an error matching ErrTooLarge; callers that
//     write many records split them into transactions that fit (LimitsOf).
//
// Keys are slash-separated strings such as "clusters/default". Values are
// opaque bytes (ecskit stores JSON).
package store

import (
	"context"
	"errors"
	"math"
)

// Errors returned by stores. Implementations wrap them with %w.
var (
	// ErrNotFound is returned by Tx.Get for a key that holds no record.
	ErrNotFound = errors.New("store: record not found")
	// ErrConflict is returned by Update when the transaction kept
	// conflicting with concurrent writers.
	ErrConflict = errors.New("store: transaction conflict")
	// ErrCompacted is returned by Watch when the requested revision is
	// older than the oldest one the store still remembers.
	ErrCompacted = errors.New("store: revision compacted")
	// ErrReadOnly is returned by Put and Delete inside View.
	ErrReadOnly = errors.New("store: read-only transaction")
	// ErrClosed is returned by every call after Close.
	ErrClosed = errors.New("store: closed")
	// ErrTooLarge is returned by Update, or by the Tx call that went over,
	// when a transaction exceeds the store's Limits; nothing of it is
	// committed, and running it again fails again.
	ErrTooLarge = errors.New("store: transaction too large")
)

// Limits bounds one read-write transaction. A transaction fits when
//
//   - it writes (Puts or Deletes) at most MaxOps distinct keys,
//   - it reads at most MaxOps distinct keys with Get and prefixes with
//     List (a delete of a key it did not read counts as a read), and
//   - the bytes of the keys and values it writes, plus those of the keys
//     and twice those of the prefixes it reads, total at most MaxBytes.
//
// A store reserves its own overhead (key prefixes, encoding, bookkeeping
// keys) within these figures, so a transaction that fits never fails for
// its size. math.MaxInt means no bound.
type Limits struct {
	MaxOps   int
	MaxBytes int
}

// Limiter is implemented by stores that report their Limits.
type Limiter interface {
	// Limits returns the store's bounds on one transaction.
	Limits() Limits
}

// LimitsOf returns the Limits of s, or no bounds (math.MaxInt) if s does
// not implement Limiter.
func LimitsOf(s Store) Limits {
	if l, ok := s.(Limiter); ok {
		return l.Limits()
	}
	return Limits{MaxOps: math.MaxInt, MaxBytes: math.MaxInt}
}

// Record is one versioned value.
type Record struct {
	Key   string
	Value []byte
	// Version is the store revision of the write that produced this value.
	Version int64
}

// Tx is a transaction. It is valid only inside the function passed to View
// or Update and must not be used from other goroutines.
type Tx interface {
	// Get returns the record at key, or an error matching ErrNotFound.
	Get(key string) (Record, error)
	// List returns every record whose key starts with prefix, sorted by key.
	List(prefix string) ([]Record, error)
	// Put creates or replaces the record at key. The new version is
	// assigned at commit.
	Put(key string, value []byte) error
	// Delete removes the record at key; deleting a missing key is not an
	// error.
	Delete(key string) error
	// Revision is the store revision this transaction reads at.
	Revision() int64
}

// EventType says what happened to a record.
type EventType int

const (
	// EventPut is a create or an update.
	EventPut EventType = iota + 1
	// EventDelete is a removal; Record.Value is nil.
	EventDelete
)

// Event is one committed change.
type Event struct {
	Type   EventType
	Record Record
	// Revision is the revision of the transaction that made the change.
	Revision int64
}

// Store is a versioned key-value store. Implementations are safe for
// concurrent use.
type Store interface {
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(tx Tx) error) error
	// Update runs fn in a read-write transaction that commits when fn
	// returns nil (see the package documentation for conflicts).
	Update(ctx context.Context, fn func(tx Tx) error) error
	// Watch streams changes to keys under prefix made after revision
	// afterRevision. The channel is closed when ctx is done or the store is
	// closed; a watch that cannot continue (for example after compaction)
	// delivers a final event-less close and Err reports why.
	Watch(ctx context.Context, prefix string, afterRevision int64) (Watcher, error)
	// Close releases the store. Calls after Close fail with ErrClosed.
	Close() error
}

// Watcher is a running watch.
type Watcher interface {
	// Events delivers changes in revision order; it is closed when the
	// watch ends.
	Events() <-chan Event
	// Err reports why the watch ended: nil after the context was
	// cancelled, otherwise ErrCompacted, ErrClosed or a store error.
	Err() error
}
