package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/bolt"
	etcdstore "github.com/ecskit/ecs/store/etcd"
	"github.com/ecskit/ecs/store/memory"
)

// etcdStartTimeout bounds how long the embedded etcd may take to be ready.
const etcdStartTimeout = 30 * time.Second

// openedStore is the store of a run with whatever it needs torn down
// after it: a temporary directory, an embedded etcd server.
type openedStore struct {
	store.Store
	desc    string
	cleanup []func()
}

// Close closes the store, then everything it rode on.
func (s *openedStore) Close() error {
	err := s.Store.Close()
	s.teardown()
	return err
}

// openStore opens the -store: memory, bolt[:PATH] or etcd.
func openStore(ctx context.Context, cfg config) (*openedStore, error) {
	spec := cfg.store
	switch {
	case spec == "memory":
		return &openedStore{Store: memory.New(), desc: "memory"}, nil
	case spec == "bolt" || strings.HasPrefix(spec, "bolt:"):
		path := strings.TrimPrefix(strings.TrimPrefix(spec, "bolt"), ":")
		s := &openedStore{}
		if path == "" {
			dir, err := os.MkdirTemp("", "c1m-bolt-")
			if err != nil {
				return nil, err
			}
			s.cleanup = append(s.cleanup, func() { _ = os.RemoveAll(dir) })
			path = filepath.Join(dir, "state.db")
		}
		st, err := bolt.Open(path)
		if err != nil {
			s.teardown()
			return nil, err
		}
		s.Store, s.desc = st, "bolt:"+path
		return s, nil
	case spec == "etcd":
		return openEmbeddedEtcd(ctx, cfg)
	}
	return nil, fmt.Errorf("-store must be memory, bolt[:PATH] or etcd, got %q", spec)
}

// teardown removes what the store rode on, in reverse order.
func (s *openedStore) teardown() {
	for i := len(s.cleanup) - 1; i >= 0; i-- {
		s.cleanup[i]()
	}
}

// openEmbeddedEtcd starts a single-member etcd server in this process,
// listening only on loopback ports the kernel picks, with its data in a
// temporary directory, and opens the store on it.
func openEmbeddedEtcd(ctx context.Context, cfg config) (*openedStore, error) {
	dir, err := os.MkdirTemp("", "c1m-etcd-")
	if err != nil {
		return nil, err
	}
	s := &openedStore{cleanup: []func(){func() { _ = os.RemoveAll(dir) }}}
	ec := embed.NewConfig()
	ec.Name = "c1m"
	ec.Dir = dir
	ec.Logger = "zap"
	ec.LogLevel = "error"
	ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	ec.UnsafeNoFsync = cfg.etcdNoFsync
	ec.MaxTxnOps = cfg.etcdTxnOps
	// A single member elects itself at once with short raft timers.
	ec.TickMs = 10
	ec.ElectionMs = 100
	local := func() []url.URL { return []url.URL{{Scheme: "http", Host: "127.0.0.1:0"}} }
	ec.ListenClientUrls, ec.AdvertiseClientUrls = local(), local()
	ec.ListenPeerUrls, ec.AdvertisePeerUrls = local(), local()
	ec.InitialCluster = ec.InitialClusterFromName(ec.Name)
	e, err := embed.StartEtcd(ec)
	if err != nil {
		s.teardown()
		return nil, fmt.Errorf("start embedded etcd: %w", err)
	}
	s.cleanup = append(s.cleanup, e.Close)
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		s.teardown()
		return nil, fmt.Errorf("embedded etcd failed: %w", err)
	case <-time.After(etcdStartTimeout):
		s.teardown()
		return nil, errors.New("embedded etcd not ready in time")
	case <-ctx.Done():
		s.teardown()
		return nil, ctx.Err()
	}
	var endpoints []string
	for _, l := range e.Clients {
		endpoints = append(endpoints, "http://"+l.Addr().String())
	}
	st, err := etcdstore.Open(ctx, etcdstore.Config{Endpoints: endpoints})
	if err != nil {
		s.teardown()
		return nil, fmt.Errorf("open etcd store: %w", err)
	}
	s.Store = st
	s.desc = fmt.Sprintf("etcd (embedded, 1 member, %s, max-txn-ops %d, fsync %v)", strings.Join(endpoints, ","), cfg.etcdTxnOps, !cfg.etcdNoFsync)
	return s, nil
}
