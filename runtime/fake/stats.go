package fake

import (
	"context"
	"encoding/json"
	"time"
)

// ContainerStats returns a stats document of Docker's shape for the
// container: its name and ID, the time on the runtime's clock, and zero
// usage (nothing runs) with the container's memory limit.
func (r *Runtime) ContainerStats(ctx context.Context, id string) (json.RawMessage, error) {
	if err := r.check(ctx); err != nil {
		return nil, err
	}
	r.mu.Lock()
	c, err := r.lookup(id)
	var doc map[string]any
	if err == nil {
		now := r.clk.Now().UTC()
		doc = map[string]any{
			"read":         now.Format(time.RFC3339Nano),
			"preread":      now.Add(-time.Second).Format(time.RFC3339Nano),
			"name":         "/" + c.status.Name,
			"id":           c.status.ID,
			"pids_stats":   map[string]any{"current": 0},
			"cpu_stats":    map[string]any{"cpu_usage": map[string]any{"total_usage": 0}, "online_cpus": 1},
			"precpu_stats": map[string]any{"cpu_usage": map[string]any{"total_usage": 0}, "online_cpus": 1},
			"memory_stats": map[string]any{"usage": 0, "limit": c.spec.memoryBytes},
			"networks":     map[string]any{},
		}
	}
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}
