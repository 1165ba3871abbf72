package memory_test

import (
	"context"
	"fmt"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/memory"
)

func Example() {
	ctx := context.Background()
	s := memory.New()
	defer s.Close()

	// One transaction, one revision.
	_ = s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put("clusters/default", []byte(`{"status":"ACTIVE"}`)); err != nil {
			return err
		}
		return tx.Put("clusters/prod", []byte(`{"status":"ACTIVE"}`))
	})

	// Watch everything after revision 0: the events already committed come first.
	w, _ := s.Watch(ctx, "clusters/", 0)
	for range 2 {
		ev := <-w.Events()
		fmt.Println(ev.Revision, ev.Record.Key)
	}

	_ = s.View(ctx, func(tx store.Tx) error {
		recs, _ := tx.List("clusters/")
		fmt.Println(len(recs), "clusters at revision", tx.Revision())
		return nil
	})
	// Output:
	// 1 clusters/default
	// 1 clusters/prod
	// 2 clusters at revision 1
}
