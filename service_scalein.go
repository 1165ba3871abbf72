package ecs

import (
	"cmp"
	"slices"
	"strings"

	"github.com/ecskit/ecs/placement"
)

// scaleIn picks n of a service's tasks to stop: tasks not yet RUNNING go
// first, then RUNNING ones not yet healthy (newest first in both groups);
// among healthy tasks placement.SelectScaleIn decides by the service's
// strategies (ECS-SPEC §4.3), by default keeping the service balanced
// across Availability Zones, then instances.
func (p *pass) scaleIn(cands []*taskRecord, n int) []*taskRecord {
	rank := func(t *taskRecord) int {
		switch {
		case t.Task.LastStatus != TaskStatusRunning:
			return 0
		case !p.mustHealthy(t):
			return 1
		}
		return 2
	}
	var early, healthy []*taskRecord
	for _, t := range cands {
		if rank(t) < 2 {
			early = append(early, t)
		} else {
			healthy = append(healthy, t)
		}
	}
	slices.SortStableFunc(early, func(a, b *taskRecord) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		if c := b.Task.CreatedAt.Compare(a.Task.CreatedAt.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	out := slices.Clone(early[:min(n, len(early))])
	if n -= len(out); n <= 0 || len(healthy) == 0 {
		return out
	}
	slices.SortFunc(healthy, func(a, b *taskRecord) int { return strings.Compare(a.ID, b.ID) })
	ids := make([]string, 0, len(p.insts))
	for id := range p.insts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var snap placement.Snapshot
	index := map[string]int{}
	for i, id := range ids {
		index[id] = i
		snap.Instances = append(snap.Instances, p.cp.placementInstance(p.insts[id]))
	}
	tasks := make([]placement.RunningTask, len(healthy))
	for i, t := range healthy {
		at, ok := index[t.InstanceID]
		if !ok {
			at = len(snap.Instances) + i // an instance of its own
		}
		tasks[i] = placement.RunningTask{Instance: at, CPU: t.CPU, Memory: t.Memory}
	}
	var strategies []placement.Strategy
	for _, s := range p.rec.Service.PlacementStrategy {
		strategies = append(strategies, placement.Strategy{Type: placement.StrategyType(s.Type), Field: s.Field})
	}
	for _, i := range placement.SelectScaleIn(snap, tasks, n, strategies, p.cp.seed()) {
		out = append(out, healthy[i])
	}
	return out
}
