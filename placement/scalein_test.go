package placement

import (
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
