package sim

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ecskit/ecs/placement"
)

// Task is what a task definition asks of an instance.
type Task struct {
	// Family names the task definition; the default group is family:Family.
	Family string
	// CPU and Memory are the task's reservation (CPU units, MiB).
	CPU    int64
	Memory int64
	// Ports and PortsUDP are static host ports.
	Ports    []int
	PortsUDP []int
	// RequiredAttributes are the task definition's requiresAttributes.
	RequiredAttributes []placement.Attribute
	// Constraints are the task definition's placementConstraints.
	Constraints []placement.Constraint
}

// RunOption configures one placement.
type RunOption func(*placement.Request)

// Group sets the task group (default family:Family).
func Group(g string) RunOption { return func(r *placement.Request) { r.Group = g } }

// AsService places the tasks as ECS does for a REPLICA service named name:
// group service:name and, unless strategies are given, ECS's default
// service strategies.
func AsService(name string) RunOption {
	return func(r *placement.Request) {
		r.Group = "service:" + name
		if len(r.Strategies) == 0 {
			r.Strategies = placement.DefaultServiceStrategies()
		}
	}
}

// Strategies sets the placement strategies, in order.
func Strategies(s ...placement.Strategy) RunOption {
	return func(r *placement.Request) { r.Strategies = s }
}

// Constraints adds placement constraints to the task definition's.
func Constraints(c ...placement.Constraint) RunOption {
	return func(r *placement.Request) { r.Constraints = append(r.Constraints, c...) }
}

// Seed sets the random seed (default 0).
func Seed(s int64) RunOption { return func(r *placement.Request) { r.Seed = s } }

// Spread is the spread strategy over field (instanceId, host or
// attribute:NAME).
func Spread(field string) placement.Strategy {
	return placement.Strategy{Type: placement.Spread, Field: field}
}

// Binpack is the binpack strategy over cpu or memory.
func Binpack(field string) placement.Strategy {
	return placement.Strategy{Type: placement.Binpack, Field: field}
}

// Random is the random strategy.
func Random() placement.Strategy { return placement.Strategy{Type: placement.Random} }

// MemberOf is the memberOf constraint.
func MemberOf(expr string) placement.Constraint {
	return placement.Constraint{Type: placement.MemberOf, Expression: expr}
}

// DistinctInstance is the distinctInstance constraint.
func DistinctInstance() placement.Constraint {
	return placement.Constraint{Type: placement.DistinctInstance}
}

// Run places n tasks of task on the cluster and keeps them there. The
// error is an invalid request (see placement.ValidateRequest).
func (c *Cluster) Run(task Task, n int, opts ...RunOption) (*Outcome, error) {
	req := placement.Request{
		Group: "family:" + task.Family, Count: n, CPU: task.CPU, Memory: task.Memory,
		Ports: task.Ports, PortsUDP: task.PortsUDP,
		RequiredAttributes: task.RequiredAttributes,
		Constraints:        append([]placement.Constraint(nil), task.Constraints...),
	}
	for _, o := range opts {
		o(&req)
	}
	if c.sched == nil {
		c.sched = placement.NewScheduler(placement.Snapshot{Instances: c.insts})
	}
	res, err := c.sched.Place(req)
	if err != nil {
		return nil, err
	}
	o := &Outcome{Result: res, Request: req}
	snap := c.sched.Snapshot()
	c.insts = snap.Instances
	for _, d := range res.Decisions {
		o.Instances = append(o.Instances, snap.Instances[d.Instance])
	}
	return o, nil
}

// Outcome is where the tasks of one Run landed.
type Outcome struct {
	// Result is the placement result.
	Result placement.Result
	// Request is the request that was placed.
	Request placement.Request
	// Instances are the chosen instances, one per placed task, in order,
	// as they were after the whole run.
	Instances []placement.Instance
}

// Placed returns how many tasks were placed.
func (o *Outcome) Placed() int { return len(o.Result.Decisions) }

// CountBy counts the placed tasks per value of an attribute, such as
// ecs.availability-zone or ecs.instance-type; "instanceId" counts per
// instance ID. Instances lacking the attribute count under "".
func (o *Outcome) CountBy(attribute string) map[string]int {
	out := map[string]int{}
	for _, in := range o.Instances {
		if attribute == "instanceId" {
			out[in.ID]++
			continue
		}
		out[in.Attributes[attribute]]++
	}
	return out
}

// Reasons counts the failures per ECS reason.
func (o *Outcome) Reasons() map[string]int {
	out := map[string]int{}
	for _, f := range o.Result.Failures {
		out[f.Reason]++
	}
	return out
}

// String reports the placed tasks per Availability Zone and instance type,
// then each distinct failure with its explanation.
func (o *Outcome) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "placed %d of %d tasks", o.Placed(), o.Request.Count)
	for _, attr := range []string{"ecs.availability-zone", "ecs.instance-type"} {
		counts := o.CountBy(attr)
		keys := make([]string, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s=%d", k, counts[k]))
		}
		if len(parts) > 0 {
			fmt.Fprintf(&b, "\n  by %s: %s", attr, strings.Join(parts, " "))
		}
	}
	seen := map[placement.Failure]int{}
	var order []placement.Failure
	for _, f := range o.Result.Failures {
		if seen[f] == 0 {
			order = append(order, f)
		}
		seen[f]++
	}
	for _, f := range order {
		fmt.Fprintf(&b, "\n%d not placed: %s (closest: %s)\n  %s", seen[f], f.Reason, f.ARN, f.Explanation)
	}
	return b.String()
}
