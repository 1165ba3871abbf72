package placement

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestSchedulerSetAdd changes a long-lived scheduler's instances at random
// between requests, with Set and Add, and checks every placement against
// the reference run on the changed cluster.
func TestSchedulerSetAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 13))
	for c := range propertyCases() {
		snap := randomCluster(r)
		s := NewScheduler(snap)
		req := randomRequest(r)
		if _, err := s.Place(Request{Group: req.Group, CPU: req.CPU, Memory: req.Memory, Ports: req.Ports,
			PortsUDP: req.PortsUDP, RequiredAttributes: req.RequiredAttributes, Constraints: req.Constraints,
			Strategies: req.Strategies}); err != nil {
			t.Fatal(err)
		}
		pool := randomCluster(r).Instances
		for range 1 + r.IntN(6) {
			if len(pool) == 0 {
				break
			}
			in := pool[0]
			pool = pool[1:]
			if s.Len() > 0 && r.IntN(4) != 0 {
				i := r.IntN(s.Len())
				in.ARN, in.ID = s.Instance(i).ARN, s.Instance(i).ID
				if r.IntN(2) == 0 { // keep the spread attributes: the fast path
					in.Attributes = s.Instance(i).Attributes
				}
				s.Set(i, in)
			} else {
				in.ARN = fmt.Sprintf("arn:aws:ecs:us-east-1:1:container-instance/c/a%02d", s.Len())
				s.Add(in)
			}
		}
		before := s.Snapshot()
		res, err := s.Place(req)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkAgainstReference(before, req, res); err != nil {
			t.Fatalf("case %d: %v\nrequest %+v", c, err, req)
		}
	}
}
