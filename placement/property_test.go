package placement

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

// propertyCases is 10,000 in CI and fewer otherwise (PLACEMENT_CASES
// overrides both).
func propertyCases() int {
	if v := os.Getenv("PLACEMENT_CASES"); v != "" {
		var n int
		if _, err := fmt.Sscan(v, &n); err == nil {
			return n
		}
	}
	if os.Getenv("CI") != "" {
		return 10000
	}
	if testing.Short() {
		return 200
	}
	return 1000
}

var (
	randAZs   = []string{"us-east-1a", "us-east-1b", "us-east-1c"}
	randExprs = []string{
		"attribute:stack == prod",
		"attribute:stack != prod",
		"attribute:ecs.instance-type =~ m5.*",
		"runningTasksCount < 3",
		"not(task:group == g2)",
		"task:group == g1 or attribute:stack exists",
		"attribute:ecs.availability-zone in [us-east-1a, us-east-1b] and agentVersion >= 1.50.0",
	}
	randStrategies = []Strategy{
		{Type: Binpack, Field: "cpu"}, {Type: Binpack, Field: "memory"},
		{Type: Spread, Field: "instanceId"}, {Type: Spread, Field: "host"},
		{Type: Spread, Field: "attribute:ecs.availability-zone"},
		{Type: Spread, Field: "attribute:stack"}, {Type: Random},
	}
)

// randomCluster builds a small cluster with every kind of instance the
// pipeline distinguishes.
func randomCluster(r *rand.Rand) Snapshot {
	n := r.IntN(25)
	if r.IntN(20) == 0 {
		n = 0
	}
	var snap Snapshot
	for i := range n {
		in := Instance{
			ARN:               fmt.Sprintf("arn:aws:ecs:us-east-1:1:container-instance/c/%02d", i),
			ID:                fmt.Sprintf("%02d", i),
			EC2InstanceID:     fmt.Sprintf("i-%04d", i),
			Status:            StatusActive,
			AgentConnected:    r.IntN(10) != 0,
			AgentVersion:      fmt.Sprintf("1.%d.0", r.IntN(100)),
			RemainingCPU:      int64(r.IntN(5) * 256),
			RemainingMemory:   int64(r.IntN(5) * 512),
			UsedPorts:         []int{22},
			Attributes:        map[string]string{"ecs.instance-type": []string{"m5.large", "c5.large", "t3.small"}[r.IntN(3)]},
			RunningTasksCount: r.IntN(4),
			Groups:            map[string]int{},
		}
		if r.IntN(10) == 0 {
			in.Status = StatusDraining
		}
		if r.IntN(6) != 0 {
			in.Attributes["ecs.availability-zone"] = randAZs[r.IntN(len(randAZs))]
		}
		if r.IntN(3) != 0 {
			in.Attributes["stack"] = []string{"prod", "dev"}[r.IntN(2)]
		}
		if r.IntN(4) == 0 {
			in.UsedPorts = append(in.UsedPorts, 80)
		}
		if r.IntN(4) == 0 {
			in.UsedPortsUDP = []int{53}
		}
		for _, g := range []string{"g1", "g2"} {
			if r.IntN(3) == 0 {
				in.Groups[g] = 1 + r.IntN(2)
			}
		}
		snap.Instances = append(snap.Instances, in)
	}
	return snap
}

func randomRequest(r *rand.Rand) Request {
	req := Request{
		Group:  []string{"g1", "g2"}[r.IntN(2)],
		Count:  1 + r.IntN(12),
		CPU:    int64(r.IntN(3) * 128),
		Memory: int64(r.IntN(3) * 256),
		Seed:   r.Int64(),
	}
	if r.IntN(4) == 0 {
		req.Ports = []int{80}
	}
	if r.IntN(5) == 0 {
		req.PortsUDP = []int{53}
	}
	if r.IntN(5) == 0 {
		req.RequiredAttributes = []Attribute{{Name: "ecs.instance-type", Value: "m5.large"}}
	}
	for range r.IntN(3) {
		if r.IntN(3) == 0 {
			req.Constraints = append(req.Constraints, Constraint{Type: DistinctInstance})
		} else {
			req.Constraints = append(req.Constraints, Constraint{Type: MemberOf, Expression: randExprs[r.IntN(len(randExprs))]})
		}
	}
	for range r.IntN(4) {
		req.Strategies = append(req.Strategies, randStrategies[r.IntN(len(randStrategies))])
	}
	return req
}

// checkAgainstReference replays the fast path's decisions on the
// reference: each must be among the instances the reference ranks best,
// and every failure must be the reference's.
func checkAgainstReference(snap Snapshot, req Request, res Result) error {
	exprs, err := compileRequest(req)
	if err != nil {
		return err
	}
	insts := slices.Clone(snap.Instances)
	for k, d := range res.Decisions {
		best, f := refBest(insts, req, exprs)
		if f != nil {
			return fmt.Errorf("task %d: fast path chose %d, reference fails: %+v", k, d.Instance, *f)
		}
		if !slices.Contains(best, d.Instance) {
			return fmt.Errorf("task %d: fast path chose %d, reference's best are %v", k, d.Instance, best)
		}
		if d.ARN != insts[d.Instance].ARN {
			return fmt.Errorf("task %d: ARN %q, want %q", k, d.ARN, insts[d.Instance].ARN)
		}
		refApply(insts, d.Instance, req)
	}
	for k, f := range res.Failures {
		best, want := refBest(insts, req, exprs)
		if want == nil {
			return fmt.Errorf("failure %d: fast path failed with %+v, reference could place on %v", k, f, best)
		}
		if f != *want {
			return fmt.Errorf("failure %d:\n fast      %+v\n reference %+v", k, f, *want)
		}
	}
	if got := len(res.Decisions) + len(res.Failures); got != req.Count {
		return fmt.Errorf("%d outcomes for %d tasks", got, req.Count)
	}
	return nil
}

// TestPropertyMatchesReference compares the fast path with the reference
// on random clusters and requests, for single requests and for a
// scheduler serving several requests in a row.
func TestPropertyMatchesReference(t *testing.T) {
	cases := propertyCases()
	r := rand.New(rand.NewPCG(1, 2))
	for c := range cases {
		snap := randomCluster(r)
		s := NewScheduler(snap)
		var prev Request
		for step := range 4 {
			req := randomRequest(r)
			if step > 0 && r.IntN(2) == 0 {
				// The same shape again: served from the cached indexes.
				req, req.Count, req.Seed = prev, 1+r.IntN(3), r.Int64()
			}
			prev = req
			before := s.Snapshot()
			res, err := s.Place(req)
			if err != nil {
				t.Fatalf("case %d: %v", c, err)
			}
			if err := checkAgainstReference(before, req, res); err != nil {
				t.Fatalf("case %d step %d request %+v: %v", c, step, req, err)
			}
		}
	}
}

// TestReferenceSelfConsistent checks the reference against itself, so that
// a bug in refPlace's bookkeeping cannot hide behind the fast path.
func TestReferenceSelfConsistent(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for c := range 200 {
		snap, req := randomCluster(r), randomRequest(r)
		res, err := refPlace(snap, req)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkAgainstReference(snap, req, res); err != nil {
			t.Fatalf("case %d: %v", c, err)
		}
	}
}
