package agent

import (
	"context"
	"errors"
	"strings"

	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/types"
)

// evaluate takes every step the task's state allows now: the essential
// rule, then start steps (desired RUNNING) or stop steps (desired STOPPED),
// then the task's own status.
func (t *task) evaluate(ctx context.Context) {
	for _, c := range t.containers {
		if c.essential && c.known == StatusStopped && t.desired == types.TaskStatusRunning {
			if t.known == types.TaskStatusPending && c.exitCode == nil {
				t.stop(types.StopCodeTaskFailedToStart, c.reason)
			} else {
				t.stop(types.StopCodeEssentialContainerExited, reasonEssentialRan)
			}
		}
	}
	if t.desired == types.TaskStatusRunning {
		t.startSteps(ctx)
	}
	if t.desired == types.TaskStatusStopped {
		t.stopSteps(ctx)
	}
	t.updateKnown()
}

// startSteps pulls every image up front, then creates and starts each
// container once its dependencies allow.
func (t *task) startSteps(ctx context.Context) {
	if t.hasCycle() {
		t.stop(types.StopCodeTaskFailedToStart, prefixDependency+"the container dependency graph has a cycle")
		return
	}
	if !t.volumesOK {
		if err := t.createVolumes(ctx); err != nil {
			for _, c := range t.containers {
				if c.known < StatusCreated {
					t.fail(c, prefixCreate+err.Error())
					return
				}
			}
		}
		t.volumesOK = true
	}
	if !t.resolveSecrets(ctx) {
		return
	}
	pulling := false
	for _, c := range t.containers {
		if t.desired != types.TaskStatusRunning {
			return // a step failed the task
		}
		if c.busy {
			pulling = pulling || c.known == StatusNone
			continue
		}
		switch c.known {
		case StatusNone:
			if t.pullStartedAt.IsZero() {
				t.pullStartedAt = t.now()
			}
			pulling = true
			image := c.def.Image
			t.spawn(ctx, c, opPull, func(ctx context.Context) (string, error) {
				ctx, cancel := context.WithTimeout(ctx, pullTimeout)
				defer cancel()
				return "", runtime.EnsureImage(ctx, t.a.cfg.Runtime, image, t.a.cfg.PullBehavior, t.a.pulledBefore)
			})
		case StatusPulled, StatusCreated:
			if !c.depsMet {
				ok, why := t.dependenciesMet(c)
				if why != "" {
					t.fail(c, prefixDependency+why)
					return
				}
				if !ok {
					continue
				}
				c.depsMet = true
			}
			if c.known == StatusPulled {
				t.create(ctx, c)
			} else {
				id, name := c.id, c.name
				target, err := t.awslogsTarget(c)
				if err != nil {
					t.fail(c, prefixStart+"failed to initialize logging driver: "+err.Error())
					return
				}
				t.spawn(ctx, c, opStart, func(ctx context.Context) (string, error) {
					if target != nil {
						if err := t.prepareLogStream(ctx, target, name, id); err != nil {
							return "", err
						}
					}
					ctx, cancel := context.WithTimeout(ctx, t.a.cfg.StartTimeout)
					defer cancel()
					return "", t.a.cfg.Runtime.Start(ctx, id)
				})
			}
		}
	}
	if !pulling && !t.pullStartedAt.IsZero() && t.pullStoppedAt.IsZero() {
		t.pullStoppedAt = t.now()
	}
}

func (t *task) create(ctx context.Context, c *container) {
	spec, err := t.spec(c)
	if err != nil {
		t.fail(c, prefixCreate+err.Error())
		return
	}
	t.spawn(ctx, c, opCreate, func(ctx context.Context) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, createTimeout)
		defer cancel()
		return t.a.cfg.Runtime.Create(ctx, spec)
	})
}

// stopSteps stops running containers in reverse dependency order: a
// container is stopped only once every container depending on it has
// stopped. Containers that never started are simply marked STOPPED.
func (t *task) stopSteps(ctx context.Context) {
	ordered := !t.hasCycle()
	// Marking a container STOPPED may let a dependency stop: repeat until
	// nothing changes.
	for changed := true; changed; {
		changed = false
		for _, c := range t.containers {
			if c.busy {
				if c.cancel != nil && c.known == StatusNone {
					c.cancel() // no point finishing the pull
				}
				continue
			}
			switch {
			case c.known == StatusStopped:
			case c.known < StatusRunning:
				c.known = StatusStopped
				changed = true
			case !c.stopSent && (!ordered || t.dependentsStopped(c)):
				c.stopSent = true
				id, timeout := c.id, t.stopTimeout(c)
				t.spawn(ctx, c, opStop, func(ctx context.Context) (string, error) {
					ctx, cancel := context.WithTimeout(ctx, timeout+stopCallMargin)
					defer cancel()
					return "", t.a.cfg.Runtime.Stop(ctx, id, timeout)
				})
			}
		}
	}
}

// apply folds an engine call's result into the task's state.
func (t *task) apply(ctx context.Context, r result) {
	c := r.c
	c.busy, c.cancel = false, nil
	stopping := t.desired == types.TaskStatusStopped
	switch r.op {
	case opPull:
		switch {
		case r.err == nil:
			t.a.markPulled(c.def.Image)
			if c.known == StatusNone {
				c.known = StatusPulled
			}
		case !stopping:
			t.fail(c, prefixPull+r.err.Error())
		}
	case opCreate:
		switch {
		case r.err == nil:
			c.id = r.id
			if c.known < StatusCreated {
				c.known = StatusCreated
			}
			t.inspect(ctx, c)
		case !stopping:
			t.fail(c, prefixCreate+r.err.Error())
		}
	case opStart:
		if r.err != nil && !stopping {
			t.fail(c, prefixStart+r.err.Error())
			return
		}
		if r.err == nil {
			t.followLogs(ctx, c)
		}
		t.inspect(ctx, c)
	case opStop:
		if r.err != nil && !errors.Is(r.err, runtime.ErrNotFound) {
			t.a.logErr("stop container "+c.dockerName, r.err)
			c.stopSent = false // try again
		}
		t.inspect(ctx, c)
	}
}

// inspect reads c's state from the engine.
func (t *task) inspect(ctx context.Context, c *container) {
	if c.id == "" {
		return
	}
	ictx, cancel := context.WithTimeout(ctx, inspectTimeout)
	st, err := t.a.cfg.Runtime.Inspect(ictx, c.id)
	cancel()
	switch {
	case errors.Is(err, runtime.ErrNotFound):
		t.vanished(c)
	case err != nil:
		t.a.logErr("inspect container "+c.dockerName, err)
	default:
		t.observe(c, st)
	}
}

// vanished marks a container the engine lost.
func (t *task) vanished(c *container) {
	if c.known == StatusStopped {
		return
	}
	c.known = StatusStopped
	if c.reason == "" {
		c.reason = reasonVanished
	}
}

// observe climbs c's ladder to what the engine reports.
func (t *task) observe(c *container, st runtime.ContainerStatus) {
	if c.known == StatusStopped {
		return
	}
	if c.def.HealthCheck != nil {
		c.health = healthOf(st.Health)
	}
	if !st.StartedAt.IsZero() {
		c.startedAt = st.StartedAt
	}
	switch st.State {
	case runtime.StateCreated:
		if c.known < StatusCreated {
			c.known = StatusCreated
		}
	case runtime.StateRunning:
		c.known = StatusRunning
		c.bindings = bindingsOf(st.Ports)
		if t.def.NetworkMode == types.NetworkModeHost && len(c.bindings) == 0 {
			c.bindings = hostBindings(c.def.PortMappings)
		}
	case runtime.StateExited:
		if st.StartedAt.IsZero() {
			c.known = max(c.known, StatusCreated)
			return
		}
		c.known = StatusStopped
		code := int64(st.ExitCode)
		c.exitCode = &code
		if st.OOMKilled {
			c.reason = reasonOOM
		}
	}
}

func bindingsOf(ports []runtime.PortBinding) []types.NetworkBinding {
	var out []types.NetworkBinding
	for _, p := range ports {
		out = append(out, types.NetworkBinding{
			BindIP: p.HostIP, ContainerPort: int64(p.ContainerPort), HostPort: int64(p.HostPort), Protocol: p.Protocol,
		})
	}
	return out
}

// hostBindings are the bindings of a host-network container: every
// container port is bound on the host as is.
func hostBindings(pms []types.PortMapping) []types.NetworkBinding {
	var out []types.NetworkBinding
	for _, pm := range pms {
		if pm.ContainerPort == nil {
			continue
		}
		proto := strings.ToLower(pm.Protocol)
		if proto == "" {
			proto = "tcp"
		}
		out = append(out, types.NetworkBinding{BindIP: "0.0.0.0", ContainerPort: *pm.ContainerPort, HostPort: *pm.ContainerPort, Protocol: proto})
	}
	return out
}

// updateKnown advances the task's status: RUNNING once every container is
// RUNNING (or already STOPPED) while the task is wanted, STOPPED once every
// container is STOPPED.
func (t *task) updateKnown() {
	allStopped, allUp := true, true
	for _, c := range t.containers {
		allStopped = allStopped && c.known == StatusStopped
		allUp = allUp && c.known >= StatusRunning
	}
	switch {
	case t.known == types.TaskStatusStopped:
	case allStopped:
		t.known = types.TaskStatusStopped
		t.stoppedAt = t.now()
		if t.executionStoppedAt.IsZero() {
			t.executionStoppedAt = t.stoppedAt
		}
	case allUp && t.known == types.TaskStatusPending && t.desired == types.TaskStatusRunning:
		t.known = types.TaskStatusRunning
	}
}
