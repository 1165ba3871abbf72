package ecs

import (
	"cmp"
	"slices"
	"strings"
)

// scaleIn picks n of a service's tasks to stop (ECS-SPEC §4.3): tasks not
// yet RUNNING or not healthy go first; then the service's strategies
// decide, in order — spread stops a task where its field value has the
// most tasks, binpack stops on the instance with the most of that resource
// left, random does not prefer — and without strategies the default keeps
// the service balanced across Availability Zones, then instances. The
// newest task breaks the remaining ties.
//
// The placement package has no scale-in selection yet; this local one
// follows the same rules.
func (p *pass) scaleIn(cands []*taskRecord, n int) []*taskRecord {
	strategies := p.rec.Service.PlacementStrategy
	if len(strategies) == 0 {
		strategies = []PlacementStrategy{
			{Type: "spread", Field: "attribute:ecs.availability-zone"},
			{Type: "spread", Field: "instanceId"},
		}
	}
	rest := slices.Clone(cands)
	var out []*taskRecord
	for ; n > 0 && len(rest) > 0; n-- {
		// How many remaining tasks share each strategy field value.
		counts := make([]map[string]int, len(strategies))
		for i, s := range strategies {
			if s.Type != "spread" {
				continue
			}
			counts[i] = map[string]int{}
			for _, t := range rest {
				counts[i][p.fieldValue(t, s.Field)]++
			}
		}
		best := slices.MinFunc(rest, func(a, b *taskRecord) int {
			if c := cmp.Compare(boolRank(a.Task.LastStatus == TaskStatusRunning), boolRank(b.Task.LastStatus == TaskStatusRunning)); c != 0 {
				return c
			}
			if c := cmp.Compare(boolRank(p.mustHealthy(a)), boolRank(p.mustHealthy(b))); c != 0 {
				return c
			}
			for i, s := range strategies {
				switch s.Type {
				case "spread":
					if c := cmp.Compare(counts[i][p.fieldValue(b, s.Field)], counts[i][p.fieldValue(a, s.Field)]); c != 0 {
						return c
					}
				case "binpack":
					if c := cmp.Compare(p.remaining(b, s.Field), p.remaining(a, s.Field)); c != 0 {
						return c
					}
				}
			}
			if c := b.Task.CreatedAt.Compare(a.Task.CreatedAt.Time); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		out = append(out, best)
		rest = slices.DeleteFunc(rest, func(t *taskRecord) bool { return t == best })
	}
	return out
}

// fieldValue is a spread field's value for a task's instance.
func (p *pass) fieldValue(t *taskRecord, field string) string {
	switch {
	case field == "instanceId" || field == "host":
		return t.InstanceID
	case strings.HasPrefix(field, "attribute:"):
		if in := p.insts[t.InstanceID]; in != nil {
			v, _ := in.attr(strings.TrimPrefix(field, "attribute:"))
			return v
		}
	}
	return ""
}

// remaining is what a task's instance has left of a binpack resource.
func (p *pass) remaining(t *taskRecord, field string) int64 {
	in := p.insts[t.InstanceID]
	if in == nil {
		return 0
	}
	if strings.EqualFold(field, "cpu") {
		return in.CPU - in.UsedCPU
	}
	return in.Memory - in.UsedMemory
}
