package memory

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ecskit/ecs/store"
)

// errTxDone is returned by a Tx used after its function returned.
var errTxDone = fmt.Errorf("store: transaction used after it ended: %w", store.ErrClosed)

// errEmptyKey is returned by Put and Delete for the empty key.
var errEmptyKey = errors.New("store: key must not be empty")

// txn is a transaction on one snapshot. A read-write txn (w != nil) writes
// into its own copy-on-write tree; nothing is visible to others until
// Update publishes that tree.
type txn struct {
	root    *node // the tree read: the snapshot, or w.root while writing
	rev     int64
	w       *tree
	touched map[string]struct{}
	done    bool
}

var _ store.Tx = (*txn)(nil)

func (tx *txn) end() { tx.done = true }

func (tx *txn) tree() *node {
	if tx.w != nil {
		return tx.w.root
	}
	return tx.root
}

// record copies e out, hiding the pending version of this txn's writes.
func (tx *txn) record(e *entry, value []byte) store.Record {
	v := e.version
	if tx.w != nil && v == tx.rev+1 {
		v = 0
	}
	return store.Record{Key: e.key, Value: value, Version: v}
}

// Get returns the record at key.
func (tx *txn) Get(key string) (store.Record, error) {
	if tx.done {
		return store.Record{}, errTxDone
	}
	e, ok := get(tx.tree(), key)
	if !ok {
		return store.Record{}, fmt.Errorf("get %q: %w", key, store.ErrNotFound)
	}
	return tx.record(e, append([]byte{}, e.value...)), nil
}

// List returns the records under prefix in key order. All values share one
// freshly allocated buffer, each capped so appending to one cannot overwrite
// another.
func (tx *txn) List(prefix string) ([]store.Record, error) {
	if tx.done {
		return nil, errTxDone
	}
	var found []*entry
	size := 0
	ascend(tx.tree(), prefix, func(e *entry) bool {
		if !strings.HasPrefix(e.key, prefix) {
			return false
		}
		found = append(found, e)
		size += len(e.value)
		return true
	})
	if len(found) == 0 {
		return nil, nil
	}
	buf := make([]byte, 0, size)
	recs := make([]store.Record, len(found))
	for i, e := range found {
		start := len(buf)
		buf = append(buf, e.value...)
		recs[i] = tx.record(e, buf[start:len(buf):len(buf)])
	}
	return recs, nil
}

// Put writes a copy of value at key.
func (tx *txn) Put(key string, value []byte) error {
	if err := tx.writable(key); err != nil {
		return err
	}
	tx.w.put(entry{key: key, value: append([]byte{}, value...), version: tx.rev + 1})
	tx.touched[key] = struct{}{}
	return nil
}

// Delete removes the record at key, if any.
func (tx *txn) Delete(key string) error {
	if err := tx.writable(key); err != nil {
		return err
	}
	if tx.w.remove(key) {
		tx.touched[key] = struct{}{}
	}
	return nil
}

func (tx *txn) writable(key string) error {
	switch {
	case tx.done:
		return errTxDone
	case tx.w == nil:
		return store.ErrReadOnly
	case key == "":
		return errEmptyKey
	}
	return nil
}

// Revision returns the revision this transaction reads at.
func (tx *txn) Revision() int64 { return tx.rev }

// events returns the net changes of the txn against base, in key order.
// Event values share the tree's immutable values.
func (tx *txn) events(base *node) []store.Event {
	keys := make([]string, 0, len(tx.touched))
	for k := range tx.touched {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	rev := tx.rev + 1
	var evs []store.Event
	for _, k := range keys {
		if e, ok := get(tx.w.root, k); ok {
			evs = append(evs, store.Event{Type: store.EventPut, Revision: rev,
				Record: store.Record{Key: k, Value: e.value, Version: rev}})
		} else if _, existed := get(base, k); existed {
			evs = append(evs, store.Event{Type: store.EventDelete, Revision: rev,
				Record: store.Record{Key: k, Version: rev}})
		}
	}
	return evs
}
