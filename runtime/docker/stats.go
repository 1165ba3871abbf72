package docker

import (
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/moby/moby/client"
)

// maxStatsBytes bounds one stats document.
const maxStatsBytes = 1 << 20

var errInvalidStats = errors.New("the engine's stats are not JSON")

// ContainerStats returns one sample of the container's resource usage as
// the engine's stats JSON (GET /containers/{id}/stats?stream=false, with
// the previous sample, so CPU deltas can be computed), unchanged: what the
// task metadata endpoint's /stats serves.
func (r *Runtime) ContainerStats(ctx context.Context, id string) (json.RawMessage, error) {
	ctx, cancel := bounded(ctx, "stats of container "+id, r.timeouts.Inspect)
	defer cancel()
	res, err := r.cli.ContainerStats(ctx, id, client.ContainerStatsOptions{IncludePreviousSample: true})
	if err != nil {
		return nil, wrap(ctx, "stats of container "+id, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxStatsBytes))
	if err != nil {
		return nil, wrap(ctx, "stats of container "+id, err)
	}
	if !json.Valid(b) {
		return nil, wrap(ctx, "stats of container "+id, errInvalidStats)
	}
	return b, nil
}
