package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/runtime/fake"
)

// The simulated fleet: every instance is a 64-CPU, 256 GiB host spread
// over three Availability Zones, and every task one 64 MiB container.
const (
	instanceCPUs   = 64
	instanceMemMiB = 256 << 10
	taskMemMiB     = 64
	taskFamily     = "c1m"
	taskImage      = "c1m/app:latest"
	// fakeTick is how often the fake clock advances (by -fake-speed ×
	// fakeTick).
	fakeTick = 100 * time.Millisecond
)

// fakeEpoch is where the fake clock starts.
func fakeEpoch() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

// zone is the Availability Zone of instance i.
func zone(i int) string { return fmt.Sprintf("us-east-1%c", 'a'+i%3) }

// cluster is one control plane with its store, clock and agents.
type cluster struct {
	cp     *ecs.ControlPlane
	st     *openedStore
	clk    clock.Clock
	agents []*agent.Agent
	rts    []*fake.Runtime

	stopClock func()
	cancel    context.CancelFunc
	wg        sync.WaitGroup
}

// startCluster opens the control plane and starts cfg.instances agents,
// returning once every one has registered.
func startCluster(ctx context.Context, cfg config, log *slog.Logger, obs *observer) (*cluster, error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	c := &cluster{st: st, clk: clock.Real(), stopClock: func() {}}
	if cfg.clock == "fake" {
		f := clock.NewFake(fakeEpoch())
		c.clk = f
		c.stopClock = driveFakeClock(f, time.Duration(cfg.fakeSpeed*float64(fakeTick)))
	}
	c.cp, err = ecs.Open(ecs.WithStore(st), ecs.WithClock(c.clk), ecs.WithLogger(log))
	if err != nil {
		c.stopClock()
		_ = st.Close()
		return nil, err
	}
	actx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.cancel = cancel
	view := reportingCP{ControlPlane: c.cp, obs: obs}
	for i := range cfg.instances {
		rt := fake.New(fake.WithAnyImage(), fake.WithResources(instanceCPUs, instanceMemMiB<<20), fake.WithClock(c.clk))
		a := agent.New(agent.Config{
			ControlPlane: view,
			Runtime:      rt,
			Clock:        c.clk,
			Logger:       log,
			Attributes:   agent.Attributes{AvailabilityZone: zone(i), InstanceType: "c1m.16xlarge"},
		})
		c.rts = append(c.rts, rt)
		c.agents = append(c.agents, a)
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			if err := a.Run(actx); err != nil {
				log.Error("agent stopped", "err", err)
			}
		}()
	}
	for _, a := range c.agents {
		select {
		case <-a.Registered():
		case <-ctx.Done():
			c.close()
			return nil, fmt.Errorf("registering %d agents: %w", cfg.instances, ctx.Err())
		}
	}
	return c, nil
}

// driveFakeClock advances f by step every fakeTick of real time until the
// returned function is called.
func driveFakeClock(f *clock.Fake, step time.Duration) (stop func()) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(fakeTick)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				f.Advance(step)
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); <-stopped }) }
}

// close stops the agents (through their context), then the control
// plane, the engines, the clock and the store.
func (c *cluster) close() {
	c.cancel()
	c.wg.Wait()
	_ = c.cp.Close()
	for _, rt := range c.rts {
		_ = rt.Close()
	}
	c.stopClock()
	_ = c.st.Close()
}
