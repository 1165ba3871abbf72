package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestLinksNoControlPlane checks that the remote agent links the ECS
// shapes, the agent and the API client, and none of the control plane:
// not the root package, not placement, not a store, not the service
// reconciler, not task definition validation, not etcd. (bbolt is linked:
// package logs can keep its events in a bbolt file.)
func TestLinksNoControlPlane(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/ecskit/ecs/cmd/ecs-agent").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, want := range []string{"github.com/ecskit/ecs/types", "github.com/ecskit/ecs/agent", "github.com/ecskit/ecs/ecsclient"} {
		if !slices.Contains(deps, want) {
			t.Errorf("cmd/ecs-agent does not link %s; deps: %v", want, deps)
		}
	}
	for _, dep := range deps {
		switch {
		case dep == "github.com/ecskit/ecs",
			under(dep, "github.com/ecskit/ecs/placement"),
			under(dep, "github.com/ecskit/ecs/store"),
			under(dep, "github.com/ecskit/ecs/internal/reconcile"),
			under(dep, "github.com/ecskit/ecs/taskdef"),
			under(dep, "github.com/ecskit/ecs/ecsapi"),
			under(dep, "go.etcd.io/etcd"):
			t.Errorf("cmd/ecs-agent links %s", dep)
		}
	}
}

// under reports whether pkg is root or one of its subpackages.
func under(pkg, root string) bool { return pkg == root || strings.HasPrefix(pkg, root+"/") }
