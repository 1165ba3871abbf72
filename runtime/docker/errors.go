package docker

import (
	"context"
	"errors"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/ecskit/ecs/runtime"
)

// wrap turns an engine error of the call named call into an ecskit error:
// a missing object matches runtime.ErrNotFound, an engine that cannot be
// reached matches runtime.ErrUnavailable, and a call that ran out of its own
// time says so and matches context.DeadlineExceeded. ctx is the call's
// bounded context. The engine's message is kept.
func wrap(ctx context.Context, call string, err error) error {
	if err == nil {
		return nil
	}
	var te *timeoutError
	if cause := context.Cause(ctx); errors.As(cause, &te) {
		return fmt.Errorf("docker: %w: %v", te, err)
	}
	switch {
	case cerrdefs.IsNotFound(err):
		return fmt.Errorf("docker: %s: %w: %w", call, runtime.ErrNotFound, err)
	case unavailable(err):
		return fmt.Errorf("docker: %s: %w: %w", call, runtime.ErrUnavailable, err)
	default:
		return fmt.Errorf("docker: %s: %w", call, err)
	}
}

// unavailable reports whether err means the engine did not answer.
func unavailable(err error) bool {
	return client.IsErrConnectionFailed(err) || cerrdefs.IsUnavailable(err)
}
