package placement

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// host builds an ACTIVE, connected instance in an AZ with room left.
func host(id, az string, cpu, memory int64, edits ...func(*Instance)) Instance {
	in := Instance{
		ARN: "arn:aws:ecs:us-east-1:1:container-instance/c/" + id, ID: id,
		Status: StatusActive, AgentConnected: true,
		Attributes:   map[string]string{"ecs.availability-zone": az},
		RemainingCPU: cpu, RemainingMemory: memory,
		UsedPorts: []int{22, 2375, 2376, 51678, 51679},
		Groups:    map[string]int{},
	}
	for _, e := range edits {
		e(&in)
	}
	return in
}

func running(group string, n int) func(*Instance) {
	return func(in *Instance) { in.Groups[group] += n; in.RunningTasksCount += n }
}

func attr(k, v string) func(*Instance) { return func(in *Instance) { in.Attributes[k] = v } }

// landed returns the IDs of the chosen instances, in order.
func landed(snap Snapshot, res Result) []string {
	var ids []string
	for _, d := range res.Decisions {
		ids = append(ids, snap.Instances[d.Instance].ID)
	}
	return ids
}

func TestFailures(t *testing.T) {
	draining := func(in *Instance) { in.Status = StatusDraining }
	disconnected := func(in *Instance) { in.AgentConnected = false }
	tests := []struct {
		name    string
		insts   []Instance
		req     Request
		arn     string
		reason  string
		explain string
	}{
		{"draining and disconnected", []Instance{host("a", "x", 1024, 1024, draining), host("b", "x", 1024, 1024, disconnected)},
			Request{CPU: 1}, "b", ReasonAgent, "1 had a status other than ACTIVE, 1 had no connected agent"},
		{"cpu", []Instance{host("a", "x", 100, 1024)}, Request{CPU: 200}, "a", ReasonCPU, "1 lacked CPU"},
		{"memory is closer than cpu", []Instance{host("a", "x", 100, 1024), host("b", "x", 300, 100)},
			Request{CPU: 200, Memory: 200}, "b", ReasonMemory, "1 lacked CPU, 1 lacked memory"},
		{"reserved tcp port", []Instance{host("a", "x", 100, 100)}, Request{Ports: []int{22}}, "a", ReasonPorts, "1 had a TCP host port in use"},
		{"udp port", []Instance{host("a", "x", 100, 100, func(in *Instance) { in.UsedPortsUDP = []int{53} })},
			Request{Ports: []int{53}, PortsUDP: []int{53}}, "a", ReasonPortsUDP, "1 had a UDP host port in use"},
		{"attribute", []Instance{host("a", "x", 100, 100)},
			Request{RequiredAttributes: []Attribute{{Name: "ecs.capability.container-health-check"}}}, "a", ReasonAttribute,
			"1 lacked attribute ecs.capability.container-health-check"},
		{"memberOf", []Instance{host("a", "x", 100, 100, attr("stack", "dev")), host("b", "x", 100, 100), host("c", "x", 0, 0)},
			Request{CPU: 50, Constraints: []Constraint{{Type: MemberOf, Expression: "attribute:stack  ==  prod"}}}, "a", ReasonMemberOf,
			"1 lacked CPU, 2 failed memberOf(attribute:stack == prod)"},
		{"distinctInstance counts running tasks", []Instance{host("a", "x", 100, 100, running("g", 1))},
			Request{Group: "g", Constraints: []Constraint{{Type: DistinctInstance}}}, "a", ReasonDistinctInstance, "1 failed distinctInstance"},
		{"first in snapshot order among equals", []Instance{host("a", "x", 1, 1), host("b", "x", 1, 1)},
			Request{CPU: 2}, "a", ReasonCPU, "2 lacked CPU"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Count = 2
			res, err := Place(Snapshot{Instances: tc.insts}, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Decisions) != 0 || len(res.Failures) != 2 {
				t.Fatalf("got %+v, want two failures", res)
			}
			f := res.Failures[0]
			want := Failure{ARN: "arn:aws:ecs:us-east-1:1:container-instance/c/" + tc.arn, Reason: tc.reason,
				Explanation: "no container instance met all requirements: " + tc.explain}
			if f != want || res.Failures[1] != want {
				t.Errorf("failure\n got %+v\nwant %+v", f, want)
			}
		})
	}
}

func TestEmptyCluster(t *testing.T) {
	res, err := Place(Snapshot{}, Request{Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) != 1 || res.Failures[0].ARN != "" || !strings.Contains(res.Failures[0].Explanation, "no container instances") {
		t.Errorf("got %+v, want one failure without ARN", res)
	}
}

func TestStrategies(t *testing.T) {
	tests := []struct {
		name  string
		insts []Instance
		req   Request
		want  []string
	}{
		{"binpack memory: least remaining that fits",
			[]Instance{host("big", "x", 4096, 8192), host("small", "x", 4096, 1024), host("tiny", "x", 4096, 256)},
			Request{Count: 1, Memory: 512, Strategies: []Strategy{{Type: Binpack, Field: "memory"}}}, []string{"small"}},
		{"binpack cpu fills one instance, then the next",
			[]Instance{host("a", "x", 1024, 8192), host("b", "x", 512, 8192)},
			Request{Count: 3, CPU: 256, Strategies: []Strategy{{Type: Binpack, Field: "cpu"}}}, []string{"b", "b", "a"}},
		{"spread instanceId counts running tasks of the group only",
			[]Instance{host("a", "x", 4096, 8192, running("g", 1)), host("b", "x", 4096, 8192, running("other", 5))},
			Request{Count: 1, Group: "g", Strategies: []Strategy{{Type: Spread, Field: "instanceId"}}}, []string{"b"}},
		{"spread AZ then binpack",
			[]Instance{host("a1", "a", 4096, 4096, running("g", 1)), host("b1", "b", 4096, 4096), host("b2", "b", 4096, 2048)},
			Request{Count: 2, Group: "g", Memory: 100, Strategies: []Strategy{
				{Type: Spread, Field: "attribute:ecs.availability-zone"}, {Type: Binpack, Field: "memory"}}}, []string{"b2", "b2"}},
		{"instances lacking the attribute form their own value",
			[]Instance{host("a", "a", 4096, 4096, running("g", 1)), host("none", "", 4096, 4096, func(in *Instance) {
				delete(in.Attributes, "ecs.availability-zone")
			})},
			Request{Count: 1, Group: "g", Strategies: []Strategy{{Type: Spread, Field: "attribute:ecs.availability-zone"}}}, []string{"none"}},
		{"count > 1 sees earlier tasks",
			[]Instance{host("a", "x", 4096, 1000), host("b", "x", 4096, 600)},
			Request{Count: 3, Memory: 500, Strategies: []Strategy{{Type: Binpack, Field: "memory"}}}, []string{"b", "a", "a"}},
		{"distinctInstance with count > 1",
			[]Instance{host("a", "x", 4096, 4096), host("b", "x", 4096, 4096)},
			Request{Count: 2, Group: "g", Constraints: []Constraint{{Type: DistinctInstance}}, Strategies: []Strategy{{Type: Binpack, Field: "cpu"}}},
			[]string{"a", "b"}},
		{"static port taken by the first task",
			[]Instance{host("a", "x", 4096, 4096), host("b", "x", 8192, 4096)},
			Request{Count: 2, Ports: []int{80}, Strategies: []Strategy{{Type: Binpack, Field: "cpu"}}}, []string{"a", "b"}},
		{"memberOf task:group affinity is re-evaluated after each task",
			[]Instance{host("a", "x", 4096, 4096), host("b", "x", 4096, 4096)},
			Request{Count: 2, Group: "g", Constraints: []Constraint{{Type: MemberOf, Expression: "runningTasksCount == 0"}},
				Strategies: []Strategy{{Type: Binpack, Field: "cpu"}}}, []string{"a", "b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := Snapshot{Instances: tc.insts}
			res, err := Place(snap, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if got := landed(snap, res); !slices.Equal(got, tc.want) {
				t.Errorf("landed on %v, want %v (failures %+v)", got, tc.want, res.Failures)
			}
		})
	}
}

func TestDefaultServiceStrategiesBalanceAZs(t *testing.T) {
	var insts []Instance
	for _, az := range []string{"a", "b", "c"} {
		for _, id := range []string{"1", "2"} {
			insts = append(insts, host(az+id, az, 4096, 4096))
		}
	}
	snap := Snapshot{Instances: insts}
	res, err := Place(snap, Request{Count: 6, Group: "service:web", Strategies: DefaultServiceStrategies(), Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	got := landed(snap, res)
	slices.Sort(got)
	if want := []string{"a1", "a2", "b1", "b2", "c1", "c2"}; !slices.Equal(got, want) {
		t.Errorf("landed on %v, want one task per instance", got)
	}
}

func TestDeterministic(t *testing.T) {
	var insts []Instance
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		insts = append(insts, host(id, id, 4096, 4096))
	}
	snap := Snapshot{Instances: insts}
	seen := map[string]bool{}
	for seed := range int64(20) {
		req := Request{Count: 5, Seed: seed}
		first, _ := Place(snap, req)
		again, _ := Place(snap, req)
		if !slices.Equal(first.Decisions, again.Decisions) {
			t.Fatalf("seed %d: %v then %v", seed, first.Decisions, again.Decisions)
		}
		seen[strings.Join(landed(snap, first), "")] = true
	}
	if len(seen) < 10 {
		t.Errorf("random placement gave %d distinct outcomes over 20 seeds", len(seen))
	}
	for _, in := range snap.Instances {
		if in.RemainingCPU != 4096 || len(in.Groups) != 0 {
			t.Fatalf("Place modified the snapshot: %+v", in)
		}
	}
}

func TestSchedulerKeepsState(t *testing.T) {
	snap := Snapshot{Instances: []Instance{host("a", "x", 1024, 1024), host("b", "x", 1024, 1024)}}
	s := NewScheduler(snap)
	req := Request{Count: 1, Group: "g", CPU: 1024, Constraints: []Constraint{{Type: DistinctInstance}}}
	for range 2 {
		if res, _ := s.Place(req); len(res.Decisions) != 1 {
			t.Fatalf("got %+v, want a placement", res)
		}
	}
	res, _ := s.Place(req)
	if len(res.Failures) != 1 || res.Failures[0].Reason != ReasonCPU {
		t.Errorf("third task: got %+v, want RESOURCE:CPU", res)
	}
	after := s.Snapshot()
	for _, in := range after.Instances {
		if in.RemainingCPU != 0 || in.Groups["g"] != 1 || in.RunningTasksCount != 1 {
			t.Errorf("instance %s after: %+v", in.ID, in)
		}
	}
}

func TestValidateRequest(t *testing.T) {
	many := func(n int, c Constraint) []Constraint { return slices.Repeat([]Constraint{c}, n) }
	tests := []struct {
		name, field string
		req         Request
	}{
		{"negative count", "count", Request{Count: -1}},
		{"too many constraints", "placementConstraints", Request{Constraints: many(11, Constraint{Type: DistinctInstance})}},
		{"too many strategies", "placementStrategy", Request{Strategies: slices.Repeat([]Strategy{{Type: Random}}, 6)}},
		{"distinctInstance with expression", "placementConstraints[0].expression",
			Request{Constraints: []Constraint{{Type: DistinctInstance, Expression: "x"}}}},
		{"memberOf without expression", "placementConstraints[0].expression", Request{Constraints: []Constraint{{Type: MemberOf}}}},
		{"memberOf too long", "placementConstraints[1].expression", Request{Constraints: []Constraint{
			{Type: DistinctInstance}, {Type: MemberOf, Expression: "attribute:a == " + strings.Repeat("x", 2000)}}}},
		{"memberOf syntax", "placementConstraints[0].expression", Request{Constraints: []Constraint{{Type: MemberOf, Expression: "attribute:a =="}}}},
		{"unknown constraint", "placementConstraints[0].type", Request{Constraints: []Constraint{{Type: "sameZone"}}}},
		{"unknown strategy", "placementStrategy[0].type", Request{Strategies: []Strategy{{Type: "pack"}}}},
		{"binpack field", "placementStrategy[0].field", Request{Strategies: []Strategy{{Type: Binpack, Field: "disk"}}}},
		{"spread field", "placementStrategy[1].field", Request{Strategies: []Strategy{{Type: Random}, {Type: Spread, Field: "attribute:"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateRequest(tc.req)
			var re *RequestError
			if !errors.As(err, &re) || re.Field != tc.field || !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("got %v, want a RequestError on %s", err, tc.field)
			}
			if !strings.HasPrefix(err.Error(), tc.field+": ") {
				t.Errorf("message %q does not start with the field", err)
			}
			if _, perr := Place(Snapshot{}, tc.req); perr == nil {
				t.Error("Place accepted the request")
			}
		})
	}
	var se *SyntaxError
	if err := ValidateRequest(Request{Constraints: []Constraint{{Type: MemberOf, Expression: "attribute:a =="}}}); !errors.As(err, &se) {
		t.Errorf("memberOf syntax error %v does not unwrap to *SyntaxError", err)
	}
	ok := Request{Count: 1, Constraints: many(10, Constraint{Type: MemberOf, Expression: "attribute:a exists"}),
		Strategies: append(DefaultServiceStrategies(), Strategy{Type: Binpack, Field: "MEMORY"}, Strategy{Type: Spread, Field: "host"}, Strategy{Type: Random})}
	if err := ValidateRequest(ok); err != nil {
		t.Errorf("valid request rejected: %v", err)
	}
}

func TestSchedulerCopiesTheRequest(t *testing.T) {
	snap := Snapshot{Instances: []Instance{host("a", "x", 4096, 4096)}}
	s := NewScheduler(snap)
	req := Request{Count: 1, Ports: []int{80}}
	if res, _ := s.Place(req); len(res.Decisions) != 1 {
		t.Fatalf("first: %+v", res)
	}
	req.Ports[0] = 81 // same slice, new port: a new shape, not the cached one
	if res, _ := s.Place(req); len(res.Decisions) != 1 {
		t.Errorf("port 81 after port 80: %+v", res)
	}
	req.Ports[0] = 80
	if res, _ := s.Place(req); len(res.Failures) != 1 || res.Failures[0].Reason != ReasonPorts {
		t.Errorf("port 80 again: %+v, want RESOURCE:PORTS", res)
	}
}
