package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/ecsapi"
	"github.com/ecskit/ecs/internal/fakefleet"
	"github.com/ecskit/ecs/runtime/fake"
	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/bolt"
	"github.com/ecskit/ecs/store/memory"
)

// shutdownTimeout bounds how long the in-process server drains.
const shutdownTimeout = 10 * time.Second

// server is an in-process equivalent of `ecsd -runtime fake`: the ECS API
// with SigV4 on a loopback port, over a control plane whose instances
// registered through the API each get an agent on an in-memory engine.
type server struct {
	URL  string
	desc string

	cp      *ecs.ControlPlane
	st      store.Store
	srv     *http.Server
	served  chan error
	cleanup func()

	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	agents map[string]bool
	rts    []*fake.Runtime
	wg     sync.WaitGroup
}

// startServer starts the server on 127.0.0.1 with the given key.
func startServer(storeSpec, region, keyID, secret string, log *slog.Logger) (*server, error) {
	st, cleanup, err := openStore(storeSpec)
	if err != nil {
		return nil, err
	}
	cp, err := ecs.Open(ecs.WithRegion(region), ecs.WithStore(st), ecs.WithLogger(log))
	if err != nil {
		_ = st.Close()
		cleanup()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{cp: cp, st: st, cleanup: cleanup, ctx: ctx, cancel: cancel, agents: map[string]bool{}, served: make(chan error, 1)}
	api := ecsapi.New(cp,
		ecsapi.WithCredentials(map[string]string{keyID: secret}),
		ecsapi.WithLogger(log),
		ecsapi.OnRegisterContainerInstance(func(_ context.Context, ci *ecs.ContainerInstance) { s.startAgent(ci, log) }),
	)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.close()
		return nil, err
	}
	s.URL = "http://" + ln.Addr().String()
	s.desc = fmt.Sprintf("in-process ecsd (store %s, fake engines, SigV4) at %s", storeSpec, s.URL)
	s.srv = &http.Server{
		Handler:           api,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() { s.served <- s.srv.Serve(ln) }()
	return s, nil
}

// startAgent runs an agent on a fresh fake engine for an instance
// registered through the API, as ecsd -runtime fake does.
func (s *server) startAgent(ci *ecs.ContainerInstance, log *slog.Logger) {
	arn := ci.ContainerInstanceArn
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.agents[arn] || s.ctx.Err() != nil {
		return
	}
	s.agents[arn] = true
	rt := fake.New(fake.WithAnyImage())
	s.rts = append(s.rts, rt)
	var attrs agent.Attributes
	for _, a := range ci.Attributes {
		switch a.Name {
		case "ecs.availability-zone":
			attrs.AvailabilityZone = a.Value
		case "ecs.instance-type":
			attrs.InstanceType = a.Value
		}
	}
	a := agent.New(agent.Config{
		ControlPlane:         fakefleet.FixedResources{ControlPlane: s.cp, Total: ci.RegisteredResources},
		Runtime:              rt,
		Cluster:              fakefleet.ClusterOf(arn),
		ContainerInstanceArn: arn,
		Attributes:           attrs,
		Logger:               log,
	})
	s.wg.Go(func() {
		if err := a.Run(s.ctx); err != nil {
			log.Error("agent stopped", "instance", arn, "err", err)
		}
	})
}

// close drains the API, stops the agents and closes the control plane.
func (s *server) close() {
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		s.cancel() // ends long polls
		_ = s.srv.Shutdown(ctx)
		cancel()
		if err := <-s.served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "ecs-load: server:", err)
		}
	}
	s.cancel()
	s.wg.Wait()
	_ = s.cp.Close()
	for _, rt := range s.rts {
		_ = rt.Close()
	}
	_ = s.st.Close()
	s.cleanup()
}

// openStore opens memory or bolt[:PATH] (a temporary file by default).
func openStore(spec string) (store.Store, func(), error) {
	switch {
	case spec == "memory":
		return memory.New(), func() {}, nil
	case spec == "bolt" || strings.HasPrefix(spec, "bolt:"):
		path, cleanup := strings.TrimPrefix(strings.TrimPrefix(spec, "bolt"), ":"), func() {}
		if path == "" {
			dir, err := os.MkdirTemp("", "ecs-load-")
			if err != nil {
				return nil, nil, err
			}
			path, cleanup = filepath.Join(dir, "state.db"), func() { _ = os.RemoveAll(dir) }
		}
		st, err := bolt.Open(path)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		return st, cleanup, nil
	}
	return nil, nil, fmt.Errorf("-store must be memory or bolt[:PATH], got %q", spec)
}
