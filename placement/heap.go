package placement

// instHeap is a binary min-heap of instance indexes with positions, so an
// instance whose key changed can be fixed or removed in O(log n).
type instHeap struct {
	items []int32
	less  func(a, b int32) bool
	pos   []int32 // shared by all heaps of a plan: an instance is in at most one
}

func (h *instHeap) push(i int32) {
	h.pos[i] = int32(len(h.items))
	h.items = append(h.items, i)
	h.up(len(h.items) - 1)
}

func (h *instHeap) remove(i int32) {
	at := int(h.pos[i])
	last := len(h.items) - 1
	if at != last {
		h.swap(at, last)
	}
	h.items = h.items[:last]
	h.pos[i] = -1
	if at != last {
		h.fix(at)
	}
}

// fix restores the heap after the key of the item at position at changed.
func (h *instHeap) fix(at int) {
	if !h.down(at) {
		h.up(at)
	}
}

func (h *instHeap) swap(a, b int) {
	h.items[a], h.items[b] = h.items[b], h.items[a]
	h.pos[h.items[a]] = int32(a)
	h.pos[h.items[b]] = int32(b)
}

func (h *instHeap) up(j int) {
	for j > 0 {
		parent := (j - 1) / 2
		if !h.less(h.items[j], h.items[parent]) {
			break
		}
		h.swap(j, parent)
		j = parent
	}
}

func (h *instHeap) down(i int) bool {
	start := i
	n := len(h.items)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && h.less(h.items[r], h.items[l]) {
			j = r
		}
		if !h.less(h.items[j], h.items[i]) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > start
}
