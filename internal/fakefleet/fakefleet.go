// Package fakefleet is what ecsd -runtime fake and ecs-load share to run
// an in-process agent on a fake engine for each container instance
// registered through the API, and the garbage collector setting both
// serve with (TuneGC).
package fakefleet

import (
	"context"
	"strings"

	"github.com/ecskit/ecs"
)

// ClusterOf is the cluster name in a container instance ARN
// (…:container-instance/<cluster>/<id>).
func ClusterOf(arn string) string {
	_, res, _ := strings.Cut(arn, ":container-instance/")
	if c, _, ok := strings.Cut(res, "/"); ok {
		return c
	}
	return ecs.DefaultCluster
}

// FixedResources is the control plane as an agent of a fake engine sees
// it: its re-registrations keep the resources the instance was registered
// with through the API, not the fake engine's.
type FixedResources struct {
	*ecs.ControlPlane
	Total []ecs.Resource
}

// RegisterContainerInstance re-registers with the original resources.
func (f FixedResources) RegisterContainerInstance(ctx context.Context, in *ecs.RegisterContainerInstanceInput) (*ecs.RegisterContainerInstanceOutput, error) {
	if len(f.Total) > 0 {
		c := *in
		c.TotalResources = f.Total
		in = &c
	}
	return f.ControlPlane.RegisterContainerInstance(ctx, in)
}
