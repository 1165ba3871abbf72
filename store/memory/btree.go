package memory

// This file holds a persistent (copy-on-write) B+tree of records sorted by
// key. A published root is never modified again, so any number of readers
// may walk it while a writer builds the next version. A writer owns the
// nodes it has copied (they carry its txid) and changes those in place, so
// a transaction that writes many keys copies each node at most once.

// entry is one record in a leaf. Its value is never modified after the
// entry is created.
type entry struct {
	key     string
	value   []byte
	version int64
}

// node is a leaf (entries) or an interior node (keys and children). In an
// interior node len(keys) == len(children)-1 and every key in children[i+1]
// is >= keys[i], while every key in children[i] is < keys[i].
type node struct {
	txid     uint64
	leaf     bool
	entries  []entry
	keys     []string
	children []*node
}

// tree is a handle for writing a new version of a tree. Reads work on any
// root without a tree.
type tree struct {
	root   *node
	txid   uint64
	degree int // maximum entries in a leaf and children in an interior node
}

// defaultDegree balances cheap copies against shallow trees.
const defaultDegree = 64

func newLeaf() *node { return &node{leaf: true} }

// lowerBound returns the index of the first entry with key >= k.
func lowerBound(es []entry, k string) int {
	lo, hi := 0, len(es)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if es[m].key < k {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// childIndex returns the child of an interior node that covers k.
func childIndex(keys []string, k string) int {
	lo, hi := 0, len(keys)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if keys[m] <= k {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// get returns the entry at k under root.
func get(root *node, k string) (*entry, bool) {
	n := root
	for !n.leaf {
		n = n.children[childIndex(n.keys, k)]
	}
	i := lowerBound(n.entries, k)
	if i < len(n.entries) && n.entries[i].key == k {
		return &n.entries[i], true
	}
	return nil, false
}

// ascend calls fn for every entry with key >= from in key order until fn
// returns false. It reports whether the walk ran to the end.
func ascend(n *node, from string, fn func(*entry) bool) bool {
	if n.leaf {
		for i := lowerBound(n.entries, from); i < len(n.entries); i++ {
			if !fn(&n.entries[i]) {
				return false
			}
		}
		return true
	}
	for i := childIndex(n.keys, from); i < len(n.children); i++ {
		if !ascend(n.children[i], from, fn) {
			return false
		}
	}
	return true
}

// own returns n itself if this writer created it, otherwise a copy that it
// may change.
func (t *tree) own(n *node) *node {
	if n.txid == t.txid {
		return n
	}
	c := &node{txid: t.txid, leaf: n.leaf}
	if n.leaf {
		c.entries = append(make([]entry, 0, len(n.entries)+1), n.entries...)
	} else {
		c.keys = append(make([]string, 0, len(n.keys)+1), n.keys...)
		c.children = append(make([]*node, 0, len(n.children)+1), n.children...)
	}
	return c
}

// put inserts or replaces e.
func (t *tree) put(e entry) {
	n, right, sep := t.insert(t.root, e)
	if right != nil {
		n = &node{txid: t.txid, keys: []string{sep}, children: []*node{n, right}}
	}
	t.root = n
}

// insert puts e under n and returns the (possibly copied) node, plus the
// new right sibling and its separator key if n had to split.
func (t *tree) insert(n *node, e entry) (*node, *node, string) {
	n = t.own(n)
	if n.leaf {
		i := lowerBound(n.entries, e.key)
		if i < len(n.entries) && n.entries[i].key == e.key {
			n.entries[i] = e
			return n, nil, ""
		}
		n.entries = append(n.entries, entry{})
		copy(n.entries[i+1:], n.entries[i:])
		n.entries[i] = e
		if len(n.entries) <= t.degree {
			return n, nil, ""
		}
		h := len(n.entries) / 2
		right := &node{txid: t.txid, leaf: true, entries: append([]entry(nil), n.entries[h:]...)}
		clear(n.entries[h:])
		n.entries = n.entries[:h]
		return n, right, right.entries[0].key
	}
	i := childIndex(n.keys, e.key)
	c, right, sep := t.insert(n.children[i], e)
	n.children[i] = c
	if right == nil {
		return n, nil, ""
	}
	n.keys = insertAt(n.keys, i, sep)
	n.children = insertAt(n.children, i+1, right)
	if len(n.children) <= t.degree {
		return n, nil, ""
	}
	h := len(n.children) / 2
	sep = n.keys[h-1]
	r := &node{
		txid:     t.txid,
		keys:     append([]string(nil), n.keys[h:]...),
		children: append([]*node(nil), n.children[h:]...),
	}
	clear(n.keys[h-1:])
	clear(n.children[h:])
	n.keys = n.keys[:h-1]
	n.children = n.children[:h]
	return n, r, sep
}

// remove deletes the entry at k and reports whether there was one.
func (t *tree) remove(k string) bool {
	n, ok := t.delete(t.root, k)
	if !ok {
		return false
	}
	if !n.leaf && len(n.children) == 1 {
		n = n.children[0]
	}
	t.root = n
	return true
}

// delete removes k under n. It copies nothing when k is absent.
func (t *tree) delete(n *node, k string) (*node, bool) {
	if n.leaf {
		i := lowerBound(n.entries, k)
		if i == len(n.entries) || n.entries[i].key != k {
			return n, false
		}
		n = t.own(n)
		n.entries = removeAt(n.entries, i)
		return n, true
	}
	i := childIndex(n.keys, k)
	c, ok := t.delete(n.children[i], k)
	if !ok {
		return n, false
	}
	n = t.own(n)
	n.children[i] = c
	if c.size() < t.minSize() {
		t.rebalance(n, i)
	}
	return n, true
}

// minSize is the fewest items a node below the root may hold; an interior
// node needs at least two children or it would be a useless level.
func (t *tree) minSize() int { return max(t.degree/4, 2) }

func (n *node) size() int {
	if n.leaf {
		return len(n.entries)
	}
	return len(n.children)
}

// rebalance fixes the underfull child i of n (which t owns) by merging it
// with a neighbour, or by sharing the neighbour's items evenly when the two
// would not fit in one node.
func (t *tree) rebalance(n *node, i int) {
	if len(n.children) < 2 {
		return
	}
	l := i
	if i+1 == len(n.children) {
		l = i - 1
	}
	left, right := t.own(n.children[l]), n.children[l+1]
	if left.size()+right.size() <= t.degree {
		if left.leaf {
			left.entries = append(left.entries, right.entries...)
		} else {
			left.keys = append(append(left.keys, n.keys[l]), right.keys...)
			left.children = append(left.children, right.children...)
		}
		n.children[l] = left
		n.keys = removeAt(n.keys, l)
		n.children = removeAt(n.children, l+1)
		return
	}
	r := &node{txid: t.txid, leaf: left.leaf}
	if left.leaf {
		all := append(append([]entry(nil), left.entries...), right.entries...)
		h := len(all) / 2
		left.entries = all[:h:h] // capped: appending must not reach r's
		r.entries = all[h:]
		n.keys[l] = r.entries[0].key
	} else {
		keys := append(append(append([]string(nil), left.keys...), n.keys[l]), right.keys...)
		kids := append(append([]*node(nil), left.children...), right.children...)
		h := len(kids) / 2
		left.keys = keys[: h-1 : h-1]
		left.children = kids[:h:h]
		n.keys[l] = keys[h-1]
		r.keys, r.children = keys[h:], kids[h:]
	}
	n.children[l], n.children[l+1] = left, r
}

func insertAt[T any](s []T, i int, v T) []T {
	var zero T
	s = append(s, zero)
	copy(s[i+1:], s[i:])
	s[i] = v
	return s
}

func removeAt[T any](s []T, i int) []T {
	copy(s[i:], s[i+1:])
	var zero T
	s[len(s)-1] = zero
	return s[:len(s)-1]
}
