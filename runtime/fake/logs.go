package fake

import (
	"context"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ecskit/ecs/runtime"
)

// printed is what ECSKIT_FAKE_OUTPUT makes a container print at start.
func printed(script string, env []string, at time.Time) []runtime.LogLine {
	if script == "" {
		return nil
	}
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	text := os.Expand(strings.ReplaceAll(script, `\n`, "\n"), func(k string) string { return vars[k] })
	var out []runtime.LogLine
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		out = append(out, runtime.LogLine{Time: at, Text: l})
	}
	return out
}

// StreamLogs implements runtime.LogStreamer: the container's scripted
// output, then nothing until it exits (or ctx is done).
func (r *Runtime) StreamLogs(ctx context.Context, id string, fn func(runtime.LogLine)) error {
	if err := r.check(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	c, err := r.lookup(id)
	if err != nil {
		r.mu.Unlock()
		return err
	}
	lines, exited := slices.Clone(c.output), c.exitChan()
	r.mu.Unlock()
	for _, l := range lines {
		if ctx.Err() != nil {
			return nil
		}
		fn(l)
	}
	if exited == nil {
		return nil
	}
	select {
	case <-exited:
	case <-ctx.Done():
	case <-r.done:
	}
	return nil
}
