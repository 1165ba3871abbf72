package sortedset_test

import (
	"fmt"

	"github.com/ecskit/ecs/internal/sortedset"
)

func Example() {
	var s sortedset.Set
	for _, k := range []string{"c", "a", "d", "b"} {
		s.Insert(k)
	}
	s.Remove("c")
	s.Ascend("a", func(k string) bool { fmt.Println(k); return true })
	// Output:
	// b
	// d
}
