package dockertest

import (
	"fmt"
	"strings"
	"testing"
)

// recorder is a testing.TB that records skips and failures instead of
// acting on them.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Cleanup(func())                    {}
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestNoEngineSkipsOrFails(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+t.TempDir()+"/none.sock")
	for _, tc := range []struct {
		require    string
		skip, fail bool
	}{{"", true, false}, {"0", true, false}, {"1", false, true}} {
		t.Run("require="+tc.require, func(t *testing.T) {
			t.Setenv(RequireEnv, tc.require)
			r := &recorder{TB: t}
			Runtime(r)
			if (r.skipped != "") != tc.skip || (r.failed != "") != tc.fail {
				t.Fatalf("skipped %q, failed %q; want skip %v, fail %v", r.skipped, r.failed, tc.skip, tc.fail)
			}
			if msg := r.skipped + r.failed; !strings.Contains(msg, "no Docker engine answers") || !strings.Contains(msg, RequireEnv) {
				t.Errorf("message %q should say no engine answers and name %s", msg, RequireEnv)
			}
		})
	}
}

func TestLabelsAndNames(t *testing.T) {
	l := Labels(t)
	if l[TestLabel] != "1" || l[testIDLabel] == "" || l[testNameLabel] == "" {
		t.Errorf("Labels = %v", l)
	}
	t.Run("sub", func(t *testing.T) {
		if sub := Labels(t); sub[testIDLabel] != l[testIDLabel] || sub[testNameLabel] == l[testNameLabel] {
			t.Errorf("subtest labels %v: want the parent's test ID and a name of their own", sub)
		}
	})
	if a, b := Name(t, "c"), Name(t, "c"); a == b || !strings.HasPrefix(a, "ecskit-test-TestLabelsAndNames-c-") {
		t.Errorf("names %q and %q: want unique names naming the test", a, b)
	}
}
