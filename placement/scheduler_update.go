package placement

// A long-lived Scheduler follows a cluster that changes outside it: Add
// appends an instance that registered, Set replaces the state of one that
// changed (tasks started or stopped, status, connectivity, attributes). Both
// keep the indexes of the current request shape current at the cost of the
// instance changed, so a caller that mirrors a store into a Scheduler pays
// for what changed, not for the cluster, on every request.

// Len is the number of instances the scheduler holds.
func (s *Scheduler) Len() int { return len(s.insts) }

// Instance returns the scheduler's current view of instance i (its maps
// and slices must not be modified).
func (s *Scheduler) Instance(i int) Instance { return s.insts[i] }

// Add appends an instance and returns its index. Its maps and slices are
// not modified. The indexes of the current request shape are rebuilt at
// the next Place.
func (s *Scheduler) Add(in Instance) int {
	s.insts = append(s.insts, in)
	s.owned = append(s.owned, false)
	s.plan = nil
	return len(s.insts) - 1
}

// Set replaces the state of instance i; in's maps and slices are not
// modified. It costs O(log n) unless the value of an attribute that the
// current request spreads over changed, in which case the indexes are
// rebuilt at the next Place.
func (s *Scheduler) Set(i int, in Instance) {
	old := s.insts[i]
	s.insts[i] = in
	s.owned[i] = false
	if p := s.plan; p != nil && !p.update(i, &old) {
		s.plan = nil
	}
}

// update brings the plan's indexes in line with the new state of instance
// i; it reports false when the plan must be rebuilt instead.
func (p *plan) update(i int, old *Instance) bool {
	in := &p.s.insts[i]
	for _, sa := range p.pipe.spreads {
		ov, ook := old.Attributes[sa.name]
		nv, nok := in.Attributes[sa.name]
		if ov != nv || ook != nok {
			return false
		}
	}
	p.failure = nil
	g := int32(in.Groups[p.req.Group])
	if d := g - p.groupCount[i]; d != 0 {
		p.groupCount[i] = g
		for k := range p.pipe.spreads {
			p.spreadCounts[k][p.spreadVals[k][i]] += int(d)
		}
	}
	was := p.isFeasible(i)
	if !was {
		p.rejected[p.stage[i]]--
	}
	p.stage[i] = p.evaluate(i)
	now := p.isFeasible(i)
	switch {
	case was && now:
		if !p.pureRandom {
			p.buckets[p.bucket[i]].fix(int(p.heapPos[i]))
		}
	case was && !now:
		p.feasible--
		p.rejected[p.stage[i]]++
		p.leave(int32(i))
	case !was && now:
		p.feasible++
		p.enter(int32(i))
	default:
		p.rejected[p.stage[i]]++
	}
	return true
}
