package placement

// filter is a feasibility stage: may this instance take the task? Each
// filter is one small immutable type; the pipeline keeps only the filters
// that apply to the request.
type filter interface {
	// pass reports whether the instance may take the task.
	pass(in *Instance) bool
	// reason is the ECS failure reason of an instance this filter rejects.
	reason() string
	// explain describes n rejected instances, e.g. "3 lacked memory".
	explain(n int) string
}

// strategy is a rank stage: how good is this instance? Lower keys are
// better; the strategies of a request compare instances lexicographically,
// each breaking the ties of the one before.
type strategy interface {
	// key scores instance i of the scheduler.
	key(p *plan, i int) int64
}

// pipeline is the compiled form of one request shape.
type pipeline struct {
	filters []filter
	// strategies stops before the first random strategy: random ends the
	// ordering, and the remaining ties go to the seeded random source.
	strategies []strategy
	// spreads are the strategies that rank by the value of an attribute;
	// the fast path groups instances by these values.
	spreads []*spreadAttribute
	// local are the other strategies: their keys depend on the instance
	// alone.
	local []strategy
}

// newPipeline assembles the stages in ECS's documented order (ECS-SPEC
// §4.1). The order matters twice: an instance is counted against the first
// filter that rejects it, and the closest instance named in a failure is the
// one that got furthest.
func newPipeline(req Request, exprs []*Expression) pipeline {
	var p pipeline
	// 1. Candidates: ACTIVE instances (DRAINING and INACTIVE ones take no
	//    new tasks) whose agent is connected.
	p.filters = append(p.filters, statusFilter{}, agentFilter{})
	// 2. Resource filter: required attributes first, as the task cannot run
	//    at all without them, then CPU, memory and static host ports.
	for _, a := range req.RequiredAttributes {
		p.filters = append(p.filters, attributeFilter{a})
	}
	p.filters = append(p.filters, cpuFilter{req.CPU}, memoryFilter{req.Memory})
	if len(req.Ports) > 0 {
		p.filters = append(p.filters, portFilter{ports: req.Ports})
	}
	if len(req.PortsUDP) > 0 {
		p.filters = append(p.filters, portFilter{ports: req.PortsUDP, udp: true})
	}
	// 3. Constraint filter, in the order given: binding, so after the
	//    resources, whose failures say more about capacity.
	for i, c := range req.Constraints {
		switch c.Type {
		case DistinctInstance:
			p.filters = append(p.filters, distinctInstanceFilter{group: req.Group})
		case MemberOf:
			p.filters = append(p.filters, memberOfFilter{expr: exprs[i]})
		}
	}
	// 4. Strategies, in order, each breaking the ties of the one before,
	//    up to the first random one.
	for _, s := range req.Strategies {
		st := newStrategy(s)
		if st == nil {
			break
		}
		if sa, ok := st.(*spreadAttribute); ok {
			sa.k = len(p.spreads)
			p.spreads = append(p.spreads, sa)
		} else {
			p.local = append(p.local, st)
		}
		p.strategies = append(p.strategies, st)
	}
	// 5. Select: the best instance; ties go to the seeded random source.
	return p
}
