package memory_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/memory"
	"github.com/ecskit/ecs/store/storetest"
)

// filled returns a store with n records "tasks/%06d" of 200 bytes each.
func filled(b *testing.B, n int) *memory.Store {
	b.Helper()
	s := memory.New()
	b.Cleanup(func() { s.Close() })
	value := make([]byte, 200)
	err := s.Update(context.Background(), func(tx store.Tx) error {
		for i := range n {
			if err := tx.Put(fmt.Sprintf("tasks/%06d", i), value); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkGet(b *testing.B) {
	s := filled(b, 100_000)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i = (i + 7919) % 100_000
		err := s.View(ctx, func(tx store.Tx) error {
			_, err := tx.Get(fmt.Sprintf("tasks/%06d", i))
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkList100(b *testing.B) {
	s := filled(b, 100_000)
	ctx := context.Background()
	for b.Loop() {
		err := s.View(ctx, func(tx store.Tx) error {
			recs, err := tx.List("tasks/0123")
			if len(recs) != 100 {
				return fmt.Errorf("listed %d records", len(recs))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdateOneRecord(b *testing.B) {
	s := filled(b, 100_000)
	ctx := context.Background()
	value := make([]byte, 200)
	i := 0
	for b.Loop() {
		i = (i + 7919) % 100_000
		err := s.Update(ctx, func(tx store.Tx) error {
			return tx.Put(fmt.Sprintf("tasks/%06d", i), value)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParallelGetDuringWrites(b *testing.B) {
	s := filled(b, 100_000)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { // a steady writer
		defer close(done)
		for ctx.Err() == nil {
			_ = s.Update(ctx, func(tx store.Tx) error { return tx.Put("tasks/000000", nil) })
		}
	}()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i = (i + 7919) % 100_000
			_ = s.View(ctx, func(tx store.Tx) error {
				_, err := tx.Get(fmt.Sprintf("tasks/%06d", i))
				return err
			})
		}
	})
	cancel()
	<-done
}

func BenchmarkConcurrentUpdate(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) store.Store { return memory.New() })
}
