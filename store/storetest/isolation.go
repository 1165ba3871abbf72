package storetest

import (
	"context"
	"testing"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/internal/check"
)

// testViewSnapshotAcrossCommit holds a View open while an Update commits
// and checks that the View keeps reading the revision it started on.
func testViewSnapshotAcrossCommit(t *testing.T, s store.Store) {
	r := put(t, s, "a", "1", "b", "1")
	started := make(chan struct{})
	committed := make(chan error, 1)
	go func() {
		<-started
		committed <- s.Update(context.Background(), func(tx store.Tx) error {
			if err := tx.Put("a", []byte("2")); err != nil {
				return err
			}
			if err := tx.Put("c", []byte("2")); err != nil {
				return err
			}
			return tx.Delete("b")
		})
	}()
	err := s.View(context.Background(), func(tx store.Tx) error {
		a, err := tx.Get("a")
		check.NoError(t, err)
		check.Equal(t, "1", string(a.Value))
		close(started)
		check.NoError(t, <-committed, "Update while a View is open")

		b, err := tx.Get("b")
		check.NoError(t, err, "b was deleted after the View began")
		check.Equal(t, "1", string(b.Value))
		_, err = tx.Get("c")
		check.ErrorIs(t, err, store.ErrNotFound)
		recs, err := tx.List("")
		check.NoError(t, err)
		check.Equal(t, []string{"a", "b"}, keysOf(recs))
		check.Equal(t, "1", string(recs[0].Value))
		check.Equal(t, r, tx.Revision())
		return nil
	})
	check.NoError(t, err)
	requireState(t, s, r+1, map[string]string{"a": "2", "c": "2"})
}

// testViewDuringUpdate runs a View while an Update is inside fn with
// uncommitted writes: the View neither waits for it nor sees its writes.
func testViewDuringUpdate(t *testing.T, s store.Store) {
	r := put(t, s, "a", "1")
	inside := make(chan struct{})
	viewed := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Update(context.Background(), func(tx store.Tx) error {
			if err := tx.Put("a", []byte("2")); err != nil {
				return err
			}
			if err := tx.Put("b", []byte("2")); err != nil {
				return err
			}
			close(inside)
			<-viewed
			return nil
		})
	}()
	<-inside
	var err error
	func() {
		defer close(viewed) // also when a require below fails
		err = s.View(context.Background(), func(tx store.Tx) error {
			check.Equal(t, r, tx.Revision())
			recs, err := tx.List("")
			check.NoError(t, err)
			check.Len(t, recs, 1)
			check.Equal(t, "1", string(recs[0].Value))
			return nil
		})
	}()
	check.NoError(t, err)
	check.NoError(t, <-done)
	requireState(t, s, r+1, map[string]string{"a": "2", "b": "2"})
}
