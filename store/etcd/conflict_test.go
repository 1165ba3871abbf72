package etcd_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/etcd"
	"github.com/ecskit/ecs/store/etcd/etcdtest"
	"github.com/ecskit/ecs/store/internal/check"
)

// TestConflicts interleaves a concurrent write between the reads and the
// commit of an Update, deterministically, and checks whether the Update
// ran fn again: it must whenever something it read changed.
func TestConflicts(t *testing.T) {
	srv := etcdtest.Start(t)
	client := srv.Client(t)
	ctx := context.Background()
	get := func(key string) func(store.Tx) error {
		return func(tx store.Tx) error { _, err := tx.Get(key); return ignoreNotFound(err) }
	}
	list := func(prefix string) func(store.Tx) error {
		return func(tx store.Tx) error { _, err := tx.List(prefix); return err }
	}
	deleteOf := func(key string) func(store.Tx) error {
		return func(tx store.Tx) error { return tx.Delete(key) }
	}
	// snapshotFirst fixes the snapshot revision before f, as any read would.
	snapshotFirst := func(f func(store.Tx) error) func(store.Tx) error {
		return func(tx store.Tx) error { tx.Revision(); return f(tx) }
	}
	putOf := func(key string) func(store.Tx) error {
		return func(tx store.Tx) error { return tx.Put(key, []byte("mine")) }
	}
	for i, tc := range []struct {
		name      string
		access    func(store.Tx) error // what the Update does besides its own write
		interfere func(store.Tx) error // what commits in between
		conflict  bool
	}{
		{"get, the key changes", get("a/1"), putOf("a/1"), true},
		{"get, the key is deleted", get("a/1"), deleteOf("a/1"), true},
		{"get of an absent key, it is created", get("a/9"), putOf("a/9"), true},
		{"get, another key changes", get("a/1"), putOf("a/2"), false},
		{"list, a key is created under the prefix", list("a/"), putOf("a/3"), true},
		{"list, a listed key changes", list("a/"), putOf("a/2"), true},
		{"list, a listed key is deleted", list("a/"), deleteOf("a/2"), true},
		{"list, a key elsewhere is deleted (the fence is store-wide)", list("a/"), deleteOf("b/1"), true},
		{"list, a key outside the prefix is created", list("a/"), putOf("ab"), false},
		{"list, a key outside the prefix changes", list("a/"), putOf("b/1"), false},
		{"list, a missing key elsewhere is deleted", list("a/"), deleteOf("zz"), false},
		{"delete of an unread key, it is created", snapshotFirst(deleteOf("a/9")), putOf("a/9"), true},
		{"delete of an unread key, it changes (a delete is a read)", snapshotFirst(deleteOf("a/1")), putOf("a/1"), true},
		{"delete before any read: the snapshot follows the other commit", deleteOf("a/1"), putOf("a/1"), false},
		{"put of an unread key, it changes", snapshotFirst(putOf("a/1")), putOf("a/1"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := etcd.New(client, fmt.Sprintf("/conflicts/%d/", i))
			defer s.Close()
			check.NoError(t, s.Update(ctx, func(tx store.Tx) error {
				for _, k := range []string{"a/1", "a/2", "b/1"} {
					if err := tx.Put(k, []byte("0")); err != nil {
						return err
					}
				}
				return nil
			}))
			runs := 0
			err := s.Update(ctx, func(tx store.Tx) error {
				runs++
				if err := tc.access(tx); err != nil {
					return err
				}
				if runs == 1 {
					// A separate transaction commits between this one's
					// reads and its commit.
					if err := s.Update(ctx, tc.interfere); err != nil {
						return err
					}
				}
				return tx.Put("out", []byte(fmt.Sprint(runs)))
			})
			check.NoError(t, err)
			want := 1
			if tc.conflict {
				want = 2
			}
			check.Equal(t, want, runs, "runs of fn")
		})
	}
}

func TestConflictGivesUp(t *testing.T) {
	srv := etcdtest.Start(t)
	ctx := context.Background()
	s, err := etcd.Open(ctx, etcd.Config{Endpoints: srv.Endpoints, Prefix: "gives-up", MaxAttempts: 3})
	check.NoError(t, err)
	defer s.Close()
	check.Equal(t, "gives-up/", s.Prefix())
	runs := 0
	err = s.Update(ctx, func(tx store.Tx) error {
		runs++
		if _, err := tx.List(""); err != nil {
			return err
		}
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.Put("k", []byte(fmt.Sprint(runs))) }); err != nil {
			return err
		}
		return tx.Put("out", nil)
	})
	check.ErrorIs(t, err, store.ErrConflict)
	check.Equal(t, 3, runs)
}

// New leaves its client open at Close; Open closes the one it made.
func TestClientOwnership(t *testing.T) {
	srv := etcdtest.Start(t)
	ctx := context.Background()
	client := srv.Client(t)
	s := etcd.New(client, "")
	check.Equal(t, etcd.DefaultPrefix, s.Prefix())
	check.NoError(t, s.Close())
	_, err := client.Get(ctx, "k")
	check.NoError(t, err, "the client of a store made by New works after Close")

	opened, err := etcd.Open(ctx, etcd.Config{Endpoints: srv.Endpoints})
	check.NoError(t, err)
	check.NoError(t, opened.Close())
	_, err = opened.Client().Get(ctx, "k")
	check.Error(t, err, "the client of a store made by Open is closed by Close")
	check.NoError(t, opened.Close(), "closing twice")

	_, err = etcd.Open(ctx, etcd.Config{})
	check.Error(t, err)
}

func ignoreNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// Two stores on one prefix, each with its own client (two control-plane
// replicas), increment shared counters concurrently: no increment that
// Update reported committed is lost, and none that failed shows.
func TestReplicasShareState(t *testing.T) {
	srv := etcdtest.Start(t)
	ctx := context.Background()
	replicas := make([]*etcd.Store, 2)
	for i := range replicas {
		replicas[i] = etcd.New(srv.Client(t), "/replicas/")
		defer replicas[i].Close()
	}
	const workers, ops, counters = 3, 40, 2
	committed := make(chan int, len(replicas)*workers*ops)
	var wg sync.WaitGroup
	for _, s := range replicas {
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range ops {
					key := fmt.Sprintf("counters/%d", (w+i)%counters)
					err := s.Update(ctx, func(tx store.Tx) error {
						n := 0
						if r, err := tx.Get(key); err == nil {
							n, _ = strconv.Atoi(string(r.Value))
						} else if !errors.Is(err, store.ErrNotFound) {
							return err
						}
						return tx.Put(key, []byte(strconv.Itoa(n+1)))
					})
					switch {
					case err == nil:
						committed <- (w + i) % counters
					case !errors.Is(err, store.ErrConflict):
						t.Errorf("update: %v", err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(committed)
	want := make([]int, counters)
	for c := range committed {
		want[c]++
	}
	got := make([]int, counters)
	check.NoError(t, replicas[1].View(ctx, func(tx store.Tx) error {
		recs, err := tx.List("counters/")
		for _, r := range recs {
			var c int
			fmt.Sscanf(r.Key, "counters/%d", &c)
			got[c], _ = strconv.Atoi(string(r.Value))
		}
		return err
	}))
	check.Equal(t, want, got)
}
