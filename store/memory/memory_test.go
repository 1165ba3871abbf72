package memory_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/internal/check"
	"github.com/ecskit/ecs/store/memory"
	"github.com/ecskit/ecs/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return memory.New() })
}

// A watcher that stops reading while the writer runs far past the history
// bound ends with ErrCompacted after a gap-free prefix of events.
func TestSlowWatcherEndsWithErrCompacted(t *testing.T) {
	s := memory.New(memory.WithHistory(10))
	defer s.Close()
	ctx := context.Background()
	w, err := s.Watch(ctx, "", 0)
	check.NoError(t, err)
	const writes = 1000 // far more than a watcher takes from history at once
	for i := range writes {
		check.NoError(t, s.Update(ctx, func(tx store.Tx) error {
			return tx.Put("k", []byte(fmt.Sprint(i)))
		}))
	}
	var got int64
	for ev := range w.Events() {
		got++
		check.Equal(t, got, ev.Revision)
	}
	check.Less(t, got, int64(writes))
	check.ErrorIs(t, w.Err(), store.ErrCompacted)

	// The history holds about the bound: older revisions are compacted,
	// recent ones are still watchable.
	_, err = s.Watch(ctx, "", writes-20)
	check.ErrorIs(t, err, store.ErrCompacted)
	w, err = s.Watch(ctx, "", writes-5)
	check.NoError(t, err)
	check.Equal(t, int64(writes-4), (<-w.Events()).Revision)
}

// An Update does not wait for another one that is still inside its
// function: it commits first, and the other one commits after it.
func TestUpdatesDoNotWaitForEachOther(t *testing.T) {
	s := memory.New()
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

func TestCloseWaitsForUpdate(t *testing.T) {
	s := memory.New()
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- s.Update(context.Background(), func(tx store.Tx) error {
			close(inside)
			<-release
			return tx.Put("k", nil)
		})
	}()
	<-inside
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	close(release)
	check.NoError(t, <-done, "the running Update commits")
	<-closed
	check.Equal(t, int64(1), s.Revision())
	check.NoError(t, s.Close(), "second Close")
}
