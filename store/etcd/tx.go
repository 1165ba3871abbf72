package etcd

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/ecskit/ecs/store"
)

// snap is what the snapshot held at one key: its value and ModRevision, or
// modRev 0 for an absent key.
type snap struct {
	value  []byte
	modRev int64
}

// write is one buffered write: a value, or a delete.
type write struct {
	value []byte
	del   bool
}

// tx is a transaction over one etcd revision. Reads go to etcd at that
// revision (the first read fixes it); writes stay in memory until commit.
// It is used by one goroutine, the one running fn.
type tx struct {
	s     *Store
	ctx   context.Context
	write bool
	done  bool
	// err is the first etcd failure; it fails the transaction even if fn
	// swallowed the error it got.
	err error
	rev int64 // 0 until the first read

	seen   map[string]snap  // every key read or listed, as of rev
	got    map[string]bool  // keys read with Get: each is compared at commit
	listed map[string]bool  // prefixes listed: each is guarded at commit
	writes map[string]write // buffered writes
}

func newTx(s *Store, ctx context.Context, writable bool) *tx {
	return &tx{s: s, ctx: ctx, write: writable,
		seen: map[string]snap{}, got: map[string]bool{}, listed: map[string]bool{}, writes: map[string]write{}}
}

func (t *tx) end() { t.done = true }

// fail records the first etcd error and returns it in the store's terms.
func (t *tx) fail(err error) error {
	if t.write && t.rev != 0 && (errors.Is(err, rpctypes.ErrCompacted) || errors.Is(err, rpctypes.ErrFutureRev)) {
		err = errStale
	} else {
		err = t.s.wrap(t.ctx, err)
	}
	if t.err == nil {
		t.err = err
	}
	return err
}

// read runs a Get at the transaction's revision, fixing it on first use.
func (t *tx) read(key string, opts ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	if t.rev != 0 {
		// The first read was linearizable, so the member that served it
		// holds rev; a read at a fixed revision then needs no quorum. A
		// member that does not hold it yet refuses (a conflict).
		opts = append(opts, clientv3.WithRev(t.rev), clientv3.WithSerializable())
	}
	resp, err := t.s.client.Get(t.ctx, key, opts...)
	if err != nil {
		return nil, t.fail(err)
	}
	if t.rev == 0 {
		t.rev = resp.Header.Revision
	}
	return resp, nil
}

// lookup returns the snapshot's view of key, reading it if needed.
func (t *tx) lookup(key string) (snap, error) {
	if sn, ok := t.seen[key]; ok {
		return sn, nil
	}
	resp, err := t.read(t.s.prefix + key)
	if err != nil {
		return snap{}, err
	}
	var sn snap
	if len(resp.Kvs) > 0 {
		sn = snap{value: nonNil(resp.Kvs[0].Value), modRev: resp.Kvs[0].ModRevision}
	}
	t.seen[key] = sn
	return sn, nil
}

func (t *tx) usable() error {
	if t.done {
		return errTxDone
	}
	return t.err
}

// Get returns the record at key as of the snapshot, or as this transaction
// wrote it (with Version 0).
func (t *tx) Get(key string) (store.Record, error) {
	if err := t.usable(); err != nil {
		return store.Record{}, err
	}
	if w, ok := t.writes[key]; ok {
		if w.del {
			return store.Record{}, fmt.Errorf("%q: %w", key, store.ErrNotFound)
		}
		return store.Record{Key: key, Value: clone(w.value)}, nil
	}
	sn, err := t.lookup(key)
	if err != nil {
		return store.Record{}, err
	}
	t.got[key] = true
	if sn.modRev == 0 {
		return store.Record{}, fmt.Errorf("%q: %w", key, store.ErrNotFound)
	}
	return store.Record{Key: key, Value: clone(sn.value), Version: sn.modRev}, nil
}

// List returns the records under prefix, merging this transaction's
// writes into the snapshot.
func (t *tx) List(prefix string) ([]store.Record, error) {
	if err := t.usable(); err != nil {
		return nil, err
	}
	resp, err := t.read(t.s.prefix+prefix, clientv3.WithPrefix())
	if err != nil {
		return nil, err
	}
	t.listed[prefix] = true
	recs := map[string]store.Record{}
	for _, kv := range resp.Kvs {
		key := strings.TrimPrefix(string(kv.Key), t.s.prefix)
		value := nonNil(kv.Value)
		t.seen[key] = snap{value: value, modRev: kv.ModRevision}
		recs[key] = store.Record{Key: key, Value: clone(value), Version: kv.ModRevision}
	}
	for key, w := range t.writes {
		switch {
		case !strings.HasPrefix(key, prefix):
		case w.del:
			delete(recs, key)
		default:
			recs[key] = store.Record{Key: key, Value: clone(w.value)}
		}
	}
	out := make([]store.Record, 0, len(recs))
	for _, k := range slices.Sorted(maps.Keys(recs)) {
		out = append(out, recs[k])
	}
	return out, nil
}

// Put buffers a write of a copy of value.
func (t *tx) Put(key string, value []byte) error {
	if err := t.writable(key); err != nil {
		return err
	}
	t.writes[key] = write{value: clone(value)}
	return nil
}

// Delete buffers a delete.
func (t *tx) Delete(key string) error {
	if err := t.writable(key); err != nil {
		return err
	}
	t.writes[key] = write{del: true}
	return nil
}

func (t *tx) writable(key string) error {
	if err := t.usable(); err != nil {
		return err
	}
	if !t.write {
		return store.ErrReadOnly
	}
	if key == "" {
		return errEmptyKey
	}
	return nil
}

// Revision returns the snapshot's etcd revision, fixing it if no read has
// yet. If etcd cannot be reached it returns 0 and the transaction fails.
func (t *tx) Revision() int64 {
	if t.rev == 0 && t.usable() == nil {
		_, _ = t.read(t.s.fence, clientv3.WithCountOnly())
	}
	return t.rev
}

// commit is the etcd Txn an Update sends.
type commit struct {
	cmps []clientv3.Cmp
	ops  []clientv3.Op
}

// prepare builds the commit Txn; it returns nil if the transaction changes
// nothing. A delete of a key the snapshot did not hold is dropped (so a
// no-op consumes no revision) and guarded like a read.
func (t *tx) prepare() (*commit, error) {
	if n := len(t.writes); n > t.s.limits.MaxOps {
		return nil, t.tooLarge(fmt.Sprintf("%d writes", n))
	}
	var c commit
	deleted := false
	for _, key := range slices.Sorted(maps.Keys(t.writes)) {
		w := t.writes[key]
		if !w.del {
			c.ops = append(c.ops, clientv3.OpPut(t.s.prefix+key, string(w.value)))
			continue
		}
		sn, err := t.lookup(key)
		if err != nil {
			return nil, err
		}
		t.got[key] = true
		if sn.modRev != 0 {
			c.ops = append(c.ops, clientv3.OpDelete(t.s.prefix+key))
			deleted = true
		}
	}
	if len(c.ops) == 0 {
		return nil, nil
	}
	if err := t.checkSize(); err != nil {
		return nil, err
	}
	if deleted {
		c.ops = append(c.ops, clientv3.OpPut(t.s.fence, ""))
	}
	for key := range t.got {
		if t.coveredByList(key) {
			continue
		}
		c.cmps = append(c.cmps, clientv3.Compare(clientv3.ModRevision(t.s.prefix+key), "=", t.seen[key].modRev))
	}
	for prefix := range t.listed {
		c.cmps = append(c.cmps, clientv3.Compare(clientv3.ModRevision(t.s.prefix+prefix), "<", t.rev+1).WithPrefix())
	}
	if len(t.listed) > 0 {
		c.cmps = append(c.cmps, clientv3.Compare(clientv3.ModRevision(t.s.fence), "<", t.rev+1))
	}
	return &c, nil
}

// checkSize checks the reads and bytes of the transaction against the
// store's Limits, counted as store.Limits documents.
func (t *tx) checkSize() error {
	lim := t.s.limits
	if n := len(t.got) + len(t.listed); n > lim.MaxOps {
		return t.tooLarge(fmt.Sprintf("%d reads", n))
	}
	size := 0
	for k, w := range t.writes {
		size += len(k) + len(w.value)
	}
	for k := range t.got {
		size += len(k)
	}
	for p := range t.listed {
		size += 2 * len(p)
	}
	if size > lim.MaxBytes {
		return t.tooLarge(fmt.Sprintf("%d bytes", size))
	}
	return nil
}

func (t *tx) tooLarge(what string) error {
	lim := t.s.limits
	return fmt.Errorf("store/etcd: transaction of %s, beyond the limits of %d operations and %d bytes (etcd's --max-txn-ops and --max-request-bytes): %w",
		what, lim.MaxOps, lim.MaxBytes, store.ErrTooLarge)
}

// coveredByList reports whether key lies under a listed prefix, whose guard
// already catches any change to it.
func (t *tx) coveredByList(key string) bool {
	for p := range t.listed {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// clone copies b; the copy of an empty value is empty, not nil.
func clone(b []byte) []byte { return append([]byte{}, b...) }

// nonNil returns b, or an empty slice for nil: etcd does not tell an empty
// value from a missing one, but the key's presence does.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
