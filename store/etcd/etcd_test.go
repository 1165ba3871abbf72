package etcd_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/etcd"
	"github.com/ecskit/ecs/store/etcd/etcdtest"
	"github.com/ecskit/ecs/store/storetest"
)

// TestConformance runs the shared suite; each store gets its own prefix
// on one embedded server, and the subtests run one at a time, so nothing
// else writes while a subtest counts revisions. The suite's transactions
// need more than etcd's default 128 operations; the store is told of 1,000,
// which the server (etcdtest.MaxTxnOps) allows.
func TestConformance(t *testing.T) {
	srv := etcdtest.Start(t)
	n := 0
	storetest.Run(t, func(t *testing.T) store.Store {
		n++
		s, err := etcd.Open(context.Background(), etcd.Config{
			Endpoints: srv.Endpoints,
			Prefix:    fmt.Sprintf("/conformance/%d/", n),
			MaxTxnOps: 1000,
		})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		return s
	})
}

// A watch whose etcd client is closed under it ends with an error that
// is neither nil (the caller did not cancel it) nor store.ErrClosed (the
// store was not closed).
func TestWatchClientClosed(t *testing.T) {
	srv := etcdtest.Start(t)
	client := srv.Client(t)
	s := etcd.New(client, "/watch-client-closed/")
	defer s.Close()
	w, err := s.Watch(context.Background(), "", 0)
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	_ = client.Close()
	for ev := range w.Events() {
		t.Fatalf("unexpected event %+v", ev)
	}
	if err := w.Err(); err == nil || errors.Is(err, store.ErrClosed) {
		t.Fatalf("Err after the client closed: %v", err)
	}
}
