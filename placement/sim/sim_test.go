package sim_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/ecskit/ecs/placement"
	"github.com/ecskit/ecs/placement/sim"
)

var m5, c5 = sim.InstanceType{Name: "m5.large", CPU: 2048, Memory: 7680}, sim.InstanceType{Name: "c5.large", CPU: 2048, Memory: 3704}

// TestServiceSpreadsAcrossAZs is the kind of test a user of real ECS
// writes: the service's tasks must be balanced across AZs and stay on
// prod instances.
func TestServiceSpreadsAcrossAZs(t *testing.T) {
	c := sim.NewCluster("prod").
		Add(2, m5, "us-east-1a", sim.Attribute("stack", "prod")).
		Add(2, m5, "us-east-1b", sim.Attribute("stack", "prod"), sim.Running("service:web", 1, 256, 512)).
		Add(2, c5, "us-east-1c", sim.Attribute("stack", "prod")).
		Add(3, m5, "us-east-1c", sim.Attribute("stack", "dev"))
	web := sim.Task{Family: "web", CPU: 256, Memory: 512,
		Constraints: []placement.Constraint{sim.MemberOf("attribute:stack == prod")}}

	out, err := c.Run(web, 4, sim.AsService("web"))
	if err != nil {
		t.Fatal(err)
	}
	// 2 tasks already run in us-east-1b, so the 4 new ones go to a and c.
	want := map[string]int{"us-east-1a": 2, "us-east-1c": 2}
	if got := out.CountBy("ecs.availability-zone"); !maps.Equal(got, want) {
		t.Errorf("by AZ %v, want %v", got, want)
	}
	if got := out.CountBy("ecs.instance-type"); got["m5.large"] != 2 || got["c5.large"] != 2 {
		t.Errorf("by type %v", got)
	}
	for _, in := range out.Instances {
		if in.Attributes["stack"] != "prod" {
			t.Errorf("task landed on %s with stack %q", in.ID, in.Attributes["stack"])
		}
	}
}

func TestRunsAccumulate(t *testing.T) {
	tests := []struct {
		name    string
		first   int
		second  int
		placed  int
		reasons map[string]int
	}{
		{"fits", 1, 1, 1, map[string]int{}},
		{"second batch runs out of distinct instances", 2, 2, 1, map[string]int{placement.ReasonDistinctInstance: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := sim.NewCluster("c").Add(3, m5, "us-east-1a")
			task := sim.Task{Family: "db", CPU: 512, Memory: 1024, Constraints: []placement.Constraint{sim.DistinctInstance()}}
			if _, err := c.Run(task, tc.first); err != nil {
				t.Fatal(err)
			}
			out, err := c.Run(task, tc.second, sim.Strategies(sim.Binpack("memory")))
			if err != nil {
				t.Fatal(err)
			}
			if out.Placed() != tc.placed || !maps.Equal(out.Reasons(), tc.reasons) {
				t.Errorf("placed %d (%v), want %d (%v)\n%s", out.Placed(), out.Reasons(), tc.placed, tc.reasons, out)
			}
		})
	}
}

func TestReadCluster(t *testing.T) {
	tests := []struct {
		name, json, err string
		instances       int
	}{
		{"types and running tasks", `{"name":"x","instanceTypes":{"big":{"cpu":8192,"memory":16384}},
			"instances":[{"type":"big","count":2,"az":"a","running":[{"group":"g","count":1,"cpu":1024,"memory":1024}]},
			{"type":"m5.large","az":"b","status":"DRAINING"}]}`, "", 3},
		{"unknown type", `{"instances":[{"type":"z9.huge"}]}`, "instances[0].type", 0},
		{"bad status", `{"instances":[{"type":"m5.large","status":"GONE"}]}`, "instances[0].status", 0},
		{"unknown field", `{"instancez":[]}`, "unknown field", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := sim.ReadCluster(strings.NewReader(tc.json))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one mentioning %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			snap := c.Snapshot()
			if len(snap.Instances) != tc.instances {
				t.Fatalf("%d instances, want %d", len(snap.Instances), tc.instances)
			}
			if in := snap.Instances[0]; in.RemainingCPU != 7168 || in.Groups["g"] != 1 {
				t.Errorf("first instance %+v", in)
			}
		})
	}
}

func TestShorthand(t *testing.T) {
	s, err := sim.ParseStrategies("spread(attribute:ecs.availability-zone), binpack(memory), random")
	if err != nil {
		t.Fatal(err)
	}
	want := []placement.Strategy{sim.Spread("attribute:ecs.availability-zone"), sim.Binpack("memory"), sim.Random()}
	if len(s) != 3 || s[0] != want[0] || s[1] != want[1] || s[2] != want[2] {
		t.Errorf("got %+v", s)
	}
	c, err := sim.ParseConstraint("memberOf(attribute:ecs.availability-zone in [us-east-1a, us-east-1b])")
	if err != nil || c != sim.MemberOf("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]") {
		t.Errorf("got %+v, %v", c, err)
	}
	if _, err := sim.ParseConstraint("memberOf(x"); err == nil {
		t.Error("unbalanced constraint accepted")
	}
}
