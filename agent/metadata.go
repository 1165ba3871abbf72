package agent

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/ecskit/ecs/agent/taskmeta"
	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/types"
)

// MetadataConfig configures the task metadata endpoint (v4, v3) and the
// task role credentials the agent serves to its containers.
//
// Where the agent may change the host's firewall (root, iptables, the
// engine on this host), it routes 169.254.170.2:80 to the endpoint as
// ECS's agent does (taskmeta.Route), and containers get ECS's variables:
// ECS_CONTAINER_METADATA_URI(_V4)=http://169.254.170.2/v3|v4/<id> and,
// with a task role, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI. Elsewhere it
// says so once in its log and points containers at itself directly: the
// bridge gateway (bridge mode) or 127.0.0.1 (host mode) at the endpoint's
// port. Metadata then works in every mode; credentials reach host-mode
// containers only, through AWS_CONTAINER_CREDENTIALS_FULL_URI (SDKs take a
// full URI over plain HTTP only for loopback and 169.254.170.2), and
// bridge-mode containers get no credentials variable at all, so that no
// SDK sends anything to 169.254.170.2 when nothing on the host answers it.
type MetadataConfig struct {
	// Enabled turns the endpoint on.
	Enabled bool
	// Listen is the endpoint's loopback address (default
	// 127.0.0.1:51679, ECS's; port 0 picks a free one).
	Listen string
	// Bridge is the engine's bridge interface (default docker0).
	Bridge string
	// NoRoute leaves the host's firewall alone: containers reach the
	// endpoint on the bridge gateway or loopback, as described above.
	NoRoute bool
	// Credentials serves task roles. With a provider, a task whose role
	// it cannot serve is stopped before anything starts, with ECS's
	// reason; without one, tasks get no credentials.
	Credentials taskmeta.CredentialsProvider
	// ContainerInstanceTags are served by /taskWithTags.
	ContainerInstanceTags map[string]string
}

const (
	defaultMetadataListen = "127.0.0.1:51679"
	defaultBridge         = "docker0"
	roleCheckTimeout      = 30 * time.Second
)

// metadata is the agent's running endpoint. Its server (and so every ID
// handed out) lives as long as the Agent, across Runs.
type metadata struct {
	srv *taskmeta.Server

	mu       sync.Mutex
	routed   bool
	port     int
	gateway  string // bridge gateway host:port when not routed
	loopback string // 127.0.0.1:port
}

// startMetadata starts the endpoint if configured; stop ends it and
// undoes the route.
func (a *Agent) startMetadata(ctx context.Context) (stop func(), err error) {
	mc := a.cfg.Metadata
	if !mc.Enabled {
		return func() {}, nil
	}
	if a.meta == nil {
		stats, _ := a.cfg.Runtime.(taskmeta.StatsReader)
		a.meta = &metadata{srv: taskmeta.NewServer(taskmeta.Config{
			Source: metadataSource{a}, Credentials: mc.Credentials, Stats: stats, Logger: a.log, Rand: agentRand{a},
		})}
		a.meta.srv.Import(a.loadMetadataIDs())
	}
	listen, bridge := mc.Listen, mc.Bridge
	if listen == "" {
		listen = defaultMetadataListen
	}
	if bridge == "" {
		bridge = defaultBridge
	}
	l, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("agent: task metadata endpoint: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	listeners := []net.Listener{l}
	var undo func() error
	routeErr := errors.New("disabled by configuration")
	if !mc.NoRoute {
		undo, routeErr = taskmeta.Route(ctx, bridge, port)
	}
	m := a.meta
	m.mu.Lock()
	m.routed, m.port, m.loopback, m.gateway = routeErr == nil, port, l.Addr().String(), ""
	m.mu.Unlock()
	if routeErr != nil {
		if gw, err := taskmeta.BridgeGateway(bridge); err == nil {
			gl, err := net.Listen("tcp", net.JoinHostPort(gw.String(), strconv.Itoa(port)))
			if err != nil {
				gl, err = net.Listen("tcp", net.JoinHostPort(gw.String(), "0"))
			}
			if err == nil {
				listeners = append(listeners, gl)
				m.mu.Lock()
				m.gateway = gl.Addr().String()
				m.mu.Unlock()
			}
		}
		a.log.Warn("agent: 169.254.170.2 is not routed to the task metadata endpoint; containers reach it on the bridge gateway or loopback, and only host-mode containers get task role credentials",
			"reason", routeErr, "loopback", m.loopback, "gateway", m.gateway)
	} else {
		a.log.Info("agent: task metadata endpoint at 169.254.170.2", "listen", m.loopback)
	}
	hs := &http.Server{Handler: m.srv, ReadHeaderTimeout: 10 * time.Second}
	var wg sync.WaitGroup
	for _, l := range listeners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = hs.Serve(l)
		}()
	}
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		wg.Wait()
		if undo != nil {
			a.logErr("undo the task metadata route", undo())
		}
	}, nil
}

// agentRand reads the agent's random source under its lock, so the
// endpoint's IDs and the container names may share one source that is not
// safe for concurrent use.
type agentRand struct{ a *Agent }

func (r agentRand) Read(p []byte) (int, error) {
	r.a.randMu.Lock()
	defer r.a.randMu.Unlock()
	if r.a.cfg.Rand == nil {
		return rand.Read(p)
	}
	return io.ReadFull(r.a.cfg.Rand, p)
}

// taskRole is the task's role: its override, else its definition's.
func taskRole(t *types.Task, td *types.TaskDefinition) string {
	if t.Overrides != nil && t.Overrides.TaskRoleArn != "" {
		return t.Overrides.TaskRoleArn
	}
	return td.TaskRoleArn
}

// refuseUnservedRole stops a new task whose role the configured provider
// cannot serve, before anything of it starts.
func (t *task) refuseUnservedRole() {
	p := t.a.cfg.Metadata.Credentials
	role := taskRole(t.ecsTask, t.def)
	if !t.a.cfg.Metadata.Enabled || p == nil || role == "" || t.desired == types.TaskStatusStopped {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), roleCheckTimeout)
	defer cancel()
	if _, err := p.Credentials(ctx, role); err != nil {
		t.a.log.Warn("agent: refusing a task whose role cannot be served", "task", t.arn, "role", role, "err", err)
		t.stop(types.StopCodeTaskFailedToStart, taskmeta.AssumeRoleFailure(role))
	}
}

// metadataEnv is what the agent injects for the endpoint into a container
// of the task.
func (t *task) metadataEnv(container string) [][2]string {
	m := t.a.meta
	if m == nil || !t.a.cfg.Metadata.Enabled {
		return nil
	}
	m.mu.Lock()
	routed, loopback, gateway := m.routed, m.loopback, m.gateway
	m.mu.Unlock()
	host := t.def.NetworkMode == types.NetworkModeHost
	base := ""
	switch {
	case routed:
		base = "http://" + taskmeta.Address
	case host:
		base = "http://" + loopback
	case gateway != "":
		base = "http://" + gateway
	default:
		return nil
	}
	defer t.a.saveMetadataIDs()
	id := m.srv.ContainerEndpoint(t.arn, container)
	env := [][2]string{
		{"ECS_CONTAINER_METADATA_URI", base + "/v3/" + id},
		{"ECS_CONTAINER_METADATA_URI_V4", base + "/v4/" + id},
	}
	role := taskRole(t.ecsTask, t.def)
	if role == "" || t.a.cfg.Metadata.Credentials == nil {
		return env
	}
	path := "/v2/credentials/" + m.srv.TaskCredentials(t.arn, role)
	switch {
	case routed:
		env = append(env, [2]string{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", path})
	case host:
		env = append(env, [2]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", base + path})
	}
	return env
}

// metadataSource answers the endpoint's questions from the agent's state.
type metadataSource struct{ a *Agent }

// TaskInput implements taskmeta.Source.
func (s metadataSource) TaskInput(ctx context.Context, arn string) (taskmeta.TaskInput, bool) {
	a := s.a
	a.mu.Lock()
	var rec taskRecord
	t := a.tasks[arn]
	ok := t != nil && t.pub != nil
	if ok {
		rec = t.pub.rec
	}
	a.mu.Unlock()
	if !ok || rec.Task == nil || rec.TaskDefinition == nil {
		return taskmeta.TaskInput{}, false
	}
	in := taskmeta.TaskInput{
		Cluster: a.cfg.Cluster, Task: rec.Task, TaskDefinition: rec.TaskDefinition,
		DesiredStatus: rec.DesiredStatus, KnownStatus: rec.KnownStatus,
		PullStartedAt: rec.PullStartedAt, PullStoppedAt: rec.PullStoppedAt, ExecutionStoppedAt: rec.ExecutionStoppedAt,
		AvailabilityZone:      firstOf(rec.Task.AvailabilityZone, a.cfg.Attributes.AvailabilityZone),
		ContainerInstanceTags: a.cfg.Metadata.ContainerInstanceTags,
	}
	health := map[string]string{}
	for _, c := range rec.Containers {
		health[c.Name] = c.health
	}
	desired := StatusRunning.String()
	if rec.DesiredStatus == types.TaskStatusStopped {
		desired = StatusStopped.String()
	}
	byName := map[string]containerRecord{}
	for _, cr := range rec.Containers {
		byName[cr.Name] = cr
	}
	for _, def := range rec.TaskDefinition.ContainerDefinitions {
		cr := byName[def.Name]
		ci := taskmeta.ContainerInput{
			Definition: applyOverrides(def, rec.Task.Overrides), DockerName: cr.DockerName,
			DesiredStatus: desired, KnownStatus: cr.Status.String(), ExitCode: cr.ExitCode, Health: health[def.Name],
		}
		if cr.RuntimeID != "" {
			if st, err := a.cfg.Runtime.Inspect(ctx, cr.RuntimeID); err == nil {
				ci.Engine = &st
			} else if !errors.Is(err, runtime.ErrNotFound) {
				a.logErr("inspect for the task metadata endpoint", err)
			}
		}
		in.Containers = append(in.Containers, ci)
	}
	return in, true
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// forgetMetadata drops the endpoint and credentials IDs of a task the
// agent cleaned up.
func (a *Agent) forgetMetadata(arn string) {
	if a.meta == nil {
		return
	}
	a.meta.srv.Forget(arn)
	a.saveMetadataIDs()
}

// metadataIDsFile keeps the endpoint and credentials IDs next to the
// state file, so that adopted containers keep their endpoints.
func (a *Agent) metadataIDsFile() string {
	if a.cfg.StateFile == "" {
		return ""
	}
	return a.cfg.StateFile + ".taskmeta"
}

func (a *Agent) loadMetadataIDs() map[string]taskmeta.TaskIDs {
	path := a.metadataIDsFile()
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			a.logErr("read the task metadata IDs", err)
		}
		return nil
	}
	var ids map[string]taskmeta.TaskIDs
	a.logErr("read the task metadata IDs", json.Unmarshal(b, &ids))
	return ids
}

// saveMetadataIDs writes the IDs of the tasks the agent still tracks,
// readable by its user only: they are bearer secrets.
// Concurrent calls share writes (groupWrite).
func (a *Agent) saveMetadataIDs() {
	if a.metadataIDsFile() == "" || a.meta == nil {
		return
	}
	a.metaWrites.do(a.writeMetadataIDs)
}

func (a *Agent) writeMetadataIDs() {
	path := a.metadataIDsFile()
	a.fileMu.Lock()
	defer a.fileMu.Unlock()
	b, err := json.Marshal(a.meta.srv.Export())
	if err == nil {
		err = os.MkdirAll(filepath.Dir(path), 0o755)
	}
	if err == nil {
		err = os.WriteFile(path+".tmp", b, 0o600)
	}
	if err == nil {
		err = os.Rename(path+".tmp", path)
	}
	a.logErr("write the task metadata IDs", err)
}
