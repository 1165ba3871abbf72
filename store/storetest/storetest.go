// Package storetest is the conformance suite every store.Store
// implementation runs: storetest.Run(t, open).
//
// Besides the contract in the documentation of package store, the suite
// holds implementations to these rules, on which ecskit relies:
//
//   - A transaction consumes a revision only if it changes a record: a
//     transaction that only reads, that deletes missing keys, or that
//     creates a key and deletes it again commits nothing. So an unfiltered
//     watch sees every revision, without gaps.
//   - For an EventDelete, Record.Key is the deleted key, Record.Value is nil
//     and Record.Version is the revision of the delete. For an EventPut,
//     Record.Version equals Event.Revision.
//   - Inside the transaction that wrote it, a record's Version is 0.
//   - List returns records sorted by key; prefix matching is plain string
//     prefix matching ("a/" does not match "ab").
//   - Put copies the value: changing the caller's buffer afterwards changes
//     nothing, and neither does changing a value a read returned.
//   - Update returns the error of fn unchanged (errors.Is matches it) and
//     re-raises a panic of fn; both roll back. An Update whose context is
//     done before it commits rolls back and returns the context's error.
//   - View and Update with a context that is already done return the
//     context's error without running fn; Watch returns that error too, or
//     a watcher that ends at once with a nil Err.
//   - A View reads one revision throughout: it does not see the
//     uncommitted writes of a running Update, nor what commits while it is
//     open, and neither waits for the other.
//   - Put and Delete inside View fail with store.ErrReadOnly, and Put with
//     an empty key fails. A Tx used after its function returned fails.
//   - Watch with an afterRevision the store no longer holds fails with
//     store.ErrCompacted, either from Watch or as the watcher's Err after
//     it delivered nothing. A running watcher that the history left behind
//     ends with Err matching store.ErrCompacted after a gap-free prefix of
//     the events: it never skips one.
//   - After Close, View, Update and Watch fail with store.ErrClosed and
//     running watchers end with Err matching store.ErrClosed. A watcher
//     whose context ends closes its channel with a nil Err.
//   - The functions of concurrent Updates run concurrently (the first
//     time each runs): no store holds a lock while an Update's fn runs for
//     the first time. Updates that read before any of them commits and
//     conflict in pairs fail alone: only the one that lost runs again; the
//     others commit and run once each, every one as its own revision.
//   - store.LimitsOf(s) is exact: a transaction at the limits commits, one
//     more write, read or byte fails with store.ErrTooLarge and commits
//     nothing.
//
// Stores that can forget history on demand implement Compactor, and the
// suite then checks the compaction paths too.
//
// The Property subtest runs random transactions from many goroutines and
// checks the outcome against a sequential model; see property.go.
package storetest

import (
	"context"
	"testing"

	"github.com/ecskit/ecs/store"
)

// Compactor is implemented by stores that can forget their watch history
// up to and including a revision.
type Compactor interface {
	Compact(rev int64) error
}

// Run runs the whole suite. open must return a new, empty store for each
// call; Run closes every store it opens.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	o := func(t *testing.T) store.Store {
		t.Helper()
		s := open(t)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"GetPutDelete", testGetPutDelete},
		{"List", testList},
		{"ListManyKeys", testListManyKeys},
		{"ReadYourWrites", testReadYourWrites},
		{"ValuesAreCopied", testValuesAreCopied},
		{"Versions", testVersions},
		{"NoOpTransactions", testNoOpTransactions},
		{"RollbackOnError", testRollbackOnError},
		{"RollbackOnPanic", testRollbackOnPanic},
		{"ViewIsReadOnly", testViewIsReadOnly},
		{"TxAfterEnd", testTxAfterEnd},
		{"InvalidKey", testInvalidKey},
		{"ContextDone", testContextDone},
		{"ViewSnapshotAcrossCommit", testViewSnapshotAcrossCommit},
		{"ViewDuringUpdate", testViewDuringUpdate},
		{"WatchFromRevision", testWatchFromRevision},
		{"WatchMultiKeyTx", testWatchMultiKeyTx},
		{"WatchPrefix", testWatchPrefix},
		{"WatchCancel", testWatchCancel},
		{"WatchFuture", testWatchFuture},
		{"Compaction", testCompaction},
		{"CompactionOfRunningWatch", testCompactionOfRunningWatch},
		{"Close", testClose},
		{"ConcurrentCommits", testConcurrentCommits},
		{"Limits", testLimits},
		{"Property", testProperty},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, o(t)) })
	}
}

// put commits key/value pairs in one transaction and returns the revision
// that committed them.
func put(t *testing.T, s store.Store, kv ...string) int64 {
	t.Helper()
	if len(kv)%2 != 0 {
		t.Fatalf("put: odd number of arguments")
	}
	err := s.Update(context.Background(), func(tx store.Tx) error {
		for i := 0; i < len(kv); i += 2 {
			if err := tx.Put(kv[i], []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("put: %v", err)
	}
	return revision(t, s)
}

// del deletes keys in one transaction and returns the store revision after.
func del(t *testing.T, s store.Store, keys ...string) int64 {
	t.Helper()
	err := s.Update(context.Background(), func(tx store.Tx) error {
		for _, k := range keys {
			if err := tx.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	return revision(t, s)
}

// revision returns the store's current revision.
func revision(t *testing.T, s store.Store) int64 {
	t.Helper()
	var rev int64
	if err := s.View(context.Background(), func(tx store.Tx) error {
		rev = tx.Revision()
		return nil
	}); err != nil {
		t.Fatalf("view: %v", err)
	}
	return rev
}

// getRecord reads one record in a View.
func getRecord(t *testing.T, s store.Store, key string) (store.Record, error) {
	t.Helper()
	var rec store.Record
	err := s.View(context.Background(), func(tx store.Tx) error {
		var err error
		rec, err = tx.Get(key)
		return err
	})
	return rec, err
}

// list reads the records under prefix in a View.
func list(t *testing.T, s store.Store, prefix string) []store.Record {
	t.Helper()
	var recs []store.Record
	if err := s.View(context.Background(), func(tx store.Tx) error {
		var err error
		recs, err = tx.List(prefix)
		return err
	}); err != nil {
		t.Fatalf("list %q: %v", prefix, err)
	}
	return recs
}

// keysOf returns the keys of recs in order.
func keysOf(recs []store.Record) []string {
	ks := make([]string, len(recs))
	for i, r := range recs {
		ks[i] = r.Key
	}
	return ks
}
