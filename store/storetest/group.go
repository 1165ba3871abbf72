package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/internal/check"
)

// testConcurrentCommits starts eight Updates that all read before any of
// them commits, so that they commit together (stores that commit in
// groups put them in one or two groups). Two of them increment the same
// key: they conflict, and exactly one of them must run again, alone; the
// other six, which touch keys of their own, run once. Every transaction
// commits as its own revision and no increment is lost.
func testConcurrentCommits(t *testing.T, s store.Store) {
	const n = 8
	own := func(i int) string { return fmt.Sprintf("group/own/%d", i) }
	const hot = "group/hot"
	ctx := context.Background()
	err := s.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			if err := tx.Put(own(i), []byte("0")); err != nil {
				return err
			}
		}
		return tx.Put(hot, []byte("0"))
	})
	check.NoError(t, err)
	r0 := revision(t, s)
	w := watch(t, s, "group/", r0)

	var (
		runs    [n]atomic.Int32
		arrived sync.WaitGroup
		release = make(chan struct{})
		errs    = make(chan error, n)
	)
	arrived.Add(n)
	for i := range n {
		go func() {
			errs <- s.Update(ctx, func(tx store.Tx) error {
				first := runs[i].Add(1) == 1
				a, errA := readInt(tx, own(i))
				h, errH := 0, error(nil)
				if i < 2 {
					h, errH = readInt(tx, hot)
				}
				if first { // every first run reads revision r0
					arrived.Done()
					<-release
				}
				if err := cmp.Or(errA, errH); err != nil {
					return err
				}
				if i < 2 {
					if err := tx.Put(hot, []byte(strconv.Itoa(h+1))); err != nil {
						return err
					}
				}
				return tx.Put(own(i), []byte(strconv.Itoa(a+1)))
			})
		}()
	}
	arrived.Wait()
	close(release)
	for range n {
		check.NoError(t, <-errs)
	}
	check.Equal(t, int32(3), runs[0].Load()+runs[1].Load(), "the two increments of %s ran three times in all", hot)
	for i := 2; i < n; i++ {
		check.Equal(t, int32(1), runs[i].Load(), "transaction %d conflicted with nothing but ran again", i)
	}

	events := next(t, w, n+2)
	hotValues := []string{}
	for len(events) > 0 {
		rev := events[0].Revision
		var keys []string
		for len(events) > 0 && events[0].Revision == rev {
			keys = append(keys, events[0].Record.Key)
			if events[0].Record.Key == hot {
				hotValues = append(hotValues, string(events[0].Record.Value))
			}
			events = events[1:]
		}
		r0++
		check.Equal(t, r0, rev, "one revision per transaction, without gaps")
		if len(keys) == 2 {
			check.True(t, keys[0] == hot || keys[1] == hot, "revision %d holds %v", rev, keys)
		} else {
			check.Len(t, keys, 1, "revision %d holds %v", rev, keys)
			check.True(t, strings.HasPrefix(keys[0], "group/own/"), "revision %d holds %v", rev, keys)
		}
	}
	check.Equal(t, []string{"1", "2"}, hotValues, "the increments of %s", hot)
	want := map[string]string{hot: "2"}
	for i := range n {
		want[own(i)] = "1"
	}
	requireState(t, s, r0, want)
}

// testLimits checks the bounds a store reports: a transaction at its
// Limits commits, and one write, one read or one byte more fails with
// store.ErrTooLarge and commits nothing. A store without bounds takes a
// transaction larger than etcd's default bounds.
func testLimits(t *testing.T, s store.Store) {
	lim := store.LimitsOf(s)
	check.True(t, lim.MaxOps > 0 && lim.MaxBytes > 0, "limits %+v", lim)
	ctx := context.Background()
	key := func(i int) string { return fmt.Sprintf("limits/%06d", i) }
	update := func(reads, writes, valueSize int) error {
		return s.Update(ctx, func(tx store.Tx) error {
			for i := range reads {
				if _, err := tx.Get(key(1_000_000 - 1 - i)); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
			}
			value := make([]byte, valueSize)
			for i := range writes {
				if err := tx.Put(key(i), value); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if lim.MaxOps == math.MaxInt && lim.MaxBytes == math.MaxInt {
		check.NoError(t, update(1000, 1000, 2<<10), "a transaction of 1,000 writes of 2 KiB")
		check.Len(t, list(t, s, "limits/"), 1000)
		return
	}
	ops := lim.MaxOps
	check.True(t, ops <= 100_000, "MaxOps %d is too large to test", ops)
	keyBytes := len(key(0))
	// Reads and writes at MaxOps; the values fill what is left of
	// MaxBytes after the keys written and read.
	valueSize := (lim.MaxBytes - 2*ops*keyBytes) / ops
	check.True(t, valueSize >= 0, "MaxBytes %d does not hold %d keys", lim.MaxBytes, 2*ops)
	r := revision(t, s)
	check.NoError(t, update(ops, ops, valueSize), "a transaction at the limits %+v", lim)
	check.Equal(t, r+1, revision(t, s))
	r++

	check.ErrorIs(t, update(0, ops+1, 0), store.ErrTooLarge, "one write too many")
	check.ErrorIs(t, update(ops+1, 1, 0), store.ErrTooLarge, "one read too many")
	// Fill MaxBytes exactly with writes, then add one byte.
	size := lim.MaxBytes - keyBytes
	check.ErrorIs(t, s.Update(ctx, func(tx store.Tx) error {
		return tx.Put(key(0), make([]byte, size+1))
	}), store.ErrTooLarge, "one byte too many")
	check.Equal(t, r, revision(t, s), "a transaction that is too large committed")
}
