package ecs

import (
	"context"

	"github.com/ecskit/ecs/store"
)

// countServices counts a cluster's ACTIVE services.
func (cp *ControlPlane) countServices(tx store.Tx, cluster string) (int64, error) {
	return 0, nil
}

// startControllers starts the level-triggered controllers (the service
// scheduler); they stop when ctx is cancelled, and Close waits for them
// through cp.wg.
func (cp *ControlPlane) startControllers(ctx context.Context) {}
