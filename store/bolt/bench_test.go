package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/bolt"
	"github.com/ecskit/ecs/store/storetest"
)

// BenchmarkConcurrentUpdate commits with a real fsync, to a file in the
// test's temporary directory.
func BenchmarkConcurrentUpdate(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) store.Store {
		s, err := bolt.Open(filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}
