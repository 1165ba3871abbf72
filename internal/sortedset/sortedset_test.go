package sortedset

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSetAgreesWithASortedSlice drives a Set and a sorted slice with the
// same random inserts and removes, across many chunks.
func TestSetAgreesWithASortedSlice(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var s Set
	var model []string
	for range 20_000 {
		k := fmt.Sprintf("k%05d", r.IntN(3000))
		i, found := slices.BinarySearch(model, k)
		if r.IntN(3) == 0 {
			if got := s.Remove(k); got != found {
				t.Fatalf("Remove(%s) = %v, want %v", k, got, found)
			}
			if found {
				model = slices.Delete(model, i, i+1)
			}
			continue
		}
		if got := s.Insert(k); got == found {
			t.Fatalf("Insert(%s) = %v, want %v", k, got, !found)
		}
		if !found {
			model = slices.Insert(model, i, k)
		}
	}
	if s.Len() != len(model) {
		t.Fatalf("Len = %d, want %d", s.Len(), len(model))
	}
	after := model[len(model)/2]
	var got []string
	s.Ascend(after, func(k string) bool { got = append(got, k); return len(got) < 100 })
	i, _ := slices.BinarySearch(model, after)
	want := model[i+1 : min(i+101, len(model))]
	if !slices.Equal(got, want) {
		t.Fatalf("Ascend(%s) = %v..., want %v...", after, got[:3], want[:3])
	}
}
