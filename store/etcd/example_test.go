package etcd_test

import (
	"context"
	"fmt"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/etcd"
)

// Open a store on an etcd cluster, write a record and read it back. (The
// example needs a running etcd, so it is compiled but not run; the tests
// use etcdtest.Start for an embedded server.)
func Example() {
	ctx := context.Background()
	s, err := etcd.Open(ctx, etcd.Config{
		Endpoints: []string{"http://127.0.0.1:2379"},
		Prefix:    "/ecskit/",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.Put("clusters/default", []byte(`{"status":"ACTIVE"}`))
	})
	if err != nil {
		fmt.Println(err) // store.ErrConflict after MaxAttempts conflicting runs
		return
	}
	_ = s.View(ctx, func(tx store.Tx) error {
		rec, err := tx.Get("clusters/default")
		if err != nil {
			return err
		}
		// rec.Version is the etcd ModRevision of the key.
		fmt.Println(rec.Key, string(rec.Value), rec.Version <= tx.Revision())
		return nil
	})
}
