package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/internal/check"
)

func testGetPutDelete(t *testing.T, s store.Store) {
	_, err := getRecord(t, s, "clusters/default")
	check.ErrorIs(t, err, store.ErrNotFound)

	rev := put(t, s, "clusters/default", "v1")
	rec, err := getRecord(t, s, "clusters/default")
	check.NoError(t, err)
	check.Equal(t, store.Record{Key: "clusters/default", Value: []byte("v1"), Version: rev}, rec)

	rev2 := put(t, s, "clusters/default", "v2")
	check.Equal(t, rev+1, rev2)
	rec, err = getRecord(t, s, "clusters/default")
	check.NoError(t, err)
	check.Equal(t, "v2", string(rec.Value))
	check.Equal(t, rev2, rec.Version)

	del(t, s, "clusters/default")
	_, err = getRecord(t, s, "clusters/default")
	check.ErrorIs(t, err, store.ErrNotFound)

	// An empty value is a value, not a missing record.
	put(t, s, "empty", "")
	rec, err = getRecord(t, s, "empty")
	check.NoError(t, err)
	check.Empty(t, rec.Value)
}

func testList(t *testing.T, s store.Store) {
	put(t, s, "b/2", "4", "a/2", "2", "ab", "3", "a/1", "1", "a", "0", "b/1", "5")
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"", []string{"a", "a/1", "a/2", "ab", "b/1", "b/2"}},
		{"a", []string{"a", "a/1", "a/2", "ab"}},
		{"a/", []string{"a/1", "a/2"}},
		{"a/2", []string{"a/2"}},
		{"b/", []string{"b/1", "b/2"}},
		{"c", nil},
		{"a/3", nil},
	} {
		t.Run(fmt.Sprintf("prefix %q", tc.prefix), func(t *testing.T) {
			recs := list(t, s, tc.prefix)
			if diff := cmp.Diff(tc.want, keysOf(recs), cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("List(%q) keys (-want +got):\n%s", tc.prefix, diff)
			}
		})
	}
	recs := list(t, s, "a/")
	check.Equal(t, "1", string(recs[0].Value))
	check.Equal(t, "2", string(recs[1].Value))
}

// testListManyKeys writes enough keys in random order to need a deep index,
// deletes a random part, and compares List with a sorted model.
func testListManyKeys(t *testing.T, s store.Store) {
	rng := rand.New(rand.NewPCG(7, 7))
	model := map[string]string{}
	for batch := range 10 {
		err := s.Update(context.Background(), func(tx store.Tx) error {
			for i := range 300 {
				k := fmt.Sprintf("tasks/%05d", rng.IntN(5000))
				if i%4 == 0 {
					delete(model, k)
					if err := tx.Delete(k); err != nil {
						return err
					}
					continue
				}
				v := fmt.Sprint(batch, i)
				model[k] = v
				if err := tx.Put(k, []byte(v)); err != nil {
					return err
				}
			}
			return nil
		})
		check.NoError(t, err)
	}
	put(t, s, "task", "x", "tasks0", "y")
	recs := list(t, s, "tasks/")
	want := make([]string, 0, len(model))
	for k := range model {
		want = append(want, k)
	}
	slices.Sort(want)
	check.Equal(t, want, keysOf(recs))
	for _, r := range recs {
		check.Equal(t, model[r.Key], string(r.Value), "value of %s", r.Key)
	}
}

func testReadYourWrites(t *testing.T, s store.Store) {
	put(t, s, "k/1", "old", "k/2", "gone")
	err := s.Update(context.Background(), func(tx store.Tx) error {
		check.NoError(t, tx.Put("k/1", []byte("new")))
		check.NoError(t, tx.Put("k/3", []byte("created")))
		check.NoError(t, tx.Delete("k/2"))

		rec, err := tx.Get("k/1")
		check.NoError(t, err)
		check.Equal(t, "new", string(rec.Value))
		check.Zero(t, rec.Version, "version of a record written in this transaction")
		_, err = tx.Get("k/2")
		check.ErrorIs(t, err, store.ErrNotFound)

		recs, err := tx.List("k/")
		check.NoError(t, err)
		check.Equal(t, []string{"k/1", "k/3"}, keysOf(recs))
		check.Equal(t, "created", string(recs[1].Value))
		return nil
	})
	check.NoError(t, err)
}

func testValuesAreCopied(t *testing.T, s store.Store) {
	buf := []byte("original")
	err := s.Update(context.Background(), func(tx store.Tx) error {
		if err := tx.Put("k", buf); err != nil {
			return err
		}
		copy(buf, "CHANGED!") // the caller reuses its buffer inside the tx
		rec, err := tx.Get("k")
		check.NoError(t, err)
		check.Equal(t, "original", string(rec.Value))
		rec.Value[0] = 'X' // and scribbles on what it read
		return nil
	})
	check.NoError(t, err)
	copy(buf, "AGAIN!!!")

	rec, err := getRecord(t, s, "k")
	check.NoError(t, err)
	check.Equal(t, "original", string(rec.Value))
	rec.Value[0] = 'Y'
	recs := list(t, s, "")
	check.Equal(t, "original", string(recs[0].Value))
	recs[0].Value = append(recs[0].Value, "-appended"...)
	rec, err = getRecord(t, s, "k")
	check.NoError(t, err)
	check.Equal(t, "original", string(rec.Value))
}

func testVersions(t *testing.T, s store.Store) {
	r0 := revision(t, s)
	r1 := put(t, s, "a", "1", "b", "1")
	check.Equal(t, r0+1, r1, "one transaction, one revision")
	r2 := put(t, s, "a", "2")
	check.Equal(t, r1+1, r2)
	r3 := put(t, s, "c", "1")
	check.Equal(t, r2+1, r3)

	recs := list(t, s, "")
	got := map[string]int64{}
	for _, r := range recs {
		got[r.Key] = r.Version
	}
	check.Equal(t, map[string]int64{"a": r2, "b": r1, "c": r3}, got)

	// Rewriting identical bytes is still a write.
	r4 := put(t, s, "b", "1")
	check.Equal(t, r3+1, r4)
	rec, err := getRecord(t, s, "b")
	check.NoError(t, err)
	check.Equal(t, r4, rec.Version)

	check.Equal(t, r4+1, del(t, s, "a"))

	// Transactions see the revision they read at.
	err = s.Update(context.Background(), func(tx store.Tx) error {
		check.Equal(t, r4+1, tx.Revision())
		return tx.Put("d", nil)
	})
	check.NoError(t, err)
	check.Equal(t, r4+2, revision(t, s))
}

func testNoOpTransactions(t *testing.T, s store.Store) {
	r := put(t, s, "a", "1")
	for _, tc := range []struct {
		name string
		fn   func(tx store.Tx) error
	}{
		{"nothing", func(store.Tx) error { return nil }},
		{"reads only", func(tx store.Tx) error {
			_, err := tx.Get("a")
			if err != nil {
				return err
			}
			_, err = tx.List("")
			return err
		}},
		{"delete of a missing key", func(tx store.Tx) error { return tx.Delete("missing") }},
		{"create then delete", func(tx store.Tx) error {
			if err := tx.Put("temp", []byte("x")); err != nil {
				return err
			}
			return tx.Delete("temp")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check.NoError(t, s.Update(context.Background(), tc.fn))
			check.Equal(t, r, revision(t, s))
		})
	}
	_, err := getRecord(t, s, "temp")
	check.ErrorIs(t, err, store.ErrNotFound)
}

var errBoom = errors.New("boom")

func testRollbackOnError(t *testing.T, s store.Store) {
	r := put(t, s, "a", "1", "b", "1")
	err := s.Update(context.Background(), func(tx store.Tx) error {
		check.NoError(t, tx.Put("a", []byte("2")))
		check.NoError(t, tx.Delete("b"))
		check.NoError(t, tx.Put("c", []byte("2")))
		return fmt.Errorf("wrapped: %w", errBoom)
	})
	check.ErrorIs(t, err, errBoom)
	requireState(t, s, r, map[string]string{"a": "1", "b": "1"})
}

func testRollbackOnPanic(t *testing.T, s store.Store) {
	r := put(t, s, "a", "1")
	check.PanicsWithValue(t, "boom", func() {
		_ = s.Update(context.Background(), func(tx store.Tx) error {
			check.NoError(t, tx.Put("a", []byte("2")))
			check.NoError(t, tx.Put("c", []byte("2")))
			panic("boom")
		})
	})
	requireState(t, s, r, map[string]string{"a": "1"})
	// The store is still usable: the panic released the writer.
	check.Equal(t, r+1, put(t, s, "a", "3"))
}

// requireState checks the store's revision and every record's value.
func requireState(t *testing.T, s store.Store, rev int64, want map[string]string) {
	t.Helper()
	check.Equal(t, rev, revision(t, s), "revision")
	got := map[string]string{}
	for _, r := range list(t, s, "") {
		got[r.Key] = string(r.Value)
	}
	check.Equal(t, want, got)
}

func testViewIsReadOnly(t *testing.T, s store.Store) {
	r := put(t, s, "a", "1")
	err := s.View(context.Background(), func(tx store.Tx) error {
		check.ErrorIs(t, tx.Put("a", []byte("2")), store.ErrReadOnly)
		check.ErrorIs(t, tx.Put("b", []byte("2")), store.ErrReadOnly)
		check.ErrorIs(t, tx.Delete("a"), store.ErrReadOnly)
		return errBoom
	})
	check.ErrorIs(t, err, errBoom, "View returns the error of fn")
	requireState(t, s, r, map[string]string{"a": "1"})
}

func testTxAfterEnd(t *testing.T, s store.Store) {
	put(t, s, "a", "1")
	var leaked store.Tx
	check.NoError(t, s.Update(context.Background(), func(tx store.Tx) error {
		leaked = tx
		return nil
	}))
	check.Error(t, leaked.Put("a", []byte("2")))
	check.Error(t, leaked.Delete("a"))
	_, err := leaked.Get("a")
	check.Error(t, err)
	requireState(t, s, revision(t, s), map[string]string{"a": "1"})
}

func testInvalidKey(t *testing.T, s store.Store) {
	err := s.Update(context.Background(), func(tx store.Tx) error {
		return tx.Put("", []byte("x"))
	})
	check.Error(t, err)
	check.Empty(t, list(t, s, ""))
}

func testContextDone(t *testing.T, s store.Store) {
	r := put(t, s, "a", "1")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	fn := func(store.Tx) error { called = true; return nil }
	check.ErrorIs(t, s.View(ctx, fn), context.Canceled)
	check.ErrorIs(t, s.Update(ctx, fn), context.Canceled)
	check.False(t, called, "fn ran with a done context")
	if w, err := s.Watch(ctx, "", r); err != nil {
		check.ErrorIs(t, err, context.Canceled)
	} else {
		for range w.Events() {
		}
		check.NoError(t, w.Err())
	}

	// A context that ends while fn runs stops the commit.
	ctx, cancel = context.WithCancel(context.Background())
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put("a", []byte("2")); err != nil {
			return err
		}
		cancel()
		return nil
	})
	check.ErrorIs(t, err, context.Canceled)
	requireState(t, s, r, map[string]string{"a": "1"})
}

func testClose(t *testing.T, s store.Store) {
	r := put(t, s, "a", "1")
	w, err := s.Watch(context.Background(), "", r)
	check.NoError(t, err)
	check.NoError(t, s.Close())

	for ev := range w.Events() {
		t.Fatalf("event after Close: %+v", ev)
	}
	check.ErrorIs(t, w.Err(), store.ErrClosed)

	fn := func(store.Tx) error { return nil }
	check.ErrorIs(t, s.View(context.Background(), fn), store.ErrClosed)
	check.ErrorIs(t, s.Update(context.Background(), fn), store.ErrClosed)
	_, err = s.Watch(context.Background(), "", r)
	check.ErrorIs(t, err, store.ErrClosed)
}
