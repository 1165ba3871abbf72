package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/internal/check"
)

// The property test: workers run random transactions concurrently, and the
// result is checked against a sequential model.
//
//   - transfer: read two bank accounts, move money if the source can pay
//     (the total is conserved, no balance goes negative);
//   - increment: read-modify-write a counter (no increment is lost);
//   - toggle: create a tmp record if absent, delete it if present;
//   - abort: transfer, then fail (nothing may be visible);
//   - audit: sum all accounts in a View (a consistent snapshot shows the
//     total).
//
// Afterwards an unfiltered watch from before the workload must be a
// gap-free sequence of revisions, each of which is one legal operation
// applied to the model; replaying it must give the final state; a watch
// read during the workload must deliver the same events; and
// prefix-filtered watches, some started after the workload, must deliver
// exactly the matching events.
const (
	propAccounts = 8
	propCounters = 4
	propToggles  = 4
	propInitial  = 1000
	propWorkers  = 8
)

var errAbort = errors.New("abort")

func accountKey(i int) string { return fmt.Sprintf("bank/%02d", i) }
func counterKey(i int) string { return fmt.Sprintf("counters/%02d", i) }
func toggleKey(i int) string  { return fmt.Sprintf("tmp/%02d", i) }

func testProperty(t *testing.T, s store.Store) {
	ops := 400
	if testing.Short() {
		ops = 60
	}
	ctx := context.Background()
	// Setup: every account holds propInitial, every counter 0.
	err := s.Update(ctx, func(tx store.Tx) error {
		for i := range propAccounts {
			if err := tx.Put(accountKey(i), []byte(strconv.Itoa(propInitial))); err != nil {
				return err
			}
		}
		for i := range propCounters {
			if err := tx.Put(counterKey(i), []byte("0")); err != nil {
				return err
			}
		}
		return nil
	})
	check.NoError(t, err)
	r0 := revision(t, s)
	model := map[string]string{}
	for _, r := range list(t, s, "") {
		model[r.Key] = string(r.Value)
	}

	all := watch(t, s, "", r0)
	counters := watch(t, s, "counters/", r0)
	// live is read while the workers run.
	live := watch(t, s, "", r0)
	liveEvents := make(chan []store.Event, 1)
	go func() {
		var evs []store.Event
		defer func() { liveEvents <- evs }()
		for ev := range live.Events() {
			evs = append(evs, ev)
			if ev.Record.Key == "zz/end" {
				return
			}
		}
	}()

	increments := make([][propCounters]int, propWorkers)
	var wg sync.WaitGroup
	for w := range propWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := propWorker(ctx, s, rand.New(rand.NewPCG(uint64(w), 42)), ops, &increments[w]); err != nil {
				t.Errorf("worker %d: %v", w, err)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	end := put(t, s, "zz/end", "")

	// Late watches replay history committed before they began.
	bank := watch(t, s, "bank/", r0)
	tmp := watch(t, s, "tmp/", r0)

	events := drainUntil(t, all, end)
	replayed := replay(t, model, r0, events)
	final := map[string]string{}
	for _, r := range list(t, s, "") {
		final[r.Key] = string(r.Value)
	}
	check.Equal(t, final, replayed, "replaying the watch does not give the final state")

	total := 0
	for i := range propAccounts {
		total += mustAtoi(t, final[accountKey(i)])
	}
	check.Equal(t, propAccounts*propInitial, total, "money was created or destroyed")
	for c := range propCounters {
		want := 0
		for w := range propWorkers {
			want += increments[w][c]
		}
		check.Equal(t, strconv.Itoa(want), final[counterKey(c)], "counter %d lost increments", c)
	}

	check.Equal(t, sortEvents(events), sortEvents(<-liveEvents), "the watch read during the workload (ended with %v)", live.Err())

	for _, tc := range []struct {
		prefix string
		w      store.Watcher
	}{{"counters/", counters}, {"bank/", bank}, {"tmp/", tmp}} {
		want := filterPrefix(events, tc.prefix)
		got := next(t, tc.w, len(want))
		check.Equal(t, sortEvents(want), sortEvents(got), "watch of %q", tc.prefix)
	}
}

// propWorker runs ops random operations and counts the increments that
// committed.
func propWorker(ctx context.Context, s store.Store, rng *rand.Rand, ops int, increments *[propCounters]int) error {
	for range ops {
		var err error
		switch p := rng.IntN(100); {
		case p < 40:
			err = transfer(ctx, s, rng.Perm(propAccounts)[:2], 1+rng.IntN(300), nil)
		case p < 65:
			c := rng.IntN(propCounters)
			err = increment(ctx, s, c)
			if err == nil {
				increments[c]++
			}
		case p < 75:
			err = toggle(ctx, s, rng.IntN(propToggles))
		case p < 85:
			err = transfer(ctx, s, rng.Perm(propAccounts)[:2], 1+rng.IntN(300), errAbort)
			if errors.Is(err, errAbort) {
				err = nil
			} else if err == nil {
				err = errors.New("an aborted transfer committed")
			}
		default:
			err = audit(ctx, s)
		}
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return nil
}

func readInt(tx store.Tx, key string) (int, error) {
	r, err := tx.Get(key)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(string(r.Value))
}

func transfer(ctx context.Context, s store.Store, accts []int, amount int, fail error) error {
	from, to := accountKey(accts[0]), accountKey(accts[1])
	return s.Update(ctx, func(tx store.Tx) error {
		a, err := readInt(tx, from)
		if err != nil {
			return err
		}
		b, err := readInt(tx, to)
		if err != nil {
			return err
		}
		if a < amount {
			return fail
		}
		if err := tx.Put(from, []byte(strconv.Itoa(a-amount))); err != nil {
			return err
		}
		if err := tx.Put(to, []byte(strconv.Itoa(b+amount))); err != nil {
			return err
		}
		if fail == nil {
			return auditTx(tx) // the transaction sees its own writes
		}
		return fail
	})
}

func increment(ctx context.Context, s store.Store, c int) error {
	return s.Update(ctx, func(tx store.Tx) error {
		n, err := readInt(tx, counterKey(c))
		if err != nil {
			return err
		}
		return tx.Put(counterKey(c), []byte(strconv.Itoa(n+1)))
	})
}

func toggle(ctx context.Context, s store.Store, i int) error {
	return s.Update(ctx, func(tx store.Tx) error {
		_, err := tx.Get(toggleKey(i))
		switch {
		case errors.Is(err, store.ErrNotFound):
			return tx.Put(toggleKey(i), []byte("on"))
		case err != nil:
			return err
		}
		return tx.Delete(toggleKey(i))
	})
}

func audit(ctx context.Context, s store.Store) error {
	return s.View(ctx, auditTx)
}

func auditTx(tx store.Tx) error {
	recs, err := tx.List("bank/")
	if err != nil {
		return err
	}
	total := 0
	for _, r := range recs {
		n, err := strconv.Atoi(string(r.Value))
		if err != nil {
			return err
		}
		total += n
	}
	if len(recs) != propAccounts || total != propAccounts*propInitial {
		return fmt.Errorf("audit at revision %d: %d accounts hold %d", tx.Revision(), len(recs), total)
	}
	return nil
}

// drainUntil receives events up to and including the single-event
// revision end.
func drainUntil(t *testing.T, w store.Watcher, end int64) []store.Event {
	t.Helper()
	var evs []store.Event
	for {
		ev := next(t, w, 1)[0]
		evs = append(evs, ev)
		if ev.Revision == end {
			return evs
		}
	}
}

// replay applies events to a copy of model, checking that revisions follow
// r0 without gaps and that each revision is one legal operation.
func replay(t *testing.T, model map[string]string, r0 int64, events []store.Event) map[string]string {
	t.Helper()
	m := make(map[string]string, len(model))
	for k, v := range model {
		m[k] = v
	}
	want := r0 + 1
	for len(events) > 0 {
		n := 1
		for n < len(events) && events[n].Revision == events[0].Revision {
			n++
		}
		group := events[:n]
		events = events[n:]
		check.Equal(t, want, group[0].Revision, "revisions must follow each other without gaps")
		want++
		checkOperation(t, m, group)
		for _, ev := range group {
			check.Equal(t, ev.Revision, ev.Record.Version, "event version")
			if ev.Type == store.EventDelete {
				delete(m, ev.Record.Key)
			} else {
				m[ev.Record.Key] = string(ev.Record.Value)
			}
		}
	}
	return m
}

// checkOperation checks that the events of one revision are one legal
// operation on m.
func checkOperation(t *testing.T, m map[string]string, group []store.Event) {
	t.Helper()
	key := group[0].Record.Key
	rev := group[0].Revision
	switch {
	case strings.HasPrefix(key, "counters/"):
		check.Len(t, group, 1, "revision %d: increment", rev)
		check.Equal(t, mustAtoi(t, m[key])+1, mustAtoi(t, string(group[0].Record.Value)),
			"revision %d: %s lost an increment", rev, key)
	case strings.HasPrefix(key, "tmp/"):
		check.Len(t, group, 1, "revision %d: toggle", rev)
		_, present := m[key]
		want := store.EventPut
		if present {
			want = store.EventDelete
		}
		check.Equal(t, want, group[0].Type, "revision %d: toggle of %s", rev, key)
	case strings.HasPrefix(key, "bank/"):
		check.Len(t, group, 2, "revision %d: transfer", rev)
		before, after := 0, 0
		for _, ev := range group {
			check.True(t, strings.HasPrefix(ev.Record.Key, "bank/"), "revision %d: transfer touched %s", rev, ev.Record.Key)
			v := mustAtoi(t, string(ev.Record.Value))
			check.GreaterOrEqual(t, v, 0, "revision %d: negative balance", rev)
			before += mustAtoi(t, m[ev.Record.Key])
			after += v
		}
		check.Equal(t, before, after, "revision %d: transfer changed the total", rev)
	case key == "zz/end":
	default:
		t.Fatalf("revision %d: unexpected key %q", rev, key)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	check.NoError(t, err)
	return n
}

func filterPrefix(evs []store.Event, prefix string) []store.Event {
	var out []store.Event
	for _, ev := range evs {
		if strings.HasPrefix(ev.Record.Key, prefix) {
			out = append(out, ev)
		}
	}
	return out
}

// sortEvents orders events by revision, then key: the order within one
// revision is not part of the contract.
func sortEvents(evs []store.Event) []store.Event {
	out := slices.Clone(evs)
	slices.SortStableFunc(out, func(a, b store.Event) int {
		return cmp.Or(cmp.Compare(a.Revision, b.Revision), strings.Compare(a.Record.Key, b.Record.Key))
	})
	return out
}
