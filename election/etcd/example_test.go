package etcd_test

import (
	"context"
	"log"
	"os"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/ecskit/ecs/election/etcd"
)

// Each replica runs the same loop: campaign, act while leading, campaign
// again after a loss. (The example needs a running etcd, so it is compiled
// but not run.)
func Example() {
	client, err := clientv3.New(clientv3.Config{Endpoints: []string{"http://127.0.0.1:2379"}})
	if err != nil {
		log.Print(err)
		return
	}
	defer client.Close()
	host, _ := os.Hostname()
	e := etcd.NewElector(client, "/ecskit/leader", host, 10*time.Second)
	defer e.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		leaderCtx, err := e.Lead(ctx)
		if err != nil {
			return // ctx ended, the elector was closed, or etcd failed
		}
		<-leaderCtx.Done() // run the controllers with leaderCtx instead
		log.Printf("no longer leading: %v", context.Cause(leaderCtx))
	}
}
