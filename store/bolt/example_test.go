package bolt_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/bolt"
)

func Example() {
	dir, _ := os.MkdirTemp("", "ecskit")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ecs.db")
	ctx := context.Background()

	s, err := bolt.Open(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = s.Update(ctx, func(tx store.Tx) error {
		return tx.Put("clusters/default", []byte(`{"status":"ACTIVE"}`))
	})
	_ = s.Close()

	// Records, versions and the revision survive a restart.
	s, _ = bolt.Open(path)
	defer s.Close()
	_ = s.View(ctx, func(tx store.Tx) error {
		rec, _ := tx.Get("clusters/default")
		fmt.Println(rec.Key, string(rec.Value), rec.Version, tx.Revision())
		return nil
	})
	// Output:
	// clusters/default {"status":"ACTIVE"} 1 1
}
