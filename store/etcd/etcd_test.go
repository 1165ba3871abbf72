package etcd_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/etcd"
	"github.com/ecskit/ecs/store/etcd/etcdtest"
	"github.com/ecskit/ecs/store/storetest"
)

// TestConformance runs the shared suite; each store gets its own prefix
// on one embedded server, and the subtests run one at a time, so nothing
// else writes while a subtest counts revisions.
func TestConformance(t *testing.T) {
	srv := etcdtest.Start(t)
	n := 0
	storetest.Run(t, func(t *testing.T) store.Store {
		n++
		s, err := etcd.Open(context.Background(), etcd.Config{
			Endpoints: srv.Endpoints,
			Prefix:    fmt.Sprintf("/conformance/%d/", n),
		})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		return s
	})
}
