package docker

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/ecskit/ecs/runtime"
)

// Create creates a container from spec and returns its engine ID. A missing
// image matches runtime.ErrNotFound.
func (r *Runtime) Create(ctx context.Context, spec runtime.ContainerSpec) (string, error) {
	driver, err := r.logDriver(ctx, spec.LogDriver)
	if err != nil {
		return "", err
	}
	opts, err := createOptions(spec, driver)
	if err != nil {
		return "", fmt.Errorf("docker: create container %s: %w", spec.Name, err)
	}
	ctx, cancel := bounded(ctx, "create container "+spec.Name, r.timeouts.Create)
	defer cancel()
	res, err := r.cli.ContainerCreate(ctx, opts)
	if err != nil {
		return "", wrap(ctx, "create container "+spec.Name, err)
	}
	for _, w := range res.Warnings {
		r.log.Warn("docker: engine warning on create", "container", spec.Name, "warning", w)
	}
	return res.ID, nil
}

// logDriver resolves the log driver a container asks for: "" stays the
// engine default, and so do AWS drivers and drivers the engine lacks.
func (r *Runtime) logDriver(ctx context.Context, want string) (string, error) {
	if want == "" {
		return "", nil
	}
	if cloudLogDrivers[want] {
		r.log.Warn("docker: log driver needs AWS; using the engine default", "logDriver", want)
		return "", nil
	}
	r.mu.Lock()
	known := r.logDrivers
	r.mu.Unlock()
	if known == nil {
		if _, err := r.Info(ctx); err != nil {
			return "", err
		}
		r.mu.Lock()
		known = r.logDrivers
		r.mu.Unlock()
	}
	if !known[want] {
		r.log.Warn("docker: engine lacks log driver; using the engine default", "logDriver", want)
		return "", nil
	}
	return want, nil
}

// Start starts a created container.
func (r *Runtime) Start(ctx context.Context, id string) error {
	ctx, cancel := bounded(ctx, "start container "+id, r.timeouts.Start)
	defer cancel()
	_, err := r.cli.ContainerStart(ctx, id, client.ContainerStartOptions{})
	return wrap(ctx, "start container "+id, err)
}

// Stop sends the container's stop signal (its StopSignal, else SIGTERM) and,
// after timeout rounded up to whole seconds, SIGKILL. A negative timeout
// uses the engine's default. Stopping a stopped container is not an error;
// a missing one matches runtime.ErrNotFound.
func (r *Runtime) Stop(ctx context.Context, id string, timeout time.Duration) error {
	opts := client.ContainerStopOptions{}
	budget := r.timeouts.StopMargin
	if timeout >= 0 {
		secs := int(math.Ceil(timeout.Seconds()))
		opts.Timeout = &secs
		budget += time.Duration(secs) * time.Second
	} else {
		budget += 10 * time.Second // the engine's default stop timeout
	}
	ctx, cancel := bounded(ctx, "stop container "+id, budget)
	defer cancel()
	_, err := r.cli.ContainerStop(ctx, id, opts)
	return wrap(ctx, "stop container "+id, err)
}

// Remove force-removes a container and its anonymous volumes; a missing
// container is not an error.
func (r *Runtime) Remove(ctx context.Context, id string) error {
	ctx, cancel := bounded(ctx, "remove container "+id, r.timeouts.Remove)
	defer cancel()
	_, err := r.cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	return wrap(ctx, "remove container "+id, err)
}

// Inspect reports a container's state; id may also be its name. A missing
// container matches runtime.ErrNotFound.
func (r *Runtime) Inspect(ctx context.Context, id string) (runtime.ContainerStatus, error) {
	ctx, cancel := bounded(ctx, "inspect container "+id, r.timeouts.Inspect)
	defer cancel()
	res, err := r.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return runtime.ContainerStatus{}, wrap(ctx, "inspect container "+id, err)
	}
	return containerStatus(res.Container), nil
}

// containerStatus maps the engine's inspect response.
func containerStatus(c container.InspectResponse) runtime.ContainerStatus {
	st := runtime.ContainerStatus{
		ID:        c.ID,
		Name:      strings.TrimPrefix(c.Name, "/"),
		ImageID:   c.Image,
		CreatedAt: parseTime(c.Created),
	}
	if c.Config != nil {
		st.Image = c.Config.Image
		st.Labels = maps.Clone(c.Config.Labels)
	}
	if s := c.State; s != nil {
		st.State = state(s.Status)
		st.ExitCode = s.ExitCode
		st.OOMKilled = s.OOMKilled
		st.Error = s.Error
		st.StartedAt = parseTime(s.StartedAt)
		st.FinishedAt = parseTime(s.FinishedAt)
		// The engine stamps the start when its start call returns, which
		// for a program that exits at once can be after the exit it
		// stamped: a container never finishes before it starts.
		if !st.FinishedAt.IsZero() && st.FinishedAt.Before(st.StartedAt) {
			st.StartedAt = st.FinishedAt
		}
		if s.Health != nil {
			st.Health = health(s.Health.Status)
		}
	}
	// Bindings in effect while running; the requested ones otherwise.
	if c.NetworkSettings != nil && len(c.NetworkSettings.Ports) > 0 {
		st.Ports = portBindings(c.NetworkSettings.Ports)
	}
	if len(st.Ports) == 0 && c.HostConfig != nil {
		st.Ports = portBindings(c.HostConfig.PortBindings)
	}
	if c.NetworkSettings != nil {
		for _, name := range slices.Sorted(maps.Keys(c.NetworkSettings.Networks)) {
			if ep := c.NetworkSettings.Networks[name]; ep != nil && ep.IPAddress.IsValid() {
				st.IPv4Addresses = append(st.IPv4Addresses, ep.IPAddress.String())
			}
		}
	}
	return st
}

// portBindings flattens a port map into bindings sorted by container port,
// protocol, host IP and host port. IPv6 bindings are left out: an engine
// with IPv6 publishes each port a second time on [::], with a host port of
// its own choosing for dynamic ports, and tasks report their IPv4 bindings.
func portBindings(pm network.PortMap) []runtime.PortBinding {
	var out []runtime.PortBinding
	for port, bindings := range pm {
		for _, b := range bindings {
			if b.HostIP.IsValid() && b.HostIP.Is6() && !b.HostIP.Is4In6() {
				continue
			}
			hp, _ := strconv.Atoi(b.HostPort)
			pb := runtime.PortBinding{
				ContainerPort: int(port.Num()),
				HostPort:      hp,
				Protocol:      string(port.Proto()),
			}
			if b.HostIP.IsValid() {
				pb.HostIP = b.HostIP.String()
			}
			out = append(out, pb)
		}
	}
	slices.SortFunc(out, func(a, b runtime.PortBinding) int {
		if c := a.ContainerPort - b.ContainerPort; c != 0 {
			return c
		}
		if c := strings.Compare(a.Protocol, b.Protocol); c != 0 {
			return c
		}
		if c := strings.Compare(a.HostIP, b.HostIP); c != 0 {
			return c
		}
		return a.HostPort - b.HostPort
	})
	return out
}

// List returns the containers carrying every given label (value "" means
// any value), running or not.
func (r *Runtime) List(ctx context.Context, labels map[string]string) ([]runtime.ContainerSummary, error) {
	f := client.Filters{}
	for k, v := range labels {
		if v == "" {
			f.Add("label", k)
		} else {
			f.Add("label", k+"="+v)
		}
	}
	ctx, cancel := bounded(ctx, "list containers", r.timeouts.List)
	defer cancel()
	res, err := r.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, wrap(ctx, "list containers", err)
	}
	out := make([]runtime.ContainerSummary, 0, len(res.Items))
	for _, c := range res.Items {
		s := runtime.ContainerSummary{ID: c.ID, Labels: maps.Clone(c.Labels), State: state(c.State)}
		if len(c.Names) > 0 {
			s.Name = strings.TrimPrefix(c.Names[0], "/")
		}
		out = append(out, s)
	}
	return out, nil
}

// state maps the engine's container states onto the runtime's three:
// paused and restarting containers still run; removing and dead ones have
// exited.
func state(s container.ContainerState) runtime.State {
	switch s {
	case container.StateCreated:
		return runtime.StateCreated
	case container.StateRunning, container.StatePaused, container.StateRestarting:
		return runtime.StateRunning
	default:
		return runtime.StateExited
	}
}

// health maps the engine's health status.
func health(h container.HealthStatus) runtime.Health {
	switch h {
	case container.Starting:
		return runtime.HealthStarting
	case container.Healthy:
		return runtime.HealthHealthy
	case container.Unhealthy:
		return runtime.HealthUnhealthy
	default:
		return runtime.HealthNone
	}
}

// parseTime parses an engine timestamp; the engine's zero time
// ("0001-01-01T00:00:00Z") and garbage become the zero time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}
