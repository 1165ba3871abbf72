package fake_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/runtime/fake"
)

// Spec returns what Create was given, whichever fields are set, and its
// labels are the caller's to change.
func TestSpecRoundTrip(t *testing.T) {
	ctx := context.Background()
	r := fake.New(fake.WithImages("app"))
	defer r.Close()
	specs := []runtime.ContainerSpec{
		{Image: "app"},
		{Name: "lean", Image: "app", Labels: map[string]string{"a": "1"}, Env: []string{"X=1"}, CPUShares: 2, MemoryBytes: 64 << 20},
		{
			Name: "full", Image: "app", Labels: map[string]string{}, Env: []string{}, EntryPoint: []string{"/bin/sh"},
			Command: []string{"-c", "true"}, User: "nobody", WorkingDir: "/w", Hostname: "h", CPUShares: 512,
			MemoryBytes: 1 << 30, MemoryReservationBytes: 1 << 29, NetworkMode: "bridge",
			PortBindings: []runtime.PortBinding{{ContainerPort: 80, Protocol: "tcp"}}, Links: []string{"lean:db"},
			Privileged: true, Sysctls: map[string]string{"net.core.somaxconn": "1024"}, LogDriver: "json-file",
			HealthCheck: &runtime.HealthCheck{Test: []string{"CMD", "true"}, Interval: time.Second}, StopSignal: "SIGINT",
		},
	}
	for _, s := range specs {
		id, err := r.Create(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := r.Spec(id)
		if !ok || !reflect.DeepEqual(got, s) {
			t.Fatalf("Spec = %+v, %v; want %+v", got, ok, s)
		}
		if got.Labels != nil {
			got.Labels["changed"] = "yes"
			if again, _ := r.Spec(id); again.Labels["changed"] != "" {
				t.Fatal("changing the labels Spec returned changed the container's")
			}
		}
	}
}

// A label value many containers share is indexed like one a few share.
func TestListManyByOneLabel(t *testing.T) {
	ctx := context.Background()
	r := fake.New(fake.WithImages("app"))
	defer r.Close()
	var ids []string
	count := func() int {
		list, err := r.List(ctx, map[string]string{"instance": "i1"})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	for i := range 20 {
		if i == 3 && count() != 3 { // index the key while the set is small
			t.Fatalf("List: %d containers, want 3", count())
		}
		id, err := r.Create(ctx, runtime.ContainerSpec{Image: "app", Labels: map[string]string{"instance": "i1"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if n := count(); n != 20 {
		t.Fatalf("List: %d containers, want 20", n)
	}
	for _, id := range ids[:15] {
		if err := r.Remove(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(); n != 5 {
		t.Fatalf("List after removing 15: %d containers, want 5", n)
	}
}
