package placement

import (
	"strings"
)

const noInstanceMet = "no container instance met all requirements"

// fail describes why no instance can take the next task. The failure names
// the closest instance: the one that passed the most pipeline stages, the
// first in snapshot order among equals; its reason is that of the stage
// that rejected it. The explanation counts, in pipeline order, the
// instances each filter rejected (each instance counts once, against the
// first filter that rejected it).
//
// The result is kept until the next placement, since nothing changes in
// between.
func (p *plan) fail() Failure {
	if p.failure != nil {
		return *p.failure
	}
	closest := 0
	for i := range p.stage {
		if p.stage[i] > p.stage[closest] {
			closest = i
		}
	}
	f := Failure{
		ARN:         p.s.insts[closest].ARN,
		Reason:      p.pipe.filters[p.stage[closest]].reason(),
		Explanation: explain(p.pipe.filters, p.rejected),
	}
	p.failure = &f
	return f
}

// explain renders per-filter rejection counts, e.g. "no container instance
// met all requirements: 3 lacked memory, 2 failed memberOf(attribute:stack
// == prod)".
func explain(filters []filter, rejected []int) string {
	var parts []string
	for f, n := range rejected {
		if n > 0 {
			parts = append(parts, filters[f].explain(n))
		}
	}
	return noInstanceMet + ": " + strings.Join(parts, ", ")
}
