package placement

import (
	"math/rand/v2"
	"slices"
)

// plan is a compiled request shape over a scheduler's instances, with the
// indexes that make one placement cost O(buckets + log instances) instead
// of a scan:
//
//   - stage caches, per instance, the first filter that rejects it. Placing
//     a task changes only the chosen instance, so only its stage is
//     recomputed, and rejected keeps the per-filter counts current.
//   - spreadVals and spreadCounts intern each spread attribute's values and
//     count the group's tasks per value, over the whole cluster.
//   - feasible instances sit in one heap per bucket (a combination of
//     spread attribute values), ordered by the other strategies and then by
//     a random rank. Within a bucket the spread keys are equal, so the best
//     instance overall is the best of the bucket minimums.
type plan struct {
	s    *Scheduler
	req  Request
	pipe pipeline

	stage    []int32
	rejected []int
	feasible int

	groupCount   []int32
	spreadVals   [][]int32
	spreadCounts [][]int
	rank         []uint64

	// pureRandom: no ordering strategy, so choose uniformly from dense.
	pureRandom bool
	dense      []int32
	densePos   []int32

	buckets []instHeap
	bucket  []int32
	heapPos []int32

	failure *Failure
}

func newPlan(s *Scheduler, req Request, exprs []*Expression, rng *rand.Rand) *plan {
	n := len(s.insts)
	// The plan keeps the request to recognise its shape later: it must not
	// share the caller's slices.
	req.Ports, req.PortsUDP = slices.Clone(req.Ports), slices.Clone(req.PortsUDP)
	req.RequiredAttributes = slices.Clone(req.RequiredAttributes)
	req.Constraints, req.Strategies = slices.Clone(req.Constraints), slices.Clone(req.Strategies)
	p := &plan{s: s, req: req, pipe: newPipeline(req, exprs)}
	p.rejected = make([]int, len(p.pipe.filters))
	p.stage = make([]int32, n)
	p.groupCount = make([]int32, n)
	p.rank = make([]uint64, n)
	for i := range s.insts {
		p.groupCount[i] = int32(s.insts[i].Groups[req.Group])
		p.rank[i] = rng.Uint64()
	}
	p.indexSpreads()
	p.pureRandom = len(p.pipe.strategies) == 0
	p.bucket = make([]int32, n)
	p.heapPos = make([]int32, n)
	p.densePos = make([]int32, n)
	bucketIDs := map[[5]int32]int32{}
	for i := range s.insts {
		var key [5]int32
		for k := range p.pipe.spreads {
			key[k] = p.spreadVals[k][i]
		}
		b, ok := bucketIDs[key]
		if !ok {
			b = int32(len(p.buckets))
			bucketIDs[key] = b
			p.buckets = append(p.buckets, instHeap{less: p.lessInBucket, pos: p.heapPos})
		}
		p.bucket[i] = b
		p.heapPos[i], p.densePos[i] = -1, -1
		p.stage[i] = p.evaluate(i)
		if p.isFeasible(i) {
			p.feasible++
			p.enter(int32(i))
		} else {
			p.rejected[p.stage[i]]++
		}
	}
	return p
}

// indexSpreads interns the values of each spread attribute, in snapshot
// order, and counts the group's tasks per value.
func (p *plan) indexSpreads() {
	for _, sa := range p.pipe.spreads {
		ids := map[string]int32{}
		missing := int32(-1)
		vals := make([]int32, len(p.s.insts))
		var counts []int
		for i := range p.s.insts {
			v, ok := p.s.insts[i].Attributes[sa.name]
			var id int32
			switch {
			case !ok && missing >= 0:
				id = missing
			case !ok:
				id = int32(len(counts))
				missing = id
				counts = append(counts, 0)
			default:
				var seen bool
				if id, seen = ids[v]; !seen {
					id = int32(len(counts))
					ids[v] = id
					counts = append(counts, 0)
				}
			}
			vals[i] = id
			counts[id] += int(p.groupCount[i])
		}
		p.spreadVals = append(p.spreadVals, vals)
		p.spreadCounts = append(p.spreadCounts, counts)
	}
}

// evaluate returns the index of the first filter that rejects instance i,
// or len(filters) when all pass.
func (p *plan) evaluate(i int) int32 {
	in := &p.s.insts[i]
	for f, flt := range p.pipe.filters {
		if !flt.pass(in) {
			return int32(f)
		}
	}
	return int32(len(p.pipe.filters))
}

func (p *plan) isFeasible(i int) bool { return int(p.stage[i]) == len(p.pipe.filters) }

// enter adds a feasible instance to the choice structure.
func (p *plan) enter(i int32) {
	if p.pureRandom {
		p.densePos[i] = int32(len(p.dense))
		p.dense = append(p.dense, i)
		return
	}
	p.buckets[p.bucket[i]].push(i)
}

// leave removes an instance that is no longer feasible.
func (p *plan) leave(i int32) {
	if p.pureRandom {
		at, last := p.densePos[i], p.dense[len(p.dense)-1]
		p.dense[at], p.densePos[last] = last, at
		p.dense = p.dense[:len(p.dense)-1]
		p.densePos[i] = -1
		return
	}
	p.buckets[p.bucket[i]].remove(i)
}

// lessInBucket orders instances of one bucket: by the strategies that do
// not depend on the bucket, then by random rank, then by index.
func (p *plan) lessInBucket(a, b int32) bool {
	for _, st := range p.pipe.local {
		ka, kb := st.key(p, int(a)), st.key(p, int(b))
		if ka != kb {
			return ka < kb
		}
	}
	return p.tieLess(a, b)
}

// less orders any two instances by every strategy, then by random rank.
func (p *plan) less(a, b int32) bool {
	for _, st := range p.pipe.strategies {
		ka, kb := st.key(p, int(a)), st.key(p, int(b))
		if ka != kb {
			return ka < kb
		}
	}
	return p.tieLess(a, b)
}

func (p *plan) tieLess(a, b int32) bool {
	if p.rank[a] != p.rank[b] {
		return p.rank[a] < p.rank[b]
	}
	return a < b
}

// choose returns the instance for the next task, or -1 when none is
// feasible.
func (p *plan) choose(rng *rand.Rand) int {
	if p.feasible == 0 {
		return -1
	}
	if p.pureRandom {
		return int(p.dense[rng.IntN(len(p.dense))])
	}
	best := int32(-1)
	for b := range p.buckets {
		h := &p.buckets[b]
		if len(h.items) == 0 {
			continue
		}
		if c := h.items[0]; best < 0 || p.less(c, best) {
			best = c
		}
	}
	return int(best)
}

// place records a task on instance i and updates every index it touches.
// The winner's random rank is drawn again, so that ties are not always
// resolved the same way.
func (p *plan) place(i int, rng *rand.Rand) {
	p.s.take(i, &p.req)
	p.failure = nil
	p.groupCount[i]++
	for k := range p.pipe.spreads {
		p.spreadCounts[k][p.spreadVals[k][i]]++
	}
	p.rank[i] = rng.Uint64()
	p.stage[i] = p.evaluate(i)
	if !p.isFeasible(i) {
		p.feasible--
		p.rejected[p.stage[i]]++
		p.leave(int32(i))
		return
	}
	if !p.pureRandom {
		p.buckets[p.bucket[i]].fix(int(p.heapPos[i]))
	}
}
