package ecs

import (
	"context"
	"testing"
)

// waitApplied waits until the control plane's caches have applied every
// write committed so far.
func (cp *ControlPlane) waitApplied(ctx context.Context, tb testing.TB) {
	tb.Helper()
	if err := cp.cache.await(ctx); err != nil {
		tb.Fatal(err)
	}
}
