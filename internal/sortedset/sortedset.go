// Package sortedset is an ordered set of strings that can be walked from
// any key, cheap to change one key at a time: the control plane's cache
// keeps ListTasks' pages in it.
package sortedset

import (
	"slices"
	"sort"
)

// Set is an ordered set of strings kept in sorted chunks of at most
// setChunk entries: Insert and Remove cost O(log n + setChunk), and a walk
// from any key costs what it visits. It backs ListTasks' pages, which are
// ordered by task ID.
type Set struct {
	chunks [][]string
	n      int
}

// setChunk is the most keys a chunk holds.
const setChunk = 256

// chunk returns the index of the chunk that holds or would hold k.
func (s *Set) chunk(k string) int {
	c := sort.Search(len(s.chunks), func(i int) bool {
		ch := s.chunks[i]
		return ch[len(ch)-1] >= k
	})
	return min(c, len(s.chunks)-1)
}

// Insert adds k; it reports false if k was present.
func (s *Set) Insert(k string) bool {
	if len(s.chunks) == 0 {
		s.chunks = [][]string{{k}}
		s.n = 1
		return true
	}
	c := s.chunk(k)
	ch := s.chunks[c]
	i, found := slices.BinarySearch(ch, k)
	if found {
		return false
	}
	ch = slices.Insert(ch, i, k)
	s.n++
	if len(ch) <= setChunk {
		s.chunks[c] = ch
		return true
	}
	half := len(ch) / 2
	lo, hi := slices.Clip(ch[:half]), slices.Clone(ch[half:])
	s.chunks[c] = lo
	s.chunks = slices.Insert(s.chunks, c+1, hi)
	return true
}

// Remove deletes k; it reports false if k was absent.
func (s *Set) Remove(k string) bool {
	if len(s.chunks) == 0 {
		return false
	}
	c := s.chunk(k)
	ch := s.chunks[c]
	i, found := slices.BinarySearch(ch, k)
	if !found {
		return false
	}
	ch = slices.Delete(ch, i, i+1)
	s.n--
	if len(ch) == 0 {
		s.chunks = slices.Delete(s.chunks, c, c+1)
	} else {
		s.chunks[c] = ch
	}
	return true
}

// Ascend calls fn for every key greater than after, in order, until fn
// returns false.
func (s *Set) Ascend(after string, fn func(k string) bool) {
	if len(s.chunks) == 0 {
		return
	}
	c := s.chunk(after)
	i, found := slices.BinarySearch(s.chunks[c], after)
	if found {
		i++
	}
	for ; c < len(s.chunks); c, i = c+1, 0 {
		for _, k := range s.chunks[c][i:] {
			if !fn(k) {
				return
			}
		}
	}
}

// Len is the number of keys.
func (s *Set) Len() int { return s.n }
