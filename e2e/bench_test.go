package e2e_test

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/internal/dockertest"
	"github.com/ecskit/ecs/internal/testimage"
	"github.com/ecskit/ecs/runtime/docker"
)

// The workload of BenchmarkStart20: 20 containers of the test image, each
// with the same limits, on the local engine's default bridge network.
// The moby types in this file are the baseline's own; they go nowhere else.
const (
	benchTasks     = 20
	benchBatch     = 10 // tasks per RunTask call
	benchMemoryMiB = 32
	benchCPUShares = 64
)

// BenchmarkStart20 measures starting 20 one-container tasks on the local
// engine: through ecskit (RunTask twice with count 10, then wait until
// DescribeTasks reports all 20 RUNNING), and, as the baseline, with the
// raw moby client creating and starting the same 20 containers, 20 at a
// time. Stopping and removing them is outside the timed region.
//
//	go test -run '^$' -bench Start20 -benchtime 3x -count 5 ./e2e/
func BenchmarkStart20(b *testing.B) {
	b.Run("ecskit", benchEcskit)
	b.Run("moby", benchMoby)
}

func benchEcskit(b *testing.B) {
	rt := dockertest.Runtime(b)
	image := testimage.Image(b, rt)
	cp := openControlPlane(b)
	// The benchmark removes the containers itself, between iterations.
	startAgent(b, cp, rt, "us-east-1a", func(c *agent.Config) { c.CleanupWait = time.Hour })
	td := taskDef{
		family: "e2e-bench", image: image, networkMode: ecs.NetworkModeBridge,
		memoryMiB: benchMemoryMiB, cpu: benchCPUShares, labels: dockertest.Labels(b),
	}.register(b, cp)

	b.ResetTimer()
	for range b.N {
		var arns []string
		for range benchTasks / benchBatch {
			tasks := runTasks(b, cp, ecs.RunTaskInput{TaskDefinition: td, Count: ptr(int64(benchBatch))})
			arns = append(arns, taskArns(tasks)...)
		}
		// Every 50 ms: a tighter poll decodes every task record hundreds
		// of times a second and takes CPU from the engine.
		waitTasks(b, cp, arns, 50*time.Millisecond, "RUNNING", isRunning)

		b.StopTimer()
		stopTasks(b, cp, arns, 20*time.Millisecond)
		removeTaskContainers(b, cp, rt, arns)
		b.StartTimer()
	}
}

// removeTaskContainers removes the stopped tasks' containers at once, so
// that no iteration pays for the removals of the one before (the agent's
// own cleanup waits an hour).
func removeTaskContainers(b *testing.B, cp *ecs.ControlPlane, rt *docker.Runtime, arns []string) {
	out, err := cp.DescribeTasks(context.Background(), &ecs.DescribeTasksInput{Tasks: arns})
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for _, t := range out.Tasks {
		for _, c := range t.Containers {
			ids = append(ids, c.RuntimeId)
		}
	}
	forEach(b, len(ids), func(ctx context.Context, i int) error { return rt.Remove(ctx, ids[i]) })
}

func benchMoby(b *testing.B) {
	rt := dockertest.Runtime(b) // skips without an engine; sweeps by label
	image := testimage.Image(b, rt)
	cli, err := client.New(client.WithHost(rt.Host()), client.WithTLSClientConfigFromEnv())
	if err != nil {
		b.Fatal(err)
	}
	defer cli.Close()
	labels := dockertest.Labels(b)

	b.ResetTimer()
	for i := range b.N {
		ids := make([]string, benchTasks)
		forEach(b, benchTasks, func(ctx context.Context, j int) error {
			res, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
				Name:   dockertest.Name(b, fmt.Sprintf("%d-%d", i, j)),
				Config: &container.Config{Image: image, Labels: maps.Clone(labels)},
				HostConfig: &container.HostConfig{
					NetworkMode: "bridge",
					Resources: container.Resources{
						CPUShares: benchCPUShares,
						Memory:    benchMemoryMiB << 20,
					},
				},
			})
			if err != nil {
				return err
			}
			ids[j] = res.ID
			_, err = cli.ContainerStart(ctx, res.ID, client.ContainerStartOptions{})
			return err
		})

		b.StopTimer()
		forEach(b, len(ids), func(ctx context.Context, j int) error {
			_, err := cli.ContainerRemove(ctx, ids[j], client.ContainerRemoveOptions{Force: true})
			return err
		})
		b.StartTimer()
	}
}

// forEach calls f(0) to f(n-1) concurrently and fails b if any call
// failed.
func forEach(b *testing.B, n int, f func(ctx context.Context, i int) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = f(ctx, i) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			b.Fatalf("call %d of %d: %v", i, n, err)
		}
	}
}
