package placement

import (
	"math/rand/v2"
	"strings"
)

// RunningTask is a task a service may stop when it scales in.
type RunningTask struct {
	// Instance indexes Snapshot.Instances: where the task runs.
	Instance int
	// CPU and Memory are the task's reservation, freed when it stops.
	CPU    int64
	Memory int64
}

// SelectScaleIn chooses which n of a service's tasks to stop (ECS-SPEC
// §4.3) and returns their indexes into tasks, in stopping order (all of
// them when n >= len(tasks)). Each choice sees the ones before.
//
// The service's placement strategies are read backwards, each breaking the
// ties of the one before:
//   - spread(field): stop a task whose field value (attribute, or the
//     instance itself) has the most of the remaining tasks, which keeps the
//     balance;
//   - binpack(field): stop a task on the instance that will have the most
//     free CPU or memory after the stop, which empties instances;
//   - random: leave the remaining ties to the random source.
//
// Without strategies ECS's default applies: the Availability Zone with the
// most tasks, then the instance with the most tasks, that is
// DefaultServiceStrategies read backwards. Remaining ties are broken by a
// random source seeded with seed. Tasks naming an instance outside the
// snapshot count as running on an instance of their own without
// attributes.
func SelectScaleIn(snap Snapshot, tasks []RunningTask, n int, strategies []Strategy, seed int64) []int {
	if len(strategies) == 0 {
		strategies = DefaultServiceStrategies()
	}
	sc := scaleIn{snap: snap, tasks: tasks, live: make([]bool, len(tasks)), freed: map[int][2]int64{}}
	for i := range tasks {
		sc.live[i] = true
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5ca1e1))
	var out []int
	for len(out) < n && len(out) < len(tasks) {
		cands := sc.liveTasks()
		for _, s := range strategies {
			if s.Type == Random || len(cands) == 1 {
				break
			}
			cands = sc.narrow(s, cands)
		}
		t := cands[rng.IntN(len(cands))]
		sc.live[t] = false
		f := sc.freed[tasks[t].Instance]
		sc.freed[tasks[t].Instance] = [2]int64{f[0] + tasks[t].CPU, f[1] + tasks[t].Memory}
		out = append(out, t)
	}
	return out
}

// scaleIn is the state of one SelectScaleIn call.
type scaleIn struct {
	snap  Snapshot
	tasks []RunningTask
	live  []bool
	freed map[int][2]int64 // CPU and memory freed per instance so far
}

func (sc *scaleIn) liveTasks() []int {
	var out []int
	for i, ok := range sc.live {
		if ok {
			out = append(out, i)
		}
	}
	return out
}

func (sc *scaleIn) instance(i int) *Instance {
	if i < 0 || i >= len(sc.snap.Instances) {
		return nil
	}
	return &sc.snap.Instances[i]
}

// narrow keeps the candidates that s scores highest for stopping.
func (sc *scaleIn) narrow(s Strategy, cands []int) []int {
	score := sc.scorer(s)
	var best []int
	var bestScore int64
	for _, t := range cands {
		v := score(t)
		switch {
		case len(best) == 0 || v > bestScore:
			best, bestScore = []int{t}, v
		case v == bestScore:
			best = append(best, t)
		}
	}
	return best
}

func (sc *scaleIn) scorer(s Strategy) func(t int) int64 {
	if s.Type == Binpack {
		memory := strings.EqualFold(s.Field, "memory")
		return func(t int) int64 {
			task := sc.tasks[t]
			f := sc.freed[task.Instance]
			var rem int64
			if in := sc.instance(task.Instance); in != nil {
				rem = in.RemainingCPU
				if memory {
					rem = in.RemainingMemory
				}
			}
			if memory {
				return rem + f[1] + task.Memory
			}
			return rem + f[0] + task.CPU
		}
	}
	// spread: the number of live tasks sharing the task's value.
	name, byAttribute := strings.CutPrefix(s.Field, "attribute:")
	type value struct {
		has  bool
		v    string
		inst int
	}
	valueOf := func(t int) value {
		i := sc.tasks[t].Instance
		if !byAttribute {
			return value{inst: i}
		}
		in := sc.instance(i)
		if in == nil {
			return value{inst: -1}
		}
		v, ok := in.Attributes[name]
		return value{has: ok, v: v, inst: -1}
	}
	counts := map[value]int64{}
	for t, ok := range sc.live {
		if ok {
			counts[valueOf(t)]++
		}
	}
	return func(t int) int64 { return counts[valueOf(t)] }
}
