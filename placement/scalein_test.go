package placement

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSelectScaleIn(t *testing.T) {
	snap := Snapshot{Instances: []Instance{
		host("a1", "a", 1000, 1000), host("a2", "a", 1000, 3000),
		host("b1", "b", 1000, 1000), host("c1", "c", 1000, 2000),
	}}
	task := func(i int) RunningTask { return RunningTask{Instance: i, CPU: 100, Memory: 100} }
	tests := []struct {
		name       string
		tasks      []RunningTask
		n          int
		strategies []Strategy
		want       [][]int // acceptable choices per step, as task indexes
	}{
		{"default: busiest AZ, then busiest instance",
			[]RunningTask{task(0), task(1), task(1), task(2), task(3)}, 2, nil,
			[][]int{{1, 2}, {0, 1, 2}}},
		{"spread instanceId keeps the balance",
			[]RunningTask{task(0), task(2), task(2), task(2), task(3)}, 2,
			[]Strategy{{Type: Spread, Field: "instanceId"}},
			[][]int{{1, 2, 3}, {1, 2, 3}}},
		{"binpack memory empties the emptiest instance",
			[]RunningTask{task(0), task(1), task(3)}, 1,
			[]Strategy{{Type: Binpack, Field: "memory"}},
			[][]int{{1}}},
		{"binpack counts what earlier stops freed",
			[]RunningTask{task(0), task(0), task(3)}, 2,
			[]Strategy{{Type: Binpack, Field: "cpu"}},
			[][]int{{0, 1, 2}, {0, 1}}},
		{"n larger than the tasks stops them all",
			[]RunningTask{task(0), task(1)}, 5, nil,
			[][]int{{0, 1}, {0, 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for seed := range int64(10) {
				got := SelectScaleIn(snap, tc.tasks, tc.n, tc.strategies, seed)
				if len(got) != len(tc.want) {
					t.Fatalf("seed %d: stopped %v, want %d tasks", seed, got, len(tc.want))
				}
				for k, i := range got {
					if !slices.Contains(tc.want[k], i) {
						t.Fatalf("seed %d: step %d stopped task %d, want one of %v (all: %v)", seed, k, i, tc.want[k], got)
					}
				}
				if again := SelectScaleIn(snap, tc.tasks, tc.n, tc.strategies, seed); !slices.Equal(got, again) {
					t.Fatalf("seed %d: %v then %v", seed, got, again)
				}
			}
		})
	}
}

// TestSelectScaleInProperty checks, on random services, that every stop
// is a distinct task and that with spread(instanceId) each one comes from
// an instance running the most remaining tasks.
func TestSelectScaleInProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for c := range 500 {
		snap := randomCluster(r)
		if len(snap.Instances) == 0 {
			continue
		}
		var tasks []RunningTask
		for range r.IntN(30) {
			tasks = append(tasks, RunningTask{Instance: r.IntN(len(snap.Instances)), CPU: 128, Memory: 256})
		}
		n := r.IntN(len(tasks) + 2)
		got := SelectScaleIn(snap, tasks, n, []Strategy{{Type: Spread, Field: "instanceId"}}, r.Int64())
		if want := min(n, len(tasks)); len(got) != want {
			t.Fatalf("case %d: stopped %d tasks, want %d", c, len(got), want)
		}
		live := map[int]int{}
		for _, task := range tasks {
			live[task.Instance]++
		}
		stopped := map[int]bool{}
		for k, i := range got {
			if stopped[i] {
				t.Fatalf("case %d: task %d stopped twice", c, i)
			}
			stopped[i] = true
			most := 0
			for _, v := range live {
				most = max(most, v)
			}
			if live[tasks[i].Instance] != most {
				t.Fatalf("case %d step %d: stopped on an instance with %d tasks, the busiest has %d", c, k, live[tasks[i].Instance], most)
			}
			live[tasks[i].Instance]--
		}
	}
}
