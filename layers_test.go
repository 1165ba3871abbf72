package ecs

import (
	"os/exec"
	"strings"
	"testing"
)

// layers are ARCHITECTURE.md's layers, top first, as import paths
// relative to the module ("" is the root package); a path ending in "/…"
// covers its subpackages, and the longest match wins. A package may import
// packages of lower layers and its own subpackages, nothing else of the
// module.
var layers = [][]string{
	{"cmd/…", "examples/…", "e2e", "recovery"},
	{"ecsapi", "internal/fakefleet"},
	{"", "agent/…", "ecsclient"},
	{"internal/services"},
	{"taskdef", "internal/record", "internal/reconcile", "election/etcd", "internal/dockertest", "internal/testimage/…"},
	{"placement/…", "store/…", "runtime/…", "election", "logs", "secrets", "internal/paginate", "internal/agents"},
	{"types", "clock/…", "internal/testutil", "internal/aliasgen", "internal/awsjson", "internal/arn", "internal/sortedset"},
}

const module = "github.com/ecskit/ecs"

// layerOf returns the layer (0 = bottom) and the matching pattern of a
// package path relative to the module.
func layerOf(rel string) (layer int, pattern string, ok bool) {
	best := -1
	for i, ps := range layers {
		for _, p := range ps {
			base, tree := strings.CutSuffix(p, "/…")
			if rel == base || tree && strings.HasPrefix(rel, base+"/") {
				if len(p) > best {
					best, layer, pattern = len(p), len(layers)-1-i, p
				}
			}
		}
	}
	return layer, pattern, best >= 0
}

// TestNoPackageImportsAPackageAboveIt checks every package's imports
// (not its tests') against the layers.
func TestNoPackageImportsAPackageAboveIt(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	rel := func(path string) (string, bool) {
		if path == module {
			return "", true
		}
		r, ok := strings.CutPrefix(path, module+"/")
		return r, ok
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, _ := rel(fields[0])
		pl, pp, ok := layerOf(pkg)
		if !ok {
			t.Errorf("%s is in no layer of ARCHITECTURE.md", fields[0])
			continue
		}
		n++
		for _, imp := range fields[1:] {
			dep, ours := rel(imp)
			if !ours {
				continue
			}
			dl, dp, ok := layerOf(dep)
			switch {
			case !ok:
				t.Errorf("%s imports %s, which is in no layer", fields[0], imp)
			case dl < pl, dp == pp && pp != "" && strings.HasSuffix(pp, "/…"):
			case pkg != "" && strings.HasPrefix(dep, pkg+"/"):
			default:
				t.Errorf("%s (layer %d) imports %s (layer %d)", fields[0], pl, imp, dl)
			}
		}
	}
	if n < 20 {
		t.Fatalf("checked only %d packages", n)
	}
}
