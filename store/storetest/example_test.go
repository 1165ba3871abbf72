package storetest_test

import (
	"testing"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/memory"
	"github.com/ecskit/ecs/store/storetest"
)

// A Store implementation runs the suite from one test function; open
// returns a new, empty store each time.
func ExampleRun() {
	_ = func(t *testing.T) { // func TestConformance(t *testing.T) in a _test.go file
		storetest.Run(t, func(t *testing.T) store.Store { return memory.New() })
	}
}
