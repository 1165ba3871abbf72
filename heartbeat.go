package ecs

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/store"
)

// heartbeatRecord is an agent's last sign of life, shared through the
// store by every control plane on it.
type heartbeatRecord struct {
	ARN string `json:"arn"`
	At  Time   `json:"at"`
}

const heartbeatPrefix = "heartbeats/"

func heartbeatKey(cluster, id string) string { return heartbeatPrefix + cluster + "/" + id }

// heartbeat persists an agent's sign of life when one is due.
func (cp *ControlPlane) heartbeat(ctx context.Context, cluster, id string) {
	arn := cp.instanceARN(cluster, id)
	if !cp.agents.Due(arn) {
		return
	}
	err := cp.store.Update(ctx, func(tx store.Tx) error {
		return record.Put(tx, heartbeatKey(cluster, id), &heartbeatRecord{ARN: arn, At: cp.now()})
	})
	if err != nil && ctx.Err() == nil {
		cp.log.Warn("persist agent heartbeat", "instance", arn, "err", err)
	}
}

// loadHeartbeats reads every persisted heartbeat into the tracker.
func (cp *ControlPlane) loadHeartbeats(tx store.Tx) error {
	recs, err := record.List[heartbeatRecord](tx, heartbeatPrefix)
	for _, r := range recs {
		cp.agents.Observe(r.ARN, r.At.Time)
	}
	return err
}

// observeEvent feeds heartbeats written by any control plane to the
// tracker.
func (cp *ControlPlane) observeEvent(ev store.Event) {
	if ev.Type != store.EventPut || !strings.HasPrefix(ev.Record.Key, heartbeatPrefix) {
		return
	}
	var r heartbeatRecord
	if json.Unmarshal(ev.Record.Value, &r) == nil {
		cp.agents.Observe(r.ARN, r.At.Time)
	}
}
