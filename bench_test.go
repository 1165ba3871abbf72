package ecs

// Benchmarks of the control plane's hot calls on a seeded cluster
// (1,000 instances carrying 10,000 tasks by default), compared before and
// after a change with benchstat:
//
//	go test -run XXX -bench 'PollTasks|RunTask|DescribeTasks|ListTasks' -benchtime 2s -count 6 . > new.txt
//	go run golang.org/x/perf/cmd/benchstat@latest old.txt new.txt

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/memory"
)

// benchCluster is a control plane over a memory store seeded directly
// (one transaction) with instances and tasks, which is much faster than
// placing the tasks one RunTask at a time.
type benchCluster struct {
	cp    *ControlPlane
	insts []string // instance IDs
	tasks []string // task IDs
	td    *TaskDefinition
	// health is the health last reported of a task (benchWake flips it).
	health map[string]string
}

func newBenchCluster(b *testing.B, instances, tasks int) *benchCluster {
	b.Helper()
	ctx := context.Background()
	s := memory.New()
	var n atomic.Int64
	cp, err := Open(WithStore(s), WithRandSeed(1), WithIDGenerator(func() string {
		return fmt.Sprintf("%032x", n.Add(1))
	}))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cp.Close(); _ = s.Close() })
	if _, err := cp.CreateCluster(ctx, &CreateClusterInput{}); err != nil {
		b.Fatal(err)
	}
	out, err := cp.RegisterTaskDefinition(ctx, &RegisterTaskDefinitionInput{
		Family:               "bench",
		ContainerDefinitions: []ContainerDefinition{{Name: "app", Image: "busybox", Memory: ptr(int64(64))}},
	})
	if err != nil {
		b.Fatal(err)
	}
	bc := &benchCluster{cp: cp, td: out.TaskDefinition, health: map[string]string{}}
	now := cp.now()
	err = s.Update(ctx, func(tx store.Tx) error {
		recs := make([]*record.Instance, instances)
		for i := range recs {
			r := &record.Instance{Cluster: DefaultCluster, ID: cp.newID(), Status: StatusActive, Version: 1,
				RegisteredAt: now, CPU: 64 * 1024, Memory: 256 * 1024, Ports: DefaultReservedPorts}
			r.Ec2InstanceId = "i-" + r.ID[:17]
			r.SetAttr("ecs.availability-zone", fmt.Sprintf("us-east-1%c", 'a'+i%3))
			recs[i] = r
			bc.insts = append(bc.insts, r.ID)
			cp.agents.Touch(cp.instanceARN(DefaultCluster, r.ID))
		}
		for i := range tasks {
			inst := recs[i%instances]
			t := cp.newTask(DefaultCluster, inst, bc.td, nil, "family:bench", "", nil)
			inst.Reserve(t)
			if i%2 == 0 { // half of them RUNNING
				t.Task.LastStatus = TaskStatusRunning
				t.Task.Containers[0].LastStatus = TaskStatusRunning
			}
			record.Settle(inst, t)
			if err := record.Put(tx, record.TaskKey(DefaultCluster, t.ID), t); err != nil {
				return err
			}
			bc.tasks = append(bc.tasks, t.ID)
		}
		for _, r := range recs {
			if err := record.Put(tx, record.InstanceKey(DefaultCluster, r.ID), r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	bc.settle(b)
	return bc
}

// settle waits until the control plane has observed every committed write
// (a no-op for a control plane without caches).
func (bc *benchCluster) settle(b *testing.B) {
	b.Helper()
	bc.cp.waitApplied(context.Background(), b)
}

const (
	benchInstances = 1000
	benchTasks     = 10000
)

// BenchmarkPollTasks measures what an agent's poll costs: "answer" is a
// poll that answers at once (AfterRevision 0); "wake" commits a state
// change of one task while an agent polls on each of 10 (or 1,000)
// instances, and
// waits for the poll of that task's instance to answer: the cost of a
// commit to everyone waiting.
func BenchmarkPollTasks(b *testing.B) {
	bc := newBenchCluster(b, benchInstances, benchTasks)
	ctx := context.Background()
	b.Run("answer", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			out, err := bc.cp.PollTasks(ctx, &PollTasksInput{ContainerInstance: bc.insts[i%len(bc.insts)]})
			if err != nil || len(out.Tasks) == 0 {
				b.Fatal(err, out)
			}
		}
	})
	for _, pollers := range []int{10, 1000} {
		b.Run(fmt.Sprintf("wake/pollers=%d", pollers), func(b *testing.B) { benchWake(b, bc, pollers) })
	}
}

func benchWake(b *testing.B, bc *benchCluster, pollers int) {
	ctx := context.Background()
	{
		answers := make([]chan int, pollers)
		pctx, cancel := context.WithCancel(ctx)
		defer cancel()
		rev := make([]int64, pollers)
		for p := range pollers {
			out, err := bc.cp.PollTasks(ctx, &PollTasksInput{ContainerInstance: bc.insts[p]})
			if err != nil {
				b.Fatal(err)
			}
			rev[p] = out.Revision
			answers[p] = make(chan int, 1)
			go func() {
				after := rev[p]
				for pctx.Err() == nil {
					out, err := bc.cp.PollTasks(pctx, &PollTasksInput{ContainerInstance: bc.insts[p], AfterRevision: after, WaitSeconds: 600})
					if err != nil {
						return
					}
					if out.Revision > after {
						after = out.Revision
					}
					select {
					case answers[p] <- len(out.Tasks):
					default:
					}
				}
			}()
		}
		time.Sleep(100 * time.Millisecond) // let every poller wait
		for i := 0; b.Loop(); i++ {
			p := i % pollers
			// Task p+k*instances lives on instance p; flip its health.
			id := bc.tasks[p]
			health := HealthHealthy
			if bc.health[id] == HealthHealthy {
				health = HealthUnhealthy
			}
			bc.health[id] = health
			drain(answers[p])
			_, err := bc.cp.SubmitContainerStateChange(ctx, &SubmitContainerStateChangeInput{Task: id, ContainerName: "app", HealthStatus: health})
			if err != nil {
				b.Fatal(err)
			}
			<-answers[p]
		}
	}
}

func drain(c chan int) {
	select {
	case <-c:
	default:
	}
}

// BenchmarkRunTask measures RunTask of 10 tasks, spread over AZs then
// binpacked by memory, on the seeded cluster.
func BenchmarkRunTask(b *testing.B) {
	bc := newBenchCluster(b, benchInstances, benchTasks)
	ctx := context.Background()
	in := &RunTaskInput{TaskDefinition: "bench", Count: ptr(int64(10)), PlacementStrategy: []PlacementStrategy{
		{Type: "spread", Field: "attribute:ecs.availability-zone"}, {Type: "binpack", Field: "memory"}}}
	for b.Loop() {
		out, err := bc.cp.RunTask(ctx, in)
		if err != nil || len(out.Tasks) != 10 {
			b.Fatal(err, out.Failures)
		}
	}
	b.ReportMetric(float64(10*b.N)/b.Elapsed().Seconds(), "tasks/s")
}

// BenchmarkDescribeTasks describes 100 tasks at a time.
func BenchmarkDescribeTasks(b *testing.B) {
	bc := newBenchCluster(b, benchInstances, benchTasks)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		ids := make([]string, 100)
		for k := range ids {
			ids[k] = bc.tasks[(i*100+k*37)%len(bc.tasks)]
		}
		out, err := bc.cp.DescribeTasks(ctx, &DescribeTasksInput{Tasks: ids})
		if err != nil || len(out.Tasks) != 100 {
			b.Fatal(err, out)
		}
	}
}

// BenchmarkListTasks lists one page of 100: of the whole cluster, and of
// one instance.
func BenchmarkListTasks(b *testing.B) {
	bc := newBenchCluster(b, benchInstances, benchTasks)
	ctx := context.Background()
	b.Run("cluster", func(b *testing.B) {
		next := ""
		for b.Loop() {
			out, err := bc.cp.ListTasks(ctx, &ListTasksInput{NextToken: next})
			if err != nil || len(out.TaskArns) == 0 {
				b.Fatal(err, out)
			}
			next = out.NextToken
		}
	})
	b.Run("instance", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			out, err := bc.cp.ListTasks(ctx, &ListTasksInput{ContainerInstance: bc.insts[i%len(bc.insts)]})
			if err != nil || len(out.TaskArns) == 0 {
				b.Fatal(err, out)
			}
		}
	})
}

// BenchmarkRunTaskParallel is BenchmarkRunTask from 8 goroutines, as the
// end-to-end scenario calls it: they contend for the same instances.
func BenchmarkRunTaskParallel(b *testing.B) {
	bc := newBenchCluster(b, benchInstances, benchTasks)
	ctx := context.Background()
	in := &RunTaskInput{TaskDefinition: "bench", Count: ptr(int64(10)), PlacementStrategy: []PlacementStrategy{
		{Type: "spread", Field: "attribute:ecs.availability-zone"}, {Type: "binpack", Field: "memory"}}}
	b.SetParallelism(8 / max(1, runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			out, err := bc.cp.RunTask(ctx, in)
			if err != nil || len(out.Tasks) != 10 {
				b.Error(err, out.Failures)
				return
			}
		}
	})
	b.ReportMetric(float64(10*b.N)/b.Elapsed().Seconds(), "tasks/s")
}
