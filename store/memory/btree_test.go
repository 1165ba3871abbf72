package memory

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// checkTree verifies the B+tree invariants: sorted keys, separators that
// bound their subtrees, every leaf at the same depth, and no empty or
// overfull node below the root.
func checkTree(t *testing.T, root *node, degree int) {
	t.Helper()
	leafDepth := -1
	var walk func(n *node, depth int, lo, hi string, hasLo, hasHi bool)
	walk = func(n *node, depth int, lo, hi string, hasLo, hasHi bool) {
		if n != root && (n.size() < max(degree/4, 2) || n.size() > degree) {
			t.Fatalf("node at depth %d has size %d (degree %d)", depth, n.size(), degree)
		}
		if n.leaf {
			if leafDepth == -1 {
				leafDepth = depth
			} else if leafDepth != depth {
				t.Fatalf("leaves at depths %d and %d", leafDepth, depth)
			}
			for i, e := range n.entries {
				if i > 0 && n.entries[i-1].key >= e.key {
					t.Fatalf("leaf keys out of order: %q then %q", n.entries[i-1].key, e.key)
				}
				if (hasLo && e.key < lo) || (hasHi && e.key >= hi) {
					t.Fatalf("key %q outside [%q, %q)", e.key, lo, hi)
				}
			}
			return
		}
		if len(n.keys) != len(n.children)-1 {
			t.Fatalf("interior node has %d keys and %d children", len(n.keys), len(n.children))
		}
		for i, c := range n.children {
			clo, chi, cHasLo, cHasHi := lo, hi, hasLo, hasHi
			if i > 0 {
				clo, cHasLo = n.keys[i-1], true
			}
			if i < len(n.keys) {
				chi, cHasHi = n.keys[i], true
			}
			walk(c, depth+1, clo, chi, cHasLo, cHasHi)
		}
	}
	walk(root, 0, "", "", false, false)
}

func treeKeys(root *node) []string {
	var ks []string
	ascend(root, "", func(e *entry) bool { ks = append(ks, e.key); return true })
	return ks
}

func TestTreeMatchesMap(t *testing.T) {
	for _, degree := range []int{4, 5, 16, defaultDegree} {
		t.Run(fmt.Sprint("degree", degree), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(degree)))
			model := map[string]int64{}
			tr := &tree{root: newLeaf(), degree: degree}
			for step := range 20000 {
				if step%100 == 0 {
					tr.txid++ // a new writer: everything published so far is shared
				}
				k := fmt.Sprintf("k%04d", rng.IntN(3000))
				if rng.IntN(3) == 0 {
					_, want := model[k]
					if got := tr.remove(k); got != want {
						t.Fatalf("remove(%q) = %v, want %v", k, got, want)
					}
					delete(model, k)
				} else {
					tr.put(entry{key: k, version: int64(step)})
					model[k] = int64(step)
				}
				if step%1000 == 0 {
					checkTree(t, tr.root, degree)
				}
			}
			checkTree(t, tr.root, degree)
			want := make([]string, 0, len(model))
			for k, v := range model {
				want = append(want, k)
				e, ok := get(tr.root, k)
				if !ok || e.version != v {
					t.Fatalf("get(%q) = %v, %v; want version %d", k, e, ok, v)
				}
			}
			slices.Sort(want)
			if got := treeKeys(tr.root); !slices.Equal(got, want) {
				t.Fatalf("ascend returned %d keys, want %d", len(got), len(want))
			}
			// Drain it: the tree shrinks back to an empty leaf.
			for _, k := range want {
				tr.remove(k)
			}
			if !tr.root.leaf || len(tr.root.entries) != 0 {
				t.Fatalf("empty tree root is not an empty leaf")
			}
		})
	}
}

func TestTreeIsPersistent(t *testing.T) {
	tr := &tree{root: newLeaf(), degree: 4, txid: 1}
	for i := range 200 {
		tr.put(entry{key: fmt.Sprintf("k%03d", i), version: 1})
	}
	old := tr.root
	oldKeys := treeKeys(old)

	tr.txid = 2
	for i := range 200 {
		if i%2 == 0 {
			tr.remove(fmt.Sprintf("k%03d", i))
		} else {
			tr.put(entry{key: fmt.Sprintf("k%03d", i), version: 2})
		}
	}
	tr.put(entry{key: "a", version: 2})

	if got := treeKeys(old); !slices.Equal(got, oldKeys) {
		t.Fatalf("old root changed: %d keys, want %d", len(got), len(oldKeys))
	}
	ascend(old, "", func(e *entry) bool {
		if e.version != 1 {
			t.Fatalf("old root sees version %d at %q", e.version, e.key)
		}
		return true
	})
	checkTree(t, old, 4)
	checkTree(t, tr.root, 4)
	if n := len(treeKeys(tr.root)); n != 101 {
		t.Fatalf("new root has %d keys, want 101", n)
	}
}

func TestAscendFrom(t *testing.T) {
	tr := &tree{root: newLeaf(), degree: 4}
	for _, k := range []string{"a", "a/1", "a/2", "ab", "b", "b/1"} {
		tr.put(entry{key: k})
	}
	var got []string
	ascend(tr.root, "a/", func(e *entry) bool {
		if !strings.HasPrefix(e.key, "a/") {
			return false
		}
		got = append(got, e.key)
		return true
	})
	if want := []string{"a/1", "a/2"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
