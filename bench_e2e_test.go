package ecs_test

// BenchmarkEndToEnd is issue 11's scenario as a host program would run it:
// a memory store, N container instances each with a real agent on
// runtime/fake (64 CPUs, 256 GiB), one task definition (one container,
// 64 MiB), 8 goroutines calling RunTask (count 10, spread by AZ then
// binpack memory) until T tasks, then DescribeTasks until every task is
// RUNNING. It reports tasks/s from the first RunTask to all RUNNING and
// the heap in use at the end (ECSKIT_E2E_HEAPPROFILE=file writes a heap
// profile there). Run one size at a time:
//
//	go test -run XXX -bench 'EndToEnd/^instances=1000$/' -benchtime 1x .

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/runtime/fake"
)

func BenchmarkEndToEnd(b *testing.B) {
	for _, sz := range []struct{ instances, tasks int }{
		{100, 1000}, {1000, 10000}, {10000, 100000}, {10000, 1000000},
	} {
		b.Run(fmt.Sprintf("instances=%d/tasks=%d", sz.instances, sz.tasks), func(b *testing.B) {
			for range b.N {
				endToEnd(b, sz.instances, sz.tasks)
			}
		})
	}
}

func endToEnd(b *testing.B, instances, tasks int) {
	b.StopTimer()
	ctx, cancel := context.WithCancel(context.Background())
	cp, err := ecs.Open()
	if err != nil {
		b.Fatal(err)
	}
	var agents sync.WaitGroup
	defer func() {
		cancel()
		agents.Wait()
		_ = cp.Close()
	}()
	if _, err := cp.CreateCluster(ctx, &ecs.CreateClusterInput{}); err != nil {
		b.Fatal(err)
	}
	if _, err := cp.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family:               "e2e",
		ContainerDefinitions: []ecs.ContainerDefinition{{Name: "app", Image: "busybox", Memory: ptr(int64(64))}},
	}); err != nil {
		b.Fatal(err)
	}
	for i := range instances {
		rt := fake.New(fake.WithAnyImage(), fake.WithResources(64, 256<<30))
		a := agent.New(agent.Config{ControlPlane: cp, Runtime: rt,
			Attributes: agent.Attributes{AvailabilityZone: fmt.Sprintf("us-east-1%c", 'a'+i%3)}})
		agents.Add(1)
		go func() {
			defer agents.Done()
			defer rt.Close()
			_ = a.Run(ctx)
		}()
		<-a.Registered()
	}
	runtime.GC()

	b.StartTimer()
	start := time.Now()
	var launched atomic.Int64
	var mu sync.Mutex
	var arns []string
	var wg sync.WaitGroup
	in := &ecs.RunTaskInput{TaskDefinition: "e2e", Count: ptr(int64(10)), PlacementStrategy: []ecs.PlacementStrategy{
		{Type: "spread", Field: "attribute:ecs.availability-zone"}, {Type: "binpack", Field: "memory"}}}
	var runErr atomic.Value
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for launched.Add(10) <= int64(tasks) {
				out, err := cp.RunTask(ctx, in)
				if err != nil || len(out.Failures) > 0 {
					runErr.Store(fmt.Sprint(err, out))
					return
				}
				mu.Lock()
				for _, t := range out.Tasks {
					arns = append(arns, t.TaskArn)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if e := runErr.Load(); e != nil {
		b.Fatal(e)
	}
	placedAt := time.Since(start)
	pending := arns
	for len(pending) > 0 {
		var still []string
		for i := 0; i < len(pending); i += 100 {
			out, err := cp.DescribeTasks(ctx, &ecs.DescribeTasksInput{Tasks: pending[i:min(i+100, len(pending))]})
			if err != nil {
				b.Fatal(err)
			}
			for _, t := range out.Tasks {
				if t.LastStatus != ecs.TaskStatusRunning {
					still = append(still, t.TaskArn)
				}
			}
		}
		pending = still
		if len(pending) > 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	listed := 0
	next := ""
	for {
		out, err := cp.ListTasks(ctx, &ecs.ListTasksInput{NextToken: next})
		if err != nil {
			b.Fatal(err)
		}
		listed += len(out.TaskArns)
		if next = out.NextToken; next == "" {
			break
		}
	}
	if listed != len(arns) {
		b.Fatalf("ListTasks lists %d RUNNING tasks, RunTask started %d", listed, len(arns))
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	if path := os.Getenv("ECSKIT_E2E_HEAPPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		_ = pprof.WriteHeapProfile(f)
		_ = f.Close()
	}
	b.ReportMetric(float64(len(arns))/elapsed.Seconds(), "tasks/s")
	b.ReportMetric(float64(len(arns))/placedAt.Seconds(), "placed/s")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
}

func ptr[T any](v T) *T { return &v }
