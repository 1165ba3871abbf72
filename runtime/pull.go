package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// PullBehavior is the agent's image pull policy, ECS_IMAGE_PULL_BEHAVIOR.
type PullBehavior string

// Pull behaviours, with ECS's spellings.
const (
	// PullDefault always pulls; when the pull fails, a cached image is used
	// if there is one.
	PullDefault PullBehavior = "default"
	// PullAlways always pulls; a failed pull fails the container, even when
	// the image is cached.
	PullAlways PullBehavior = "always"
	// PullOnce pulls an image only the first time the agent uses it and uses
	// the cache afterwards (pulling again if the image left the cache).
	PullOnce PullBehavior = "once"
	// PullPreferCached pulls only when the image is not in the cache.
	PullPreferCached PullBehavior = "prefer-cached"
)

// ParsePullBehavior parses an ECS_IMAGE_PULL_BEHAVIOR value. Like the ECS
// agent, it ignores case and surrounding space and reads an empty or unknown
// value as PullDefault.
func ParsePullBehavior(s string) PullBehavior {
	switch b := PullBehavior(strings.ToLower(strings.TrimSpace(s))); b {
	case PullAlways, PullOnce, PullPreferCached:
		return b
	default:
		return PullDefault
	}
}

// EnsureImage makes image available to rt according to b, the ECS
// semantics of ECS_IMAGE_PULL_BEHAVIOR over PullImage and ImagePresent.
// pulledBefore reports whether this agent has pulled the image before; only
// PullOnce consults it, and it may be nil otherwise.
//
// A nil return means the image is in the engine's cache; callers tracking
// PullOnce record the image as pulled then. A failed pull that cannot fall
// back to the cache returns the pull error, which matches ErrImagePull.
func EnsureImage(ctx context.Context, rt Runtime, image string, b PullBehavior, pulledBefore func(string) bool) error {
	switch ParsePullBehavior(string(b)) {
	case PullAlways:
		return rt.PullImage(ctx, image)

	case PullOnce:
		if pulledBefore != nil && pulledBefore(image) {
			present, err := rt.ImagePresent(ctx, image)
			if err != nil {
				return fmt.Errorf("image %s: %w", image, err)
			}
			if present {
				return nil
			}
		}
		return rt.PullImage(ctx, image)

	case PullPreferCached:
		present, err := rt.ImagePresent(ctx, image)
		if err != nil {
			return fmt.Errorf("image %s: %w", image, err)
		}
		if present {
			return nil
		}
		return rt.PullImage(ctx, image)

	default: // PullDefault
		pullErr := rt.PullImage(ctx, image)
		if pullErr == nil {
			return nil
		}
		if ctx.Err() != nil {
			return pullErr
		}
		present, err := rt.ImagePresent(ctx, image)
		if err != nil {
			return errors.Join(pullErr, fmt.Errorf("image %s: %w", image, err))
		}
		if present {
			return nil
		}
		return pullErr
	}
}
