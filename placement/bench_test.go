package placement

// The two headline benchmarks, compared with benchstat:
//
//	go test -run XXX -bench 'BenchmarkPlace/instances=10000|BenchmarkReference/instances=10000' \
//	    -benchtime 2s -count 8 ./placement > /tmp/bench.txt
//	cd /tmp && go run golang.org/x/perf/cmd/benchstat@latest -col .name -filter .unit:placements/s bench.txt

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// benchTasks is how many tasks the benchmark scenario places on n
// instances before it starts over from the initial cluster: 50,000 for
// 10,000 instances.
func benchTasks(n int) int { return 5 * n }

// benchCluster is the scenario of issue #3: n instances over 3 AZs, mixed
// sizes, 20% with stack=prod.
func benchCluster(n int) Snapshot {
	types := []struct {
		name        string
		cpu, memory int64
	}{{"m5.large", 2048, 7680}, {"m5.xlarge", 4096, 15360}, {"m5.2xlarge", 8192, 31232}, {"c5.large", 2048, 3584}}
	r := rand.New(rand.NewPCG(7, 7))
	snap := Snapshot{Instances: make([]Instance, n)}
	for i := range snap.Instances {
		t := types[r.IntN(len(types))]
		attrs := map[string]string{
			"ecs.availability-zone": randAZs[i%3],
			"ecs.instance-type":     t.name,
		}
		if r.IntN(5) == 0 {
			attrs["stack"] = "prod"
		} else {
			attrs["stack"] = "dev"
		}
		snap.Instances[i] = Instance{
			ARN:             fmt.Sprintf("arn:aws:ecs:us-east-1:123456789012:container-instance/bench/%032x", i),
			ID:              fmt.Sprintf("%032x", i),
			EC2InstanceID:   fmt.Sprintf("i-%017x", i),
			Status:          StatusActive,
			AgentConnected:  true,
			AgentVersion:    "1.80.0",
			Attributes:      attrs,
			RemainingCPU:    t.cpu,
			RemainingMemory: t.memory,
			UsedPorts:       []int{22, 2375, 2376, 51678, 51679},
		}
	}
	return snap
}

// benchRequest places one task of the scenario's group.
func benchRequest() Request {
	return Request{
		Group: "service:web", Count: 1, CPU: 64, Memory: 256,
		Constraints: []Constraint{{Type: MemberOf, Expression: "attribute:stack == prod"}},
		Strategies: []Strategy{
			{Type: Spread, Field: "attribute:ecs.availability-zone"},
			{Type: Binpack, Field: "memory"},
		},
	}
}

// BenchmarkPlace measures the fast path: one placement per iteration,
// through one Scheduler, starting over every benchTasks placements.
func BenchmarkPlace(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			snap := benchCluster(n)
			req := benchRequest()
			s := NewScheduler(snap)
			placed := 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if placed == benchTasks(n) {
					b.StopTimer()
					s, placed = NewScheduler(snap), 0
					b.StartTimer()
				}
				res, err := s.Place(req)
				if err != nil || len(res.Decisions) != 1 {
					b.Fatalf("placement %d: %v %+v", placed, err, res.Failures)
				}
				placed++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "placements/s")
		})
	}
}

// BenchmarkReference measures the reference implementation on the same
// scenario.
func BenchmarkReference(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			snap := benchCluster(n)
			req := benchRequest()
			exprs, err := compileRequest(req)
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 1))
			insts := slices.Clone(snap.Instances)
			placed := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if placed == benchTasks(n) {
					insts, placed = slices.Clone(snap.Instances), 0
				}
				best, f := refBest(insts, req, exprs)
				if f != nil {
					b.Fatalf("placement %d: %+v", placed, *f)
				}
				refApply(insts, best[rng.IntN(len(best))], req)
				placed++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "placements/s")
		})
	}
}

// BenchmarkPlaceOnce measures what one RunTask pays with a fresh Scheduler:
// building the indexes for a 10,000-instance snapshot, then one placement.
func BenchmarkPlaceOnce(b *testing.B) {
	snap := benchCluster(10000)
	req := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		if res, err := Place(snap, req); err != nil || len(res.Decisions) != 1 {
			b.Fatal(err, res.Failures)
		}
	}
}
