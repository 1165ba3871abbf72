package writer

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ecskit/ecs/store"
)

var (
	// errTxDone is returned by a Tx used after its function returned.
	errTxDone = fmt.Errorf("store: transaction used after it ended: %w", store.ErrClosed)
	// errEmptyKey is returned by Put and Delete for the empty key.
	errEmptyKey = errors.New("store: key must not be empty")
)

// Snapshot is what a transaction reads: one revision of a store's records,
// which does not change while the transaction uses it.
type Snapshot interface {
	// Get returns the value and version at key. The value may be retained
	// only until the next call; Tx copies it.
	Get(key string) (value []byte, version int64, ok bool, err error)
	// Scan calls fn for every record under prefix, in key order. Values
	// may be retained only until fn returns.
	Scan(prefix string, fn func(key string, value []byte, version int64)) error
}

// Write is one buffered change of a transaction: a Put of Value, or a
// Delete.
type Write struct {
	Key string
	// Value is the value of a Put; never nil, owned by the commit.
	Value  []byte
	Delete bool
}

// SizeLimits bound the keys and values a transaction may Put. Zero means
// no bound.
type SizeLimits struct {
	MaxKey, MaxValue int
}

// Tx is a store.Tx over a Snapshot. A read-write Tx buffers its writes
// (reads see them, with Version 0) and remembers what it read from the
// snapshot: the keys read with Get and the prefixes listed, against which
// the commit checks for conflicts.
type Tx struct {
	snap     Snapshot
	rev      int64
	writable bool
	limits   SizeLimits
	done     bool

	reads  map[string]struct{} // keys read from the snapshot with Get
	lists  []string            // prefixes listed
	writes map[string]Write
}

var _ store.Tx = (*Tx)(nil)

// NewView returns a read-only Tx over snap, which is revision rev.
func NewView(snap Snapshot, rev int64) *Tx {
	return &Tx{snap: snap, rev: rev}
}

// newUpdate returns a read-write Tx over snap, which is revision rev.
func newUpdate(snap Snapshot, rev int64, limits SizeLimits) *Tx {
	return &Tx{snap: snap, rev: rev, writable: true, limits: limits,
		reads: map[string]struct{}{}, writes: map[string]Write{}}
}

// End makes every later call fail; call it when the transaction's
// function returns.
func (tx *Tx) End() { tx.done = true }

// Get returns the record at key, as this transaction wrote it or as the
// snapshot holds it.
func (tx *Tx) Get(key string) (store.Record, error) {
	if tx.done {
		return store.Record{}, errTxDone
	}
	if w, ok := tx.writes[key]; ok {
		if w.Delete {
			return store.Record{}, fmt.Errorf("get %q: %w", key, store.ErrNotFound)
		}
		return store.Record{Key: key, Value: append([]byte{}, w.Value...)}, nil
	}
	if tx.reads != nil {
		tx.reads[key] = struct{}{}
	}
	v, version, ok, err := tx.snap.Get(key)
	switch {
	case err != nil:
		return store.Record{}, err
	case !ok:
		return store.Record{}, fmt.Errorf("get %q: %w", key, store.ErrNotFound)
	}
	return store.Record{Key: key, Value: append([]byte{}, v...), Version: version}, nil
}

// List returns the records under prefix in key order. The values read
// from the snapshot share one freshly allocated buffer, each capped so
// that appending to one cannot overwrite another.
func (tx *Tx) List(prefix string) ([]store.Record, error) {
	if tx.done {
		return nil, errTxDone
	}
	if tx.writable {
		tx.lists = append(tx.lists, prefix)
	}
	var (
		recs []store.Record
		ends []int
		buf  []byte
	)
	err := tx.snap.Scan(prefix, func(key string, value []byte, version int64) {
		buf = append(buf, value...)
		ends = append(ends, len(buf))
		recs = append(recs, store.Record{Key: key, Version: version})
	})
	if err != nil {
		return nil, err
	}
	if buf == nil {
		buf = []byte{}
	}
	start := 0
	for i, end := range ends {
		recs[i].Value = buf[start:end:end]
		start = end
	}
	recs = tx.overlay(prefix, recs)
	if len(recs) == 0 {
		return nil, nil
	}
	return recs, nil
}

// overlay merges this transaction's writes under prefix into recs, which
// are in key order.
func (tx *Tx) overlay(prefix string, recs []store.Record) []store.Record {
	var mine []string
	for k := range tx.writes {
		if strings.HasPrefix(k, prefix) {
			mine = append(mine, k)
		}
	}
	if len(mine) == 0 {
		return recs
	}
	slices.Sort(mine)
	out := make([]store.Record, 0, len(recs)+len(mine))
	i := 0
	for _, k := range mine {
		for i < len(recs) && recs[i].Key < k {
			out = append(out, recs[i])
			i++
		}
		if i < len(recs) && recs[i].Key == k {
			i++ // replaced or deleted by this transaction
		}
		if w := tx.writes[k]; !w.Delete {
			out = append(out, store.Record{Key: k, Value: append([]byte{}, w.Value...)})
		}
	}
	return append(out, recs[i:]...)
}

// Put buffers a write of a copy of value at key.
func (tx *Tx) Put(key string, value []byte) error {
	if err := tx.check(key); err != nil {
		return err
	}
	if l := tx.limits.MaxKey; l > 0 && len(key) > l {
		return fmt.Errorf("store: put: key of %d bytes, at most %d allowed: %w", len(key), l, store.ErrTooLarge)
	}
	if l := tx.limits.MaxValue; l > 0 && len(value) > l {
		return fmt.Errorf("store: put %q: value of %d bytes, at most %d allowed: %w", key, len(value), l, store.ErrTooLarge)
	}
	tx.writes[key] = Write{Key: key, Value: append([]byte{}, value...)}
	return nil
}

// Delete buffers a delete of key. Deleting a key the store does not hold
// at commit changes nothing.
func (tx *Tx) Delete(key string) error {
	if err := tx.check(key); err != nil {
		return err
	}
	tx.writes[key] = Write{Key: key, Delete: true}
	return nil
}

func (tx *Tx) check(key string) error {
	switch {
	case tx.done:
		return errTxDone
	case !tx.writable:
		return store.ErrReadOnly
	case key == "":
		return errEmptyKey
	}
	return nil
}

// Revision returns the revision this transaction reads at.
func (tx *Tx) Revision() int64 { return tx.rev }

// sortedWrites returns the buffered writes in key order.
func (tx *Tx) sortedWrites() []Write {
	ws := make([]Write, 0, len(tx.writes))
	for _, w := range tx.writes {
		ws = append(ws, w)
	}
	slices.SortFunc(ws, func(a, b Write) int { return strings.Compare(a.Key, b.Key) })
	return ws
}
