package placement

import (
	"maps"
	"math/rand/v2"
	"slices"
)

// Scheduler is the placement engine: it holds its own copy of a snapshot,
// places successive requests on it and updates it after every task, so a
// caller can place many requests without rebuilding anything. It keeps the
// indexes of the last request shape (everything but Count and Seed), so
// repeated requests of one shape cost little more than the placements.
//
// A Scheduler is not safe for concurrent use. Its random source is seeded
// by each request's Seed together with the number of tasks the scheduler
// has placed so far, so a sequence of requests replays exactly.
type Scheduler struct {
	insts  []Instance
	owned  []bool // insts[i]'s maps and slices are ours to modify
	placed uint64
	plan   *plan
}

// NewScheduler returns a scheduler over a copy of snap; snap itself is
// never modified.
func NewScheduler(snap Snapshot) *Scheduler {
	return &Scheduler{
		insts: slices.Clone(snap.Instances),
		owned: make([]bool, len(snap.Instances)),
	}
}

// Place decides where snap would put req.Count tasks. It does not modify
// snap. An error means the request itself is invalid (see ValidateRequest);
// tasks that merely do not fit are reported as Failures.
func Place(snap Snapshot, req Request) (Result, error) {
	return NewScheduler(snap).Place(req)
}

// Place places req.Count tasks, one at a time, each seeing the ones before,
// and records them in the scheduler's state. An error means the request
// is invalid and nothing was placed.
func (s *Scheduler) Place(req Request) (Result, error) {
	if req.Count < 0 || s.plan == nil || !sameShape(s.plan.req, req) {
		exprs, err := compileRequest(req)
		if err != nil {
			return Result{}, err
		}
		ranks := rand.New(rand.NewPCG(uint64(req.Seed), s.placed^0x7f4a7c159e3779b9))
		s.plan = newPlan(s, req, exprs, ranks)
	}
	var res Result
	if req.Count == 0 {
		return res, nil
	}
	if len(s.insts) == 0 {
		f := Failure{Explanation: noInstanceMet + ": the cluster has no container instances"}
		for range req.Count {
			res.Failures = append(res.Failures, f)
		}
		return res, nil
	}
	rng := s.random(req.Seed)
	p := s.plan
	for range req.Count {
		i := p.choose(rng)
		if i < 0 {
			res.Failures = append(res.Failures, p.fail())
			continue
		}
		p.place(i, rng)
		res.Decisions = append(res.Decisions, Decision{Instance: i, ARN: s.insts[i].ARN})
	}
	return res, nil
}

// random returns the source for the next placements: a function of the
// request's seed and of how many tasks this scheduler has placed.
func (s *Scheduler) random(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), s.placed^0x9e3779b97f4a7c15))
}

// Snapshot returns the scheduler's current state: the snapshot it was
// built from with every placed task accounted for. Attributes maps are
// shared with the original snapshot.
func (s *Scheduler) Snapshot() Snapshot {
	out := make([]Instance, len(s.insts))
	for i, in := range s.insts {
		in.Groups = maps.Clone(in.Groups)
		in.UsedPorts = slices.Clone(in.UsedPorts)
		in.UsedPortsUDP = slices.Clone(in.UsedPortsUDP)
		out[i] = in
	}
	return Snapshot{Instances: out}
}

// take accounts one task of req on instance i: its reservation, its
// static ports, and one more task of its group.
func (s *Scheduler) take(i int, req *Request) {
	in := &s.insts[i]
	if !s.owned[i] {
		in.Groups = maps.Clone(in.Groups)
		if in.Groups == nil {
			in.Groups = map[string]int{}
		}
		in.UsedPorts = slices.Clone(in.UsedPorts)
		in.UsedPortsUDP = slices.Clone(in.UsedPortsUDP)
		s.owned[i] = true
	}
	in.RemainingCPU -= req.CPU
	in.RemainingMemory -= req.Memory
	in.UsedPorts = append(in.UsedPorts, req.Ports...)
	in.UsedPortsUDP = append(in.UsedPortsUDP, req.PortsUDP...)
	in.RunningTasksCount++
	in.Groups[req.Group]++
	s.placed++
}

// sameShape reports whether two requests differ at most in Count and Seed.
func sameShape(a, b Request) bool {
	return a.Group == b.Group && a.CPU == b.CPU && a.Memory == b.Memory &&
		slices.Equal(a.Ports, b.Ports) && slices.Equal(a.PortsUDP, b.PortsUDP) &&
		slices.Equal(a.RequiredAttributes, b.RequiredAttributes) &&
		slices.Equal(a.Constraints, b.Constraints) && slices.Equal(a.Strategies, b.Strategies)
}
