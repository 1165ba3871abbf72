package ecs

import (
	"context"
	"fmt"
	"testing"

	"github.com/ecskit/ecs/clock"
)

// benchServices opens a control plane on a fake clock with instances
// instances and services services of perService tasks each, all placed.
func benchServices(b *testing.B, instances, services, perService int) *ControlPlane {
	b.Helper()
	ctx := context.Background()
	cp, err := Open(WithClock(clock.NewFake(simStart)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cp.Close() })
	if _, err := cp.CreateCluster(ctx, &CreateClusterInput{}); err != nil {
		b.Fatal(err)
	}
	for i := range instances {
		_, err := cp.RegisterContainerInstance(ctx, &RegisterContainerInstanceInput{
			InstanceIdentityDocument: fmt.Sprintf(`{"availabilityZone":"us-east-1%c"}`, 'a'+i%3),
			TotalResources: []Resource{
				{Name: ResourceCPU, Type: "INTEGER", IntegerValue: 65536},
				{Name: ResourceMemory, Type: "INTEGER", IntegerValue: 262144},
			},
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	mem := int64(64)
	if _, err := cp.RegisterTaskDefinition(ctx, &RegisterTaskDefinitionInput{Family: "web",
		ContainerDefinitions: []ContainerDefinition{{Name: "app", Image: "busybox", Memory: &mem}}}); err != nil {
		b.Fatal(err)
	}
	for i := range services {
		if _, err := cp.CreateService(ctx, &CreateServiceInput{ServiceName: fmt.Sprintf("s%03d", i), TaskDefinition: "web", DesiredCount: i64(int64(perService))}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := cp.reconcileServices(ctx); err != nil {
		b.Fatal(err)
	}
	return cp
}

// BenchmarkServiceRound is a scheduler round after one task of one
// service changed, on 1,000 instances and 50 services of 20 tasks: the
// round visits every service (Full) or only the one the tracker would name
// (Tracked: the pass over that service; the tracker itself is tested in
// internal/services).
func BenchmarkServiceRound(b *testing.B) {
	cp := benchServices(b, 1000, 50, 20)
	ctx := context.Background()
	b.Run("Full", func(b *testing.B) {
		for b.Loop() {
			if _, err := cp.reconcileServices(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Tracked", func(b *testing.B) {
		for b.Loop() {
			if err := cp.services.ReconcileService(ctx, DefaultCluster, "s000"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
