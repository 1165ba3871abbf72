package writer

import "strings"

// maxHistoryKeys bounds the keys the conflict history holds. A transaction
// whose snapshot is older than the history conflicts (and runs again),
// so the bound costs only transactions that ran while tens of thousands of
// keys changed.
const maxHistoryKeys = 1 << 16

// history holds the keys changed by each recent revision, for checking an
// optimistic transaction's reads against what committed after its
// snapshot. It is used only by the group leader.
type history struct {
	start int64     // the newest revision no longer held
	revs  []changes // revs[i].rev == start+1+i
	nkeys int
}

type changes struct {
	rev  int64
	keys []string
}

// add records the keys changed by rev, the revision after the newest one.
func (h *history) add(rev int64, keys []string) {
	h.revs = append(h.revs, changes{rev: rev, keys: keys})
	h.nkeys += len(keys)
	drop := 0
	for h.nkeys > maxHistoryKeys && drop < len(h.revs)-1 {
		h.nkeys -= len(h.revs[drop].keys)
		drop++
	}
	if drop > 0 {
		h.start = h.revs[drop-1].rev
		clear(h.revs[:drop])
		h.revs = h.revs[drop:]
	}
}

// last returns the newest revision recorded (or start).
func (h *history) last() int64 { return h.start + int64(len(h.revs)) }

// truncate forgets the revisions after rev: they belonged to a group that
// failed to commit. If the bound dropped rev itself, nothing is held
// afterwards.
func (h *history) truncate(rev int64) {
	if rev < h.start {
		h.start, h.nkeys = rev, 0
		clear(h.revs)
		h.revs = h.revs[:0]
		return
	}
	n := int(rev - h.start)
	for _, c := range h.revs[n:] {
		h.nkeys -= len(c.keys)
	}
	clear(h.revs[n:])
	h.revs = h.revs[:n]
}

// conflicts reports whether a revision after snap changed a key in reads
// or under one of the prefixes in lists, or whether the history no longer
// reaches back to snap.
func (h *history) conflicts(snap int64, reads map[string]struct{}, lists []string) bool {
	if snap < h.start {
		return true
	}
	for _, c := range h.revs[snap-h.start:] {
		for _, k := range c.keys {
			if _, ok := reads[k]; ok {
				return true
			}
			for _, p := range lists {
				if strings.HasPrefix(k, p) {
					return true
				}
			}
		}
	}
	return false
}
