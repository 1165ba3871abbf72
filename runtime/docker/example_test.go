package docker_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"time"

	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/runtime/docker"
)

// Example runs a web server on the engine of the environment (DOCKER_HOST,
// else the local socket) on a dynamic host port, then stops and removes it.
// It needs an engine that has, or can pull, the image, so it is compiled
// but not run by go test.
func Example() {
	rt, err := docker.New(docker.WithLogger(slog.Default()), docker.WithPullBehavior(runtime.PullPreferCached))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close()
	ctx := context.Background()

	const image = "nginx:1.27"
	if err := rt.EnsureImage(ctx, image, nil); err != nil {
		log.Fatal(err) // matches runtime.ErrImagePull
	}
	id, err := rt.Create(ctx, runtime.ContainerSpec{
		Name:         "ecs-web-1-nginx-0123456789abcdef0123",
		Image:        image,
		Labels:       map[string]string{"com.amazonaws.ecs.container-name": "nginx"},
		CPUShares:    256,
		MemoryBytes:  128 << 20,
		PortBindings: []runtime.PortBinding{{ContainerPort: 80, HostPort: 0, Protocol: "tcp"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Remove(ctx, id)
	if err := rt.Start(ctx, id); err != nil {
		log.Fatal(err)
	}
	st, err := rt.Inspect(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range st.Ports {
		fmt.Printf("%s:%d -> %d/%s\n", p.HostIP, p.HostPort, p.ContainerPort, p.Protocol)
	}
	if err := rt.Stop(ctx, id, 30*time.Second); err != nil {
		log.Fatal(err)
	}
}
