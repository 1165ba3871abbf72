package placement

// spreadInstance prefers the instances running the fewest tasks of the
// group (spread(instanceId), spread(host)).
type spreadInstance struct{}

func (spreadInstance) key(p *plan, i int) int64 { return int64(p.groupCount[i]) }

// spreadAttribute prefers instances whose value of an attribute has the
// fewest tasks of the group across the whole cluster. Instances lacking
// the attribute share a value of their own.
type spreadAttribute struct {
	name string
	// k indexes the plan's per-spread tables.
	k int
}

func (s *spreadAttribute) key(p *plan, i int) int64 {
	return int64(p.spreadCounts[s.k][p.spreadVals[s.k][i]])
}
