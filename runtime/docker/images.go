package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"

	"github.com/ecskit/ecs/runtime"
)

// Info describes the engine's host. The architecture is spelled as ECS
// does: x86_64 or arm64.
func (r *Runtime) Info(ctx context.Context) (runtime.HostInfo, error) {
	ctx, cancel := bounded(ctx, "info", r.timeouts.Info)
	defer cancel()
	res, err := r.cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return runtime.HostInfo{}, wrap(ctx, "info", err)
	}
	in := res.Info
	drivers := map[string]bool{"none": true} // built in, never listed
	for _, d := range in.Plugins.Log {
		drivers[d] = true
	}
	if in.LoggingDriver != "" {
		drivers[in.LoggingDriver] = true
	}
	r.mu.Lock()
	r.logDrivers = drivers
	r.mu.Unlock()
	return runtime.HostInfo{
		CPUs:          in.NCPU,
		MemoryBytes:   in.MemTotal,
		OSType:        in.OSType,
		Architecture:  ecsArchitecture(in.Architecture),
		EngineVersion: in.ServerVersion,
		KernelVersion: in.KernelVersion,
		Name:          in.Name,
	}, nil
}

// ecsArchitecture spells an engine architecture (uname -m or GOARCH) the
// way ECS's ecs.cpu-architecture attribute does.
func ecsArchitecture(arch string) string {
	switch strings.ToLower(arch) {
	case "x86_64", "amd64", "x86-64":
		return "x86_64"
	case "aarch64", "arm64", "arm64v8":
		return "arm64"
	default:
		return arch
	}
}

// ImagePresent reports whether the image is in the engine's cache.
func (r *Runtime) ImagePresent(ctx context.Context, image string) (bool, error) {
	ctx, cancel := bounded(ctx, "inspect image "+image, r.timeouts.ImageInspect)
	defer cancel()
	_, err := r.cli.ImageInspect(ctx, image)
	switch {
	case err == nil:
		return true, nil
	case cerrdefs.IsNotFound(err):
		return false, nil
	default:
		return false, wrap(ctx, "inspect image "+image, err)
	}
}

// PullImage pulls the image, bounded by the Pull timeout. Every failure
// matches runtime.ErrImagePull and carries the engine's message; an
// unreachable engine also matches runtime.ErrUnavailable.
func (r *Runtime) PullImage(ctx context.Context, image string) error {
	call := "pull image " + image
	ctx, cancel := bounded(ctx, call, r.timeouts.Pull)
	defer cancel()
	err := r.pullImage(ctx, image)
	if err == nil {
		return nil
	}
	err = wrap(ctx, call, err)
	return fmt.Errorf("%w: %w", runtime.ErrImagePull, err)
}

func (r *Runtime) pullImage(ctx context.Context, image string) error {
	resp, err := r.cli.ImagePull(ctx, image, client.ImagePullOptions{})
	if err != nil {
		return err
	}
	defer resp.Close()
	return drain(ctx, resp.JSONMessages(ctx))
}

// drain reads an engine progress stream to its end and returns the first
// error it reports.
func drain(ctx context.Context, msgs iter.Seq2[jsonstream.Message, error]) error {
	for m, err := range msgs {
		if err != nil {
			return err
		}
		if m.Error != nil {
			return errors.New(m.Error.Message)
		}
	}
	return ctx.Err()
}

// BuildImage builds an image with the engine's classic builder from a tar
// build context holding a Dockerfile, tags it and labels it. It exists for
// test images, which need no registry.
func (r *Runtime) BuildImage(ctx context.Context, tag string, buildContext io.Reader, labels map[string]string) error {
	call := "build image " + tag
	ctx, cancel := bounded(ctx, call, r.timeouts.Build)
	defer cancel()
	res, err := r.cli.ImageBuild(ctx, buildContext, client.ImageBuildOptions{
		Tags:        []string{tag},
		Remove:      true,
		ForceRemove: true,
		Labels:      maps.Clone(labels),
		Version:     build.BuilderV1,
	})
	if err != nil {
		return wrap(ctx, call, err)
	}
	defer res.Body.Close()
	return wrap(ctx, call, drain(ctx, jsonMessages(res.Body)))
}

// jsonMessages decodes a stream of engine progress messages.
func jsonMessages(rd io.Reader) iter.Seq2[jsonstream.Message, error] {
	return func(yield func(jsonstream.Message, error) bool) {
		dec := json.NewDecoder(rd)
		for {
			var m jsonstream.Message
			if err := dec.Decode(&m); err != nil {
				if !errors.Is(err, io.EOF) {
					yield(m, err)
				}
				return
			}
			if !yield(m, nil) {
				return
			}
		}
	}
}

// ImageID returns the ID of an image in the engine's cache; a missing image
// matches runtime.ErrNotFound.
func (r *Runtime) ImageID(ctx context.Context, image string) (string, error) {
	call := "inspect image " + image
	ctx, cancel := bounded(ctx, call, r.timeouts.ImageInspect)
	defer cancel()
	res, err := r.cli.ImageInspect(ctx, image)
	if err != nil {
		return "", wrap(ctx, call, err)
	}
	return res.ID, nil
}

// RemoveImage removes an image by reference or ID, untagging it first if
// it has several tags; a missing image is not an error.
func (r *Runtime) RemoveImage(ctx context.Context, image string) error {
	call := "remove image " + image
	ctx, cancel := bounded(ctx, call, r.timeouts.RemoveImage)
	defer cancel()
	_, err := r.cli.ImageRemove(ctx, image, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	return wrap(ctx, call, err)
}

// ImagesByLabel returns the IDs of the images carrying the label k=v (any
// value when v is "").
func (r *Runtime) ImagesByLabel(ctx context.Context, k, v string) ([]string, error) {
	call := "list images"
	ctx, cancel := bounded(ctx, call, r.timeouts.List)
	defer cancel()
	f := client.Filters{}
	if v == "" {
		f.Add("label", k)
	} else {
		f.Add("label", k+"="+v)
	}
	res, err := r.cli.ImageList(ctx, client.ImageListOptions{Filters: f})
	if err != nil {
		return nil, wrap(ctx, call, err)
	}
	ids := make([]string, 0, len(res.Items))
	for _, im := range res.Items {
		ids = append(ids, im.ID)
	}
	return ids, nil
}
