package docker

import (
	"context"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"
)

// RawInspect returns the engine's own inspect document, for tests that
// check how a spec was mapped.
func RawInspect(ctx context.Context, r *Runtime, id string) (container.InspectResponse, error) {
	res, err := r.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	return res.Container, err
}

// BreakEventStreams makes the next n event subscriptions of r fail right
// after delivering their first message, as if the engine had restarted.
// It returns a function reporting how many subscriptions were made.
func BreakEventStreams(r *Runtime, n int) (subscriptions func() int) {
	real := r.subscribe
	count := make(chan int, 1)
	count <- 0
	r.subscribe = func(ctx context.Context, since string) (<-chan events.Message, <-chan error) {
		c := <-count
		count <- c + 1
		if c >= n {
			return real(ctx, since)
		}
		ctx, cancel := context.WithCancel(ctx)
		msgs, errs := real(ctx, since)
		out := make(chan events.Message)
		outErrs := make(chan error, 1)
		go func() {
			defer cancel()
			select {
			case m := <-msgs:
				select {
				case out <- m:
				case <-ctx.Done():
				}
				outErrs <- context.Canceled // the "engine" went away
			case err := <-errs:
				outErrs <- err
			case <-ctx.Done():
				outErrs <- ctx.Err()
			}
		}()
		return out, outErrs
	}
	return func() int { c := <-count; count <- c; return c }
}

// VolumeExists reports whether the engine has the named volume.
func VolumeExists(ctx context.Context, r *Runtime, name string) (bool, error) {
	_, err := r.cli.VolumeInspect(ctx, name, client.VolumeInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}
