// Package etcdtest starts a real, single-member etcd server inside a test
// process, so tests of etcd-backed code need nothing installed.
//
// Each server has its own temporary data directory and listens on loopback
// ports the kernel chose, so servers in parallel tests or packages never
// collide. The server runs without fsync (its data is thrown away) and with
// short raft timers so that it starts in well under a second and leases
// can be as short as one second. It is stopped when the test ends.
package etcdtest

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Timeouts of the embedded server, in one place.
const (
	// startTimeout bounds how long the server may take to become ready.
	startTimeout = 30 * time.Second
	// dialTimeout bounds a client's first connection.
	dialTimeout = 5 * time.Second
)

// MaxTxnOps is the embedded server's limit on the compares, and on the
// writes, of one transaction. It is far above etcd's default of 128 so
// that the conformance suite's large transactions fit.
const MaxTxnOps = 10000

// Server is a running embedded etcd.
type Server struct {
	etcd *embed.Etcd
	stop sync.Once
	// Endpoints are the client URLs, such as "http://127.0.0.1:40123".
	Endpoints []string
}

// Option changes the configuration of a Server.
type Option func(*embed.Config)

// WithMaxTxnOps sets the server's limit on the compares, and on the
// writes, of one transaction (MaxTxnOps by default; etcd's own default is
// 128).
func WithMaxTxnOps(n int) Option {
	return func(c *embed.Config) { c.MaxTxnOps = uint(n) }
}

// Start starts a server for t and stops it when t ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := embed.NewConfig()
	cfg.Name = "etcdtest"
	cfg.Dir = t.TempDir()
	cfg.Logger = "zap"
	cfg.LogLevel = "error"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.UnsafeNoFsync = true
	cfg.MaxTxnOps = MaxTxnOps
	// Short raft timers: a single member elects itself at once, and the
	// minimum lease TTL (1.5 election timeouts) drops below one second.
	cfg.TickMs = 10
	cfg.ElectionMs = 100
	local := func() []url.URL { return []url.URL{{Scheme: "http", Host: "127.0.0.1:0"}} }
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = local(), local()
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = local(), local()
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	for _, o := range opts {
		o(cfg)
	}

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		t.Fatalf("etcdtest: start: %v", err)
	}
	s := &Server{etcd: e}
	t.Cleanup(s.Stop)
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		t.Fatalf("etcdtest: server failed: %v", err)
	case <-time.After(startTimeout):
		e.Server.Stop()
		t.Fatalf("etcdtest: server not ready after %v", startTimeout)
	}
	for _, l := range e.Clients {
		s.Endpoints = append(s.Endpoints, "http://"+l.Addr().String())
	}
	return s
}

// Client returns a new client of s, closed when t ends.
func (s *Server) Client(t testing.TB) *clientv3.Client {
	t.Helper()
	c, err := clientv3.New(clientv3.Config{
		Endpoints:   s.Endpoints,
		DialTimeout: dialTimeout,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		t.Fatalf("etcdtest: client: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	if _, err := c.Get(ctx, "etcdtest-ping"); err != nil {
		t.Fatalf("etcdtest: first request to %v: %v", s.Endpoints, err)
	}
	return c
}

// Stop stops the server, as a crash of the whole etcd cluster would for
// its clients. Stopping twice does nothing.
func (s *Server) Stop() { s.stop.Do(s.etcd.Close) }

// String returns the endpoints, comma-separated.
func (s *Server) String() string { return strings.Join(s.Endpoints, ",") }
