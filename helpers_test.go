package ecs

import (
	"context"
	"time"
)

// ptr returns a pointer to v, for the optional fields of requests.
func ptr[T any](v T) *T { return &v }

// reconcileServices runs one scheduler pass over every service now.
func (cp *ControlPlane) reconcileServices(ctx context.Context) (time.Time, error) {
	return cp.services.ReconcileAll(ctx)
}
