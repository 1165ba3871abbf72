package docker

import (
	"context"
	"maps"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// CreateVolume creates a named volume with the engine's default driver and
// the given labels; creating an existing volume is not an error (its labels
// are left as they are).
func (r *Runtime) CreateVolume(ctx context.Context, name string, labels map[string]string) error {
	call := "create volume " + name
	ctx, cancel := bounded(ctx, call, r.timeouts.Volume)
	defer cancel()
	_, err := r.cli.VolumeCreate(ctx, client.VolumeCreateOptions{Name: name, Labels: maps.Clone(labels)})
	return wrap(ctx, call, err)
}

// RemoveVolume removes a named volume; a missing one is not an error. A
// volume still used by a container is not removed and the engine's
// conflict is returned.
func (r *Runtime) RemoveVolume(ctx context.Context, name string) error {
	call := "remove volume " + name
	ctx, cancel := bounded(ctx, call, r.timeouts.Volume)
	defer cancel()
	_, err := r.cli.VolumeRemove(ctx, name, client.VolumeRemoveOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	return wrap(ctx, call, err)
}
