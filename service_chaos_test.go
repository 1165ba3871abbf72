package ecs

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ecskit/ecs/internal/reconcile"
	"github.com/stretchr/testify/require"
)

// TestServiceChaos runs five services (four REPLICA with different
// deployment configurations, one DAEMON) on ten instances in three AZs for a
// simulated hour of random container kills, instance drains and
// reactivations, plus one rolling deployment. Throughout, no instance is
// over-committed, no service has more tasks than maximumPercent allows, no
// REPLICA service runs more PRIMARY tasks on ACTIVE instances than it wants
// (no slot is filled twice) and no instance runs two daemon tasks. At the
// end every service is steady at its desired count.
func TestServiceChaos(t *testing.T) {
	const instances = 10
	chaos, killEvery, drainEvery := time.Hour, 40*time.Second, 5*time.Minute
	if testing.Short() {
		chaos = 15 * time.Minute
	}
	s := newSim(t, instances, 3, 2048, 4096)
	s.taskDef("plain", false)
	s.taskDef("checked", true)
	s.taskDef("daemon", false)
	type spec struct {
		name, td       string
		desired        int64
		minPct, maxPct int64
	}
	specs := []spec{
		{"web", "plain", 6, 100, 200},
		{"api", "checked", 4, 50, 100},
		{"worker", "plain", 5, 50, 200},
		{"cache", "checked", 3, 0, 100},
	}
	for _, sp := range specs {
		s.createService(sp.name, sp.td, sp.desired, func(in *CreateServiceInput) {
			in.DeploymentConfiguration = &DeploymentConfiguration{MinimumHealthyPercent: i64(sp.minPct), MaximumPercent: i64(sp.maxPct),
				DeploymentCircuitBreaker: &DeploymentCircuitBreaker{Enable: true, Rollback: true}}
		})
	}
	_, err := s.cp.CreateService(s.ctx, &CreateServiceInput{ServiceName: "node", TaskDefinition: "daemon", SchedulingStrategy: SchedulingStrategyDaemon})
	require.NoError(t, err)

	s.checks = append(s.checks, func(st *simState) {
		for _, sp := range specs {
			svc := st.services[sp.name]
			maxTotal, _ := serviceLimits(svc)
			require.LessOrEqual(t, int64(len(st.live(sp.name))), maxTotal, "%s: tasks above maximumPercent at %v", sp.name, st.now)
			primary := 0
			for _, tk := range st.live(sp.name) {
				if tk.Task.DesiredStatus == TaskStatusRunning && tk.Task.StartedBy == svc.Deployments[0].Id && st.instanceStatus(tk.InstanceID) == StatusActive {
					primary++
				}
			}
			require.LessOrEqual(t, int64(primary), svc.DesiredCount, "%s: a slot filled twice at %v", sp.name, st.now)
		}
		for inst, n := range daemonsByInstance(st, "node") {
			require.LessOrEqual(t, n, 1, "two daemon tasks on %s", inst)
		}
	})
	s.runUntil(5*time.Minute, 5*time.Second, "initial steady state", func(st *simState) bool { return st.allSteady() })

	rng := rand.New(rand.NewPCG(42, 7))
	drained := map[string]bool{}
	kills, drains := 0, 0
	step := 20 * time.Second
	for elapsed := time.Duration(0); elapsed < chaos; elapsed += step {
		if elapsed%killEvery == 0 {
			var running []string
			for _, tk := range s.snapshot(false).tasks {
				if tk.Task.LastStatus == TaskStatusRunning && tk.Task.DesiredStatus == TaskStatusRunning && !s.killed[tk.Task.TaskArn] {
					running = append(running, tk.Task.TaskArn)
				}
			}
			if len(running) > 0 {
				s.killed[running[rng.IntN(len(running))]] = true
				kills++
			}
		}
		if elapsed%drainEvery == 0 {
			arn := s.insts[rng.IntN(instances)]
			status := StatusDraining
			if drained[arn] || len(drained) >= 3 {
				status = StatusActive
				for a := range drained {
					arn = a
					break
				}
			}
			_, err := s.cp.UpdateContainerInstancesState(s.ctx, &UpdateContainerInstancesStateInput{ContainerInstances: []string{arn}, Status: status})
			require.NoError(t, err)
			if status == StatusDraining {
				drained[arn] = true
				drains++
			} else {
				delete(drained, arn)
			}
		}
		if elapsed == chaos/3 {
			s.taskDef("plain", false)
			s.update(&UpdateServiceInput{Service: "worker", TaskDefinition: "plain"})
		}
		s.clk.Advance(step)
		s.settle()
	}
	for arn := range drained {
		_, err := s.cp.UpdateContainerInstancesState(s.ctx, &UpdateContainerInstancesStateInput{ContainerInstances: []string{arn}, Status: StatusActive})
		require.NoError(t, err)
	}
	s.runUntil(15*time.Minute, 5*time.Second, "final steady state", func(st *simState) bool { return st.allSteady() })
	st := s.state()
	for _, sp := range specs {
		require.EqualValues(t, sp.desired, st.services[sp.name].RunningCount, sp.name)
	}
	require.EqualValues(t, instances, st.services["node"].RunningCount)
	t.Logf("%v of chaos: %d kills, %d drains, %d tasks started", chaos, kills, drains, len(st.tasks))
	require.Positive(t, kills)
	require.Positive(t, drains)
}

// instanceStatus returns an instance's status.
func (st *simState) instanceStatus(id string) string {
	for _, in := range st.insts {
		if in.ID == id {
			return in.Status
		}
	}
	return ""
}

// allSteady reports whether every ACTIVE service is steady.
func (st *simState) allSteady() bool {
	for name, svc := range st.services {
		if svc.Status == StatusActive && !st.steady(name) {
			return false
		}
	}
	return len(st.services) > 0
}

// serviceLimits are a service's rolling-update bounds.
func serviceLimits(svc *Service) (maxTotal, minHealthy int64) {
	maxP, minP := int64(200), int64(100)
	if dc := svc.DeploymentConfiguration; dc != nil {
		if dc.MaximumPercent != nil {
			maxP = *dc.MaximumPercent
		}
		if dc.MinimumHealthyPercent != nil {
			minP = *dc.MinimumHealthyPercent
		}
	}
	return reconcile.Limits(svc.DesiredCount, maxP, minP)
}
