package placement

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// This file is the reference implementation: exhaustive, obviously right,
// slow. It shares nothing with the fast path but the query language.
// Every placement scans every instance, runs every check and recounts the
// spread values from scratch.

// refCheck is one pipeline stage of the reference: a check, the ECS
// reason of its failure and the explanation phrase.
type refCheck struct {
	ok     func(in *Instance) bool
	reason string
	phrase string
}

func refChecks(req Request, exprs []*Expression) []refCheck {
	checks := []refCheck{
		{func(in *Instance) bool { return in.Status == "ACTIVE" }, "AGENT", "had a status other than ACTIVE"},
		{func(in *Instance) bool { return in.AgentConnected }, "AGENT", "had no connected agent"},
	}
	for _, a := range req.RequiredAttributes {
		phrase := "lacked attribute " + a.Name
		if a.Value != "" {
			phrase += "=" + a.Value
		}
		checks = append(checks, refCheck{func(in *Instance) bool {
			v, ok := in.Attributes[a.Name]
			return ok && (a.Value == "" || a.Value == v)
		}, "ATTRIBUTE", phrase})
	}
	checks = append(checks,
		refCheck{func(in *Instance) bool { return in.RemainingCPU >= req.CPU }, "RESOURCE:CPU", "lacked CPU"},
		refCheck{func(in *Instance) bool { return in.RemainingMemory >= req.Memory }, "RESOURCE:MEMORY", "lacked memory"})
	free := func(used, want []int) bool {
		for _, p := range want {
			if slices.Contains(used, p) {
				return false
			}
		}
		return true
	}
	if len(req.Ports) > 0 {
		checks = append(checks, refCheck{func(in *Instance) bool { return free(in.UsedPorts, req.Ports) }, "RESOURCE:PORTS", "had a TCP host port in use"})
	}
	if len(req.PortsUDP) > 0 {
		checks = append(checks, refCheck{func(in *Instance) bool { return free(in.UsedPortsUDP, req.PortsUDP) }, "RESOURCE:PORTS_UDP", "had a UDP host port in use"})
	}
	for i, c := range req.Constraints {
		if c.Type == DistinctInstance {
			checks = append(checks, refCheck{func(in *Instance) bool { return in.Groups[req.Group] == 0 },
				"DistinctInstance placement constraint unsatisfied.", "failed distinctInstance"})
			continue
		}
		e := exprs[i]
		checks = append(checks, refCheck{e.Match, "MemberOf placement constraint unsatisfied.", "failed memberOf(" + e.String() + ")"})
	}
	return checks
}

// refBest returns every instance the strategies rank best for the next
// task, or the failure when no instance may take it.
func refBest(insts []Instance, req Request, exprs []*Expression) ([]int, *Failure) {
	if len(insts) == 0 {
		return nil, &Failure{Explanation: "no container instance met all requirements: the cluster has no container instances"}
	}
	checks := refChecks(req, exprs)
	rejected := make([]int, len(checks))
	var feasible []int
	closest, closestPassed, closestReason := -1, -1, ""
	for i := range insts {
		passed := 0
		for passed < len(checks) && checks[passed].ok(&insts[i]) {
			passed++
		}
		if passed == len(checks) {
			feasible = append(feasible, i)
			continue
		}
		rejected[passed]++
		if passed > closestPassed {
			closest, closestPassed, closestReason = i, passed, checks[passed].reason
		}
	}
	if len(feasible) == 0 {
		var parts []string
		for c, n := range rejected {
			if n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, checks[c].phrase))
			}
		}
		return nil, &Failure{ARN: insts[closest].ARN, Reason: closestReason,
			Explanation: "no container instance met all requirements: " + strings.Join(parts, ", ")}
	}
	ties := feasible
	for _, s := range req.Strategies {
		if s.Type == Random {
			break
		}
		ties = refNarrow(insts, req.Group, s, ties)
	}
	return ties, nil
}

// refNarrow keeps the instances of ties that s scores best.
func refNarrow(insts []Instance, group string, s Strategy, ties []int) []int {
	// Spread by attribute counts the group's tasks per value over the whole
	// cluster; instances lacking the attribute share a value of their own.
	type value struct {
		has bool
		v   string
	}
	name, byAttribute := strings.CutPrefix(s.Field, "attribute:")
	perValue := map[value]int{}
	if s.Type == Spread && byAttribute {
		for j := range insts {
			v, ok := insts[j].Attributes[name]
			perValue[value{ok, v}] += insts[j].Groups[group]
		}
	}
	score := func(i int) int64 {
		in := &insts[i]
		switch {
		case s.Type == Binpack && strings.EqualFold(s.Field, "cpu"):
			return in.RemainingCPU
		case s.Type == Binpack:
			return in.RemainingMemory
		case !byAttribute: // instanceId, host
			return int64(in.Groups[group])
		}
		v, ok := in.Attributes[name]
		return int64(perValue[value{ok, v}])
	}
	var best []int
	var bestScore int64
	for _, i := range ties {
		sc := score(i)
		switch {
		case len(best) == 0 || sc < bestScore:
			best, bestScore = []int{i}, sc
		case sc == bestScore:
			best = append(best, i)
		}
	}
	return best
}

// refApply accounts one task of req on insts[i], copying what it changes.
func refApply(insts []Instance, i int, req Request) {
	in := &insts[i]
	in.RemainingCPU -= req.CPU
	in.RemainingMemory -= req.Memory
	in.UsedPorts = append(slices.Clone(in.UsedPorts), req.Ports...)
	in.UsedPortsUDP = append(slices.Clone(in.UsedPortsUDP), req.PortsUDP...)
	in.RunningTasksCount++
	g := map[string]int{}
	for k, v := range in.Groups {
		g[k] = v
	}
	g[req.Group]++
	in.Groups = g
}

// refPlace is the whole reference placement: best set, then a seeded
// uniform choice among the ties.
func refPlace(snap Snapshot, req Request) (Result, error) {
	exprs, err := compileRequest(req)
	if err != nil {
		return Result{}, err
	}
	insts := slices.Clone(snap.Instances)
	rng := rand.New(rand.NewPCG(uint64(req.Seed), 1))
	var res Result
	for range req.Count {
		best, f := refBest(insts, req, exprs)
		if f != nil {
			res.Failures = append(res.Failures, *f)
			continue
		}
		i := best[rng.IntN(len(best))]
		refApply(insts, i, req)
		res.Decisions = append(res.Decisions, Decision{Instance: i, ARN: insts[i].ARN})
	}
	return res, nil
}
