package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ecskit/ecs/runtime"
)

// imageEngine is a Runtime whose image cache and registry are two sets; only
// the image methods are implemented.
type imageEngine struct {
	runtime.Runtime
	cache    map[string]bool
	registry map[string]bool
	pulls    int
}

func (e *imageEngine) ImagePresent(_ context.Context, image string) (bool, error) {
	return e.cache[image], nil
}

func (e *imageEngine) PullImage(_ context.Context, image string) error {
	e.pulls++
	if !e.registry[image] {
		return fmt.Errorf("pull %s: %w: not found in registry", image, runtime.ErrImagePull)
	}
	e.cache[image] = true
	return nil
}

func TestParsePullBehavior(t *testing.T) {
	for in, want := range map[string]runtime.PullBehavior{
		"":              runtime.PullDefault,
		"default":       runtime.PullDefault,
		"bogus":         runtime.PullDefault,
		"always":        runtime.PullAlways,
		" ALWAYS ":      runtime.PullAlways,
		"once":          runtime.PullOnce,
		"prefer-cached": runtime.PullPreferCached,
		"Prefer-Cached": runtime.PullPreferCached,
	} {
		if got := runtime.ParsePullBehavior(in); got != want {
			t.Errorf("ParsePullBehavior(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEnsureImage(t *testing.T) {
	const img = "app:1"
	tests := []struct {
		name         string
		behavior     runtime.PullBehavior
		cached       bool
		inRegistry   bool
		pulledBefore bool
		wantPulls    int
		wantErr      error
	}{
		{name: "default pulls", behavior: runtime.PullDefault, cached: true, inRegistry: true, wantPulls: 1},
		{name: "default falls back to cache", behavior: runtime.PullDefault, cached: true, wantPulls: 1},
		{name: "default fails without cache", behavior: runtime.PullDefault, wantPulls: 1, wantErr: runtime.ErrImagePull},
		{name: "unknown behaves as default", behavior: "bogus", cached: true, wantPulls: 1},
		{name: "always pulls", behavior: runtime.PullAlways, cached: true, inRegistry: true, wantPulls: 1},
		{name: "always ignores cache on failure", behavior: runtime.PullAlways, cached: true, wantPulls: 1, wantErr: runtime.ErrImagePull},
		{name: "once pulls first time", behavior: runtime.PullOnce, cached: true, inRegistry: true, wantPulls: 1},
		{name: "once uses cache afterwards", behavior: runtime.PullOnce, cached: true, pulledBefore: true, wantPulls: 0},
		{name: "once pulls again when evicted", behavior: runtime.PullOnce, inRegistry: true, pulledBefore: true, wantPulls: 1},
		{name: "prefer-cached uses cache", behavior: runtime.PullPreferCached, cached: true, wantPulls: 0},
		{name: "prefer-cached pulls when missing", behavior: runtime.PullPreferCached, inRegistry: true, wantPulls: 1},
		{name: "prefer-cached fails when missing everywhere", behavior: runtime.PullPreferCached, wantPulls: 1, wantErr: runtime.ErrImagePull},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &imageEngine{cache: map[string]bool{}, registry: map[string]bool{}}
			e.cache[img] = tc.cached
			e.registry[img] = tc.inRegistry
			err := runtime.EnsureImage(context.Background(), e, img, tc.behavior, func(string) bool { return tc.pulledBefore })
			if !errors.Is(err, tc.wantErr) || (err != nil) != (tc.wantErr != nil) {
				t.Fatalf("EnsureImage error = %v, want %v", err, tc.wantErr)
			}
			if e.pulls != tc.wantPulls {
				t.Errorf("pulls = %d, want %d", e.pulls, tc.wantPulls)
			}
			if err == nil && !e.cache[img] {
				t.Errorf("EnsureImage returned nil but the image is not cached")
			}
		})
	}
}
