package placement

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Place decides where req.Count tasks go in snap. It does not modify snap.
// An error means the request itself is invalid (for example an expression
// that does not parse); tasks that merely do not fit are reported as
// Failures.
//
// This is the minimal pipeline (candidates, resources, random choice); the
// full ECS pipeline replaces it.
func Place(snap Snapshot, req Request) (Result, error) {
	if req.Count < 0 {
		return Result{}, fmt.Errorf("placement: count must not be negative, got %d", req.Count)
	}
	insts := make([]Instance, len(snap.Instances))
	copy(insts, snap.Instances)
	rng := rand.New(rand.NewPCG(uint64(req.Seed), 0x9e3779b97f4a7c15))
	var res Result
	for range req.Count {
		var fits []int
		closest, reason := -1, ""
		for i := range insts {
			in := &insts[i]
			r := check(in, req)
			if r == "" {
				fits = append(fits, i)
				continue
			}
			if closest < 0 {
				closest, reason = i, r
			}
		}
		if len(fits) == 0 {
			f := Failure{Reason: reason, Explanation: "no container instance met all requirements"}
			if closest >= 0 {
				f.ARN = insts[closest].ARN
			}
			res.Failures = append(res.Failures, f)
			continue
		}
		i := fits[rng.IntN(len(fits))]
		take(&insts[i], req)
		res.Decisions = append(res.Decisions, Decision{Instance: i, ARN: insts[i].ARN})
	}
	return res, nil
}

func check(in *Instance, req Request) string {
	switch {
	case in.Status != StatusActive || !in.AgentConnected:
		return ReasonAgent
	case in.RemainingCPU < req.CPU:
		return ReasonCPU
	case in.RemainingMemory < req.Memory:
		return ReasonMemory
	}
	for _, p := range req.Ports {
		if slices.Contains(in.UsedPorts, p) {
			return ReasonPorts
		}
	}
	for _, p := range req.PortsUDP {
		if slices.Contains(in.UsedPortsUDP, p) {
			return ReasonPortsUDP
		}
	}
	return ""
}

func take(in *Instance, req Request) {
	in.RemainingCPU -= req.CPU
	in.RemainingMemory -= req.Memory
	in.UsedPorts = append(slices.Clip(in.UsedPorts), req.Ports...)
	in.UsedPortsUDP = append(slices.Clip(in.UsedPortsUDP), req.PortsUDP...)
	in.RunningTasksCount++
	g := make(map[string]int, len(in.Groups)+1)
	for k, v := range in.Groups {
		g[k] = v
	}
	g[req.Group]++
	in.Groups = g
}
