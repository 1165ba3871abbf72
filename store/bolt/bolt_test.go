package bolt_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/bolt"
	"github.com/ecskit/ecs/store/internal/check"
	"github.com/ecskit/ecs/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := bolt.Open(filepath.Join(t.TempDir(), "ecs.db"), bolt.WithNoSync())
		check.NoError(t, err)
		return s
	})
}

func TestReopenKeepsRecordsAndRevision(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ecs.db")
	ctx := context.Background()
	s, err := bolt.Open(path)
	check.NoError(t, err)
	for i := range 5 {
		check.NoError(t, s.Update(ctx, func(tx store.Tx) error {
			return tx.Put(fmt.Sprintf("tasks/%d", i), []byte(fmt.Sprint("v", i)))
		}))
	}
	check.NoError(t, s.Update(ctx, func(tx store.Tx) error { return tx.Delete("tasks/0") }))
	want := dump(t, s)
	check.NoError(t, s.Close())

	s, err = bolt.Open(path)
	check.NoError(t, err)
	defer s.Close()
	check.Equal(t, want, dump(t, s))
	check.Equal(t, int64(6), s.Revision())

	// History before the reopen is gone; after it, watching works.
	_, err = s.Watch(ctx, "", 5)
	check.ErrorIs(t, err, store.ErrCompacted)
	w, err := s.Watch(ctx, "", 6)
	check.NoError(t, err)
	check.NoError(t, s.Update(ctx, func(tx store.Tx) error { return tx.Put("tasks/1", []byte("again")) }))
	ev := <-w.Events()
	check.Equal(t, store.Event{Type: store.EventPut, Revision: 7,
		Record: store.Record{Key: "tasks/1", Value: []byte("again"), Version: 7}}, ev)
}

func TestOpenLockedFileTimesOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ecs.db")
	s, err := bolt.Open(path)
	check.NoError(t, err)
	defer s.Close()
	_, err = bolt.Open(path, bolt.WithLockTimeout(1))
	check.Error(t, err, "a second Open of a file in use")
}

type state struct {
	Revision int64
	Records  []store.Record
}

func dump(t *testing.T, s store.Store) state {
	t.Helper()
	var st state
	check.NoError(t, s.View(context.Background(), func(tx store.Tx) error {
		st.Revision = tx.Revision()
		var err error
		st.Records, err = tx.List("")
		return err
	}))
	return st
}

// An Update does not wait for another one that is still inside its
// function: it commits first, and the other one commits after it.
func TestUpdatesDoNotWaitForEachOther(t *testing.T) {
	s, err := bolt.Open(filepath.Join(t.TempDir(), "ecs.db"), bolt.WithNoSync())
	check.NoError(t, err)
	defer s.Close()
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- s.Update(context.Background(), func(tx store.Tx) error {
			close(inside)
			<-release
			return tx.Put("first", nil)
		})
	}()
	<-inside
	check.NoError(t, s.Update(context.Background(), func(tx store.Tx) error {
		return tx.Put("second", nil)
	}))
	check.Equal(t, int64(1), s.Revision())
	close(release)
	check.NoError(t, <-done)
	check.Equal(t, int64(2), s.Revision())
	check.NoError(t, s.View(context.Background(), func(tx store.Tx) error {
		recs, err := tx.List("")
		check.Equal(t, []store.Record{{Key: "first", Value: []byte{}, Version: 2}, {Key: "second", Value: []byte{}, Version: 1}}, recs)
		return err
	}))
}

func TestOpenRejectsForeignFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := bbolt.Open(path, 0o600, nil)
	check.NoError(t, err)
	check.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("meta"))
		if err != nil {
			return err
		}
		return b.Put([]byte("format"), []byte("something-else"))
	}))
	check.NoError(t, db.Close())
	_, err = bolt.Open(path)
	check.Error(t, err)
}

func TestKeyTooLarge(t *testing.T) {
	s, err := bolt.Open(filepath.Join(t.TempDir(), "ecs.db"), bolt.WithNoSync())
	check.NoError(t, err)
	defer s.Close()
	err = s.Update(context.Background(), func(tx store.Tx) error {
		if err := tx.Put("small", nil); err != nil {
			return err
		}
		return tx.Put(string(make([]byte, bbolt.MaxKeySize+1)), nil)
	})
	check.ErrorIs(t, err, store.ErrTooLarge)
	check.Equal(t, int64(0), s.Revision())
}
