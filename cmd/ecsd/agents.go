package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/internal/fakefleet"
	"github.com/ecskit/ecs/logs"
	"github.com/ecskit/ecs/runtime/docker"
	"github.com/ecskit/ecs/runtime/fake"
	"github.com/ecskit/ecs/secrets"
)

// engineCheckTimeout bounds the first call to the local Docker engine.
const engineCheckTimeout = 10 * time.Second

// agentGroup owns the in-process agents: it starts them and stops them
// all when the daemon stops.
type agentGroup struct {
	ctx    context.Context
	cancel context.CancelFunc
	log    *slog.Logger

	// metadata configures the task metadata endpoint of the agents.
	metadata agent.MetadataConfig
	// logs and secrets are the agents' awslogs sink and secrets provider.
	logs    logs.Sink
	secrets secrets.Provider

	mu      sync.Mutex
	running map[string]bool // container instance ARN -> has an agent
	closers []func() error
	wg      sync.WaitGroup
}

func newAgentGroup(parent context.Context, log *slog.Logger) *agentGroup {
	ctx, cancel := context.WithCancel(parent)
	return &agentGroup{ctx: ctx, cancel: cancel, log: log, running: map[string]bool{}}
}

// run starts a in its own goroutine until the group stops.
func (g *agentGroup) run(a *agent.Agent, name string) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := a.Run(g.ctx); err != nil {
			g.log.Error("agent stopped", "instance", name, "err", err)
		}
	}()
}

// stop stops every agent, waits for them, and closes their runtimes.
func (g *agentGroup) stop() {
	g.cancel()
	g.wg.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range g.closers {
		_ = c()
	}
	g.closers = nil
}

// startFake runs an agent on a fresh fake engine for a container instance
// registered through the API, unless one runs already. The agent
// re-registers the instance with the resources it was registered with.
func (g *agentGroup) startFake(cp *ecs.ControlPlane, ci *ecs.ContainerInstance) {
	arn := ci.ContainerInstanceArn
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.running[arn] || g.ctx.Err() != nil {
		return
	}
	g.running[arn] = true
	rt := fake.New(fake.WithAnyImage())
	g.closers = append(g.closers, rt.Close)
	a := agent.New(agent.Config{
		ControlPlane:         fakefleet.FixedResources{ControlPlane: cp, Total: ci.RegisteredResources},
		Runtime:              rt,
		Cluster:              fakefleet.ClusterOf(arn),
		ContainerInstanceArn: arn,
		Logger:               g.log.With("instance", arn),
		StopTimeout:          time.Second,
		CleanupWait:          time.Minute,
		Metadata:             fakeMetadata(g.metadata),
		Logs:                 g.logs,
		Secrets:              g.secrets,
	})
	g.log.Info("starting an in-process agent on a fake engine", "instance", arn)
	g.run(a, arn)
}

// startDocker registers the local Docker engine in cluster and runs its
// agent; it fails if no engine answers.
func (g *agentGroup) startDocker(ctx context.Context, cp *ecs.ControlPlane, cluster, region string) error {
	rt, err := docker.New(docker.WithLogger(g.log))
	if err != nil {
		return fmt.Errorf("-runtime docker: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, engineCheckTimeout)
	defer cancel()
	if _, err := rt.Info(cctx); err != nil {
		rt.Close()
		return fmt.Errorf("-runtime docker: no Docker engine answers at %s (%v); start Docker, set DOCKER_HOST, or use -runtime fake", rt.Host(), err)
	}
	if cluster != ecs.DefaultCluster {
		if _, err := cp.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: cluster}); err != nil {
			rt.Close()
			return err
		}
	}
	g.mu.Lock()
	g.closers = append(g.closers, rt.Close)
	g.mu.Unlock()
	a := agent.New(agent.Config{ControlPlane: cp, Runtime: rt, Cluster: cluster, Region: region, Logger: g.log.With("instance", "local"), Metadata: g.metadata,
		Logs: g.logs, Secrets: g.secrets})
	g.log.Info("registering the local Docker engine", "host", rt.Host(), "cluster", cluster)
	g.run(a, "local")
	return nil
}
