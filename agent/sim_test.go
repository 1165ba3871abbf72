package agent_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ecskit/ecs"
)

// randomTaskDef builds a task definition of 1-4 containers with random
// scripts and an acyclic random dependency graph (edges point to earlier
// containers; COMPLETE and SUCCESS only to non-essential ones).
func randomTaskDef(r *rand.Rand) ecs.TaskDefinition {
	n := 1 + r.IntN(4)
	var cds []ecs.ContainerDefinition
	for i := range n {
		var env []string
		switch r.IntN(6) {
		case 0:
			env = append(env, fmt.Sprintf("ECSKIT_FAKE_RUN_FOR=%ds", 1+r.IntN(60)), fmt.Sprintf("ECSKIT_FAKE_EXIT_CODE=%d", r.IntN(2)))
		case 1:
			env = append(env, "ECSKIT_FAKE_IGNORE_SIGTERM=1")
		case 2:
			if r.IntN(4) == 0 {
				env = append(env, "ECSKIT_FAKE_START_ERROR=boom")
			}
		}
		cd := ctr(fmt.Sprintf("c%d", i), env...)
		if r.IntN(3) == 0 {
			cd = withHealth(cd, int64(5+r.IntN(20)))
		}
		if i > 0 && r.IntN(3) != 0 {
			cd.Essential = ptr(r.IntN(2) == 0)
		}
		for j := range i {
			if r.IntN(3) != 0 {
				continue
			}
			cond := ecs.ConditionStart
			switch k := r.IntN(4); {
			case k == 1 && !cds[j].IsEssential():
				cond = ecs.ConditionComplete
			case k == 2 && !cds[j].IsEssential():
				cond = ecs.ConditionSuccess
			case k == 3 && cds[j].HealthCheck != nil:
				cond = ecs.ConditionHealthy
			}
			cd = dependsOn(cd, cds[j].Name, cond)
		}
		cds = append(cds, cd)
	}
	return taskDef("sim", cds...)
}

// TestSimulatedTasks runs random task definitions, stops them, and checks
// the invariants that must hold whatever the scripts do: the task reaches
// STOPPED in bounded fake time, every container is STOPPED, a container the
// agent stopped was stopped only after its dependents, and cleanup leaves
// the engine empty.
func TestSimulatedTasks(t *testing.T) {
	// Deterministic by default; ECSKIT_SIM_SEED explores other inputs.
	seed := uint64(1)
	if s := os.Getenv("ECSKIT_SIM_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("ECSKIT_SIM_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 7))
	for i := range 15 {
		td := randomTaskDef(r)
		runFor := time.Duration(r.IntN(90)) * time.Second
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			h := newHarness(t)
			arn := h.runTask(td)
			h.advanceUntil("task leaves PROVISIONING", time.Second, time.Minute, func() bool {
				return h.cp.get(arn).task.LastStatus != ecs.TaskStatusProvisioning
			})
			for elapsed := time.Duration(0); elapsed < runFor; elapsed += 5 * time.Second {
				h.clk.Advance(5 * time.Second)
				time.Sleep(200 * time.Microsecond)
			}
			h.cp.stopTask(arn)
			h.advanceUntil("STOPPED", 5*time.Second, 10*time.Minute, func() bool {
				return h.cp.get(arn).task.LastStatus == ecs.TaskStatusStopped
			})
			ct := h.cp.get(arn)
			for _, cd := range td.ContainerDefinitions {
				c := ct.container(cd.Name)
				if c.LastStatus != ecs.TaskStatusStopped {
					t.Errorf("%s is %s in a STOPPED task", cd.Name, c.LastStatus)
				}
				// A container killed by the agent (143/137, not OOM) went
				// after everything depending on it.
				if code := exitCode(c); code != 143 && code != 137 {
					continue
				}
				for _, other := range td.ContainerDefinitions {
					if !slices.ContainsFunc(other.DependsOn, func(d ecs.ContainerDependency) bool { return d.ContainerName == cd.Name }) {
						continue
					}
					if slices.Index(ct.stops, other.Name) > slices.Index(ct.stops, cd.Name) {
						t.Errorf("%s stopped before its dependent %s (order %v)", cd.Name, other.Name, ct.stops)
					}
				}
			}
			h.advanceUntil("cleanup", time.Minute, 10*time.Minute, func() bool { return len(h.rt.Containers()) == 0 })
			if t.Failed() {
				t.Logf("task definition: %+v", td.ContainerDefinitions)
			}
		})
	}
}
