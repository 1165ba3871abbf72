package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ecskit/ecs/store"
)

// Shape of the Update benchmark.
const (
	benchKeysPerWorker = 64  // private keys of each goroutine
	benchSharedKeys    = 16  // keys every goroutine may touch in "shared"
	benchValueSize     = 100 // bytes of each value written
)

// Benchmark measures the throughput of concurrent Updates: small
// transactions that each read two keys, write them back and write a third
// key blindly, from 1, 8 and 64 goroutines. In "disjoint" every goroutine
// has keys of its own; in "shared" the second key of each transaction is
// one of a few keys all goroutines share, so transactions conflict. open
// must return a new, empty store; Benchmark closes it. ns/op is the time
// per transaction; runs/op counts the calls of its function (more than 1
// when conflicts made the store run it again), conflicts/op the Updates
// that reported store.ErrConflict.
func Benchmark(b *testing.B, open func(b *testing.B) store.Store) {
	for _, shared := range []bool{false, true} {
		name := "disjoint"
		if shared {
			name = "shared"
		}
		for _, workers := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("%s/g=%d", name, workers), func(b *testing.B) {
				s := open(b)
				defer s.Close()
				benchUpdates(b, s, workers, shared)
			})
		}
	}
}

func benchKey(worker, i int) string { return fmt.Sprintf("bench/w%02d/%03d", worker, i) }
func benchSharedKey(i int) string   { return fmt.Sprintf("bench/shared/%02d", i) }

func benchUpdates(b *testing.B, s store.Store, workers int, shared bool) {
	ctx := context.Background()
	// Fill in chunks small enough for any store's transaction limits.
	var keys []string
	for w := range workers {
		for i := range benchKeysPerWorker {
			keys = append(keys, benchKey(w, i))
		}
	}
	for i := range benchSharedKeys {
		keys = append(keys, benchSharedKey(i))
	}
	for len(keys) > 0 {
		chunk := keys[:min(len(keys), 100)]
		keys = keys[len(chunk):]
		if err := s.Update(ctx, func(tx store.Tx) error {
			for _, k := range chunk {
				if err := tx.Put(k, []byte("0")); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}

	var (
		next     atomic.Int64 // transactions handed out
		failures atomic.Int64 // ErrConflict reports
		runs     atomic.Int64 // calls of the transaction functions
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	b.ResetTimer()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := 0; next.Add(1) <= int64(b.N); i++ {
				k1 := benchKey(w, i%benchKeysPerWorker)
				k2 := benchKey(w, (i+1)%benchKeysPerWorker)
				if shared {
					k2 = benchSharedKey(rng.IntN(benchSharedKeys))
				}
				k3 := benchKey(w, (i+benchKeysPerWorker/2)%benchKeysPerWorker)
				err := s.Update(ctx, func(tx store.Tx) error {
					runs.Add(1)
					n1, err := benchRead(tx, k1)
					if err != nil {
						return err
					}
					n2, err := benchRead(tx, k2)
					if err != nil {
						return err
					}
					if err := tx.Put(k1, benchValue(n1+1)); err != nil {
						return err
					}
					if err := tx.Put(k2, benchValue(n2+1)); err != nil {
						return err
					}
					return tx.Put(k3, benchValue(i))
				})
				if errors.Is(err, store.ErrConflict) {
					failures.Add(1)
					continue
				}
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	b.ReportMetric(float64(failures.Load())/float64(b.N), "conflicts/op")
	b.ReportMetric(float64(runs.Load())/float64(b.N), "runs/op")
}

// benchValue is n in decimal, padded with spaces to benchValueSize bytes.
func benchValue(n int) []byte {
	v := strconv.AppendInt(make([]byte, 0, benchValueSize), int64(n), 10)
	for len(v) < benchValueSize {
		v = append(v, ' ')
	}
	return v
}

// benchRead reads a counter written by benchValue (or the "0" of the fill).
func benchRead(tx store.Tx, key string) (int, error) {
	r, err := tx.Get(key)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimRight(string(r.Value), " "))
}
