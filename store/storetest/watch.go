package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/internal/check"
)

// next receives n events from w, failing the test if the watch ends first.
func next(t *testing.T, w store.Watcher, n int) []store.Event {
	t.Helper()
	evs := make([]store.Event, 0, n)
	for len(evs) < n {
		ev, ok := <-w.Events()
		if !ok {
			t.Fatalf("watch ended after %d of %d events: %v", len(evs), n, w.Err())
		}
		evs = append(evs, ev)
	}
	return evs
}

func putEvent(key, value string, rev int64) store.Event {
	return store.Event{Type: store.EventPut, Revision: rev,
		Record: store.Record{Key: key, Value: []byte(value), Version: rev}}
}

func deleteEvent(key string, rev int64) store.Event {
	return store.Event{Type: store.EventDelete, Revision: rev,
		Record: store.Record{Key: key, Version: rev}}
}

func watch(t *testing.T, s store.Store, prefix string, after int64) store.Watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w, err := s.Watch(ctx, prefix, after)
	check.NoError(t, err)
	return w
}

func testWatchFromRevision(t *testing.T, s store.Store) {
	r0 := revision(t, s)
	r1 := put(t, s, "a", "1")
	r2 := put(t, s, "b", "1")
	r3 := del(t, s, "a")

	// Events committed before Watch was called are delivered first.
	w := watch(t, s, "", r1)
	check.Equal(t, []store.Event{putEvent("b", "1", r2), deleteEvent("a", r3)}, next(t, w, 2))
	r4 := put(t, s, "c", "1")
	check.Equal(t, []store.Event{putEvent("c", "1", r4)}, next(t, w, 1))

	all := watch(t, s, "", r0)
	check.Equal(t, []store.Event{
		putEvent("a", "1", r1), putEvent("b", "1", r2), deleteEvent("a", r3), putEvent("c", "1", r4),
	}, next(t, all, 4))

	// Event values belong to the receiver.
	latest := watch(t, s, "", r4)
	r5 := put(t, s, "d", "1")
	ev := next(t, latest, 1)[0]
	ev.Record.Value[0] = 'X'
	check.Equal(t, putEvent("d", "1", r5), next(t, all, 1)[0])
}

func testWatchMultiKeyTx(t *testing.T, s store.Store) {
	r := put(t, s, "y", "0", "z", "0")
	w := watch(t, s, "", r)
	err := s.Update(context.Background(), func(tx store.Tx) error {
		for _, k := range []string{"x/2", "x/1"} {
			if err := tx.Put(k, []byte(k)); err != nil {
				return err
			}
		}
		if err := tx.Put("z", []byte("first")); err != nil {
			return err
		}
		if err := tx.Put("z", []byte("last")); err != nil {
			return err
		}
		return tx.Delete("y")
	})
	check.NoError(t, err)
	want := []store.Event{
		putEvent("x/1", "x/1", r+1), putEvent("x/2", "x/2", r+1),
		deleteEvent("y", r+1), putEvent("z", "last", r+1),
	}
	check.Equal(t, sortEvents(want), sortEvents(next(t, w, 4)), "one event per changed key, with its final value")
	r2 := put(t, s, "after", "1")
	check.Equal(t, []store.Event{putEvent("after", "1", r2)}, next(t, w, 1))
}

func testWatchPrefix(t *testing.T, s store.Store) {
	r := revision(t, s)
	w := watch(t, s, "a/", r)
	put(t, s, "ab", "1")
	put(t, s, "a", "1")
	put(t, s, "b/1", "1")
	r4 := put(t, s, "a/1", "1", "b/2", "1")
	r5 := del(t, s, "ab", "a/1")
	check.Equal(t, []store.Event{putEvent("a/1", "1", r4), deleteEvent("a/1", r5)}, next(t, w, 2))
}

func testWatchCancel(t *testing.T, s store.Store) {
	r := put(t, s, "a", "1")
	ctx, cancel := context.WithCancel(context.Background())
	w, err := s.Watch(ctx, "", r)
	check.NoError(t, err)
	cancel()
	for ev := range w.Events() {
		t.Fatalf("unexpected event %+v", ev)
	}
	check.NoError(t, w.Err())
}

func testWatchFuture(t *testing.T, s store.Store) {
	r := revision(t, s)
	w := watch(t, s, "", r+2)
	put(t, s, "a", "1")
	put(t, s, "a", "2")
	r3 := put(t, s, "a", "3")
	check.Equal(t, []store.Event{putEvent("a", "3", r3)}, next(t, w, 1))
}

// requireCompacted checks that a Watch after rev fails with ErrCompacted,
// from Watch itself or as the Err of a watcher that delivers nothing.
func requireCompacted(t *testing.T, s store.Store, rev int64) {
	t.Helper()
	w, err := s.Watch(context.Background(), "", rev)
	if err != nil {
		check.ErrorIs(t, err, store.ErrCompacted)
		return
	}
	for ev := range w.Events() {
		t.Fatalf("watch after compacted revision %d delivered %+v", rev, ev)
	}
	check.ErrorIs(t, w.Err(), store.ErrCompacted)
}

func testCompaction(t *testing.T, s store.Store) {
	c, ok := s.(Compactor)
	if !ok {
		t.Logf("%T does not implement Compactor; nothing to check", s)
		return
	}
	var revs []int64
	for i := range 5 {
		revs = append(revs, put(t, s, "k", fmt.Sprint(i)))
	}
	check.NoError(t, c.Compact(revs[2]))
	requireCompacted(t, s, revs[0])
	requireCompacted(t, s, revs[1])
	w := watch(t, s, "", revs[2])
	check.Equal(t, []store.Event{putEvent("k", "3", revs[3]), putEvent("k", "4", revs[4])}, next(t, w, 2))
}

// testCompactionOfRunningWatch compacts past a watcher that has not read
// anything: it must deliver a gap-free prefix and then end with
// ErrCompacted, or (if it had already taken the events) deliver them all.
func testCompactionOfRunningWatch(t *testing.T, s store.Store) {
	c, ok := s.(Compactor)
	if !ok {
		t.Logf("%T does not implement Compactor; nothing to check", s)
		return
	}
	r0 := revision(t, s)
	w := watch(t, s, "", r0)
	last := r0
	for i := range 300 {
		last = put(t, s, "k", fmt.Sprint(i))
	}
	check.NoError(t, c.Compact(last))
	final := put(t, s, "k", "final")

	want := r0 + 1
	for ev := range w.Events() {
		check.Equal(t, want, ev.Revision, "watch skipped a revision")
		if ev.Revision == final {
			return // it had taken everything before the compaction
		}
		want++
	}
	check.ErrorIs(t, w.Err(), store.ErrCompacted)
}
