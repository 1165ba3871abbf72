package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/ecskit/ecs"
	etcdelection "github.com/ecskit/ecs/election/etcd"
	"github.com/ecskit/ecs/store"
	etcdstore "github.com/ecskit/ecs/store/etcd"
)

// electionName is the etcd key prefix of the control plane's leader
// election; it lies outside the store's prefix (/ecskit/), so campaign
// keys never show up as records.
const electionName = "/ecskit-leader/"

// sharedStore is the etcd store with the elector that rides on its
// client; closing it resigns, then disconnects.
type sharedStore struct {
	*etcdstore.Store
	elector *etcdelection.Elector
}

func (s sharedStore) Close() error {
	_ = s.elector.Close()
	return s.Store.Close()
}

// openEtcd connects to etcd: the control plane's state lives there, and
// the replicas sharing it elect one leader to run the controllers.
func openEtcd(ctx context.Context, endpoints []string, cfg config, log *slog.Logger) (store.Store, ecs.Elector, error) {
	st, err := etcdstore.Open(ctx, etcdstore.Config{Endpoints: endpoints})
	if err != nil {
		return nil, nil, fmt.Errorf("-store etcd: %w", err)
	}
	host, _ := os.Hostname()
	id := fmt.Sprintf("%s/%s/%d", host, cfg.listen, os.Getpid())
	el := etcdelection.NewElector(st.Client(), electionName, id, cfg.electionTTL)
	log.Info("state in etcd; leader election on", "endpoints", endpoints, "id", id, "ttl", cfg.electionTTL)
	return sharedStore{Store: st, elector: el}, el, nil
}
