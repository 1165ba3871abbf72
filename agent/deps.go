package agent

import (
	"fmt"
	"strings"
	"time"

	"github.com/ecskit/ecs/types"
)

// conditionCreate is the implicit condition of a volumesFrom source: it
// must have been created.
const conditionCreate = "CREATE"

// dependency is one edge of the task's dependency graph: the container
// waits for target to reach condition.
type dependency struct {
	target    string
	condition string
}

// dependencies lists c's explicit dependsOn entries and the implicit ones:
// links wait for START, volumesFrom for CREATE.
func (c *container) dependencies() []dependency {
	var deps []dependency
	for _, d := range c.def.DependsOn {
		deps = append(deps, dependency{d.ContainerName, d.Condition})
	}
	for _, l := range c.def.Links {
		name, _, _ := strings.Cut(l, ":")
		deps = append(deps, dependency{name, types.ConditionStart})
	}
	for _, v := range c.def.VolumesFrom {
		deps = append(deps, dependency{v.SourceContainer, conditionCreate})
	}
	return deps
}

// dependenciesMet reports whether every dependency of c is satisfied. A
// non-empty why means one never can be: the task must fail.
func (t *task) dependenciesMet(c *container) (ok bool, why string) {
	ok = true
	now := t.now()
	for _, dep := range c.dependencies() {
		d := t.byName(dep.target)
		if d == nil {
			return false, fmt.Sprintf("container %s depends on container %s, which is not in the task", c.name, dep.target)
		}
		met, never := conditionState(d, dep.condition)
		if never != "" {
			return false, fmt.Sprintf("container %s cannot start: dependency %s %s", c.name, d.name, never)
		}
		if met {
			continue
		}
		ok = false
		if deadline := timeoutOf(d, dep.condition); !deadline.IsZero() && !now.Before(deadline) {
			return false, fmt.Sprintf("container %s cannot start: dependency %s did not reach %s within its startTimeout of %ds",
				c.name, d.name, dep.condition, *d.def.StartTimeout)
		}
	}
	return ok, ""
}

// conditionState says whether d satisfies condition now (met), or why it
// never will (never).
func conditionState(d *container, condition string) (met bool, never string) {
	switch condition {
	case conditionCreate:
		return d.known >= StatusCreated && d.id != "", ""
	case types.ConditionStart:
		if d.known == StatusStopped && d.startedAt.IsZero() {
			return false, "stopped without starting"
		}
		return d.known >= StatusRunning, ""
	case types.ConditionComplete:
		return d.known == StatusStopped && d.exitCode != nil, neverRan(d)
	case types.ConditionSuccess:
		if d.known == StatusStopped && d.exitCode != nil && *d.exitCode != 0 {
			return false, fmt.Sprintf("exited with code %d, want SUCCESS", *d.exitCode)
		}
		return d.known == StatusStopped && d.exitCode != nil, neverRan(d)
	case types.ConditionHealthy:
		switch {
		case d.def.HealthCheck == nil:
			return false, "has no health check, so it can never be HEALTHY"
		case d.health == types.HealthHealthy:
			return true, ""
		case d.health == types.HealthUnhealthy:
			return false, "is UNHEALTHY"
		case d.known == StatusStopped:
			return false, "stopped before it was HEALTHY"
		}
		return false, ""
	default:
		return false, fmt.Sprintf("has unknown dependsOn condition %q", condition)
	}
}

func neverRan(d *container) string {
	if d.known == StatusStopped && d.exitCode == nil {
		return "stopped without running"
	}
	return ""
}

// timeoutOf is when a dependent gives up waiting for d to reach condition:
// d's startTimeout after d started, for COMPLETE, SUCCESS and HEALTHY.
func timeoutOf(d *container, condition string) time.Time {
	switch condition {
	case types.ConditionComplete, types.ConditionSuccess, types.ConditionHealthy:
	default:
		return time.Time{}
	}
	if d.def.StartTimeout == nil || *d.def.StartTimeout <= 0 || d.startedAt.IsZero() {
		return time.Time{}
	}
	return d.startedAt.Add(time.Duration(*d.def.StartTimeout) * time.Second)
}

// dependencyDeadline is the earliest dependency timeout c is waiting on.
func (t *task) dependencyDeadline(c *container) time.Time {
	if c.depsMet || c.known == StatusStopped {
		return time.Time{}
	}
	var next time.Time
	for _, dep := range c.dependencies() {
		d := t.byName(dep.target)
		if d == nil {
			continue
		}
		if met, _ := conditionState(d, dep.condition); met {
			continue
		}
		if dl := timeoutOf(d, dep.condition); !dl.IsZero() && (next.IsZero() || dl.Before(next)) {
			next = dl
		}
	}
	return next
}

// dependentsStopped reports whether every container depending on c has
// stopped, so that c may be stopped (reverse dependency order).
func (t *task) dependentsStopped(c *container) bool {
	for _, o := range t.containers {
		if o.known == StatusStopped {
			continue
		}
		for _, dep := range o.dependencies() {
			if dep.target == c.name {
				return false
			}
		}
	}
	return true
}

// hasCycle reports whether the dependency graph has a cycle (the control
// plane rejects such task definitions; the agent must not deadlock on one).
func (t *task) hasCycle() bool {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var visit func(c *container) bool
	visit = func(c *container) bool {
		switch state[c.name] {
		case visiting:
			return true
		case done:
			return false
		}
		state[c.name] = visiting
		for _, dep := range c.dependencies() {
			if d := t.byName(dep.target); d != nil && visit(d) {
				return true
			}
		}
		state[c.name] = done
		return false
	}
	for _, c := range t.containers {
		if visit(c) {
			return true
		}
	}
	return false
}

// stopTimeout is c's grace period between SIGTERM and SIGKILL.
func (t *task) stopTimeout(c *container) time.Duration {
	if c.def.StopTimeout != nil && *c.def.StopTimeout > 0 {
		return time.Duration(*c.def.StopTimeout) * time.Second
	}
	return t.a.cfg.StopTimeout
}
