package reconcile

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The property test drives a REPLICA service through random sequences —
// task start failures, exits, health flips, lost agents, drains, updates
// arriving at any age of the previous deployment — applying each plan as
// the control plane would, and checks ECS's rules on every plan.

const propertyCases = 10_000

func TestPlanInvariants(t *testing.T) {
	for c := range propertyCases {
		seed := uint64(c)
		w := newWorld(seed)
		for step := range 30 {
			st := w.state()
			plan := Compute(st)
			if err := checkPlan(st, plan); err != nil {
				t.Fatalf("case %d (seed %d), step %d: %v\nstate: %s\nplan: %+v", c, seed, step, err, dump(st), *plan)
			}
			w.apply(plan)
			w.perturb()
		}
	}
}

// world is a simulated service and cluster.
type world struct {
	rng   *rand.Rand
	svc   Service
	tasks []Task
	insts []Instance
	now   time.Time
	bad   map[string]bool // deployments whose tasks fail to start
	ids   int
}

func newWorld(seed uint64) *world {
	rng := rand.New(rand.NewPCG(seed, 0xdeb))
	w := &world{rng: rng, now: t0, bad: map[string]bool{}, insts: instances(1 + rng.IntN(4))}
	mins := []int64{0, 50, 75, 100}
	maxs := []int64{100, 125, 150, 200}
	w.svc = Service{
		Name: "web", DesiredCount: int64(rng.IntN(7)),
		MinimumHealthyPercent: mins[rng.IntN(len(mins))], MaximumPercent: maxs[rng.IntN(len(maxs))],
		Deployments: []Deployment{{ID: "d1", Status: DeploymentPrimary, TaskDefinition: "td:1", RolloutState: RolloutInProgress}},
	}
	if rng.IntN(3) > 0 {
		w.svc.Breaker = &Breaker{Rollback: rng.IntN(2) == 0, ResetOnHealthyTask: rng.IntN(4) > 0}
	}
	if rng.IntN(3) == 0 {
		w.svc.HealthCheckGracePeriod = time.Duration(rng.IntN(60)) * time.Second
	}
	return w
}

func (w *world) state() *State {
	return &State{Service: w.svc, Tasks: slices.Clone(w.tasks), Instances: slices.Clone(w.insts), Now: w.now, Seed: int64(w.ids)}
}

// apply carries out a plan as the control plane does.
func (w *world) apply(p *Plan) {
	stop := map[string]string{}
	for _, s := range p.Stops {
		stop[s.Task] = s.Reason
	}
	var kept []Task
	for _, t := range w.tasks {
		m, ok := p.Marks[t.ID]
		if !ok {
			continue // forgotten
		}
		t.Mark = m
		if _, ok := stop[t.ID]; ok {
			t.DesiredStatus = StatusStopped
		}
		kept = append(kept, t)
	}
	w.tasks = kept
	w.svc.Deployments = p.Deployments
	w.svc.DesiredCount = p.DesiredCount
	w.svc.Throttle, w.svc.Steady, w.svc.SteadyAt = p.Throttle, p.Steady, p.SteadyAt
	if p.Completed != nil {
		g := *p.Completed
		w.svc.LastGood = &g
	}
	if p.Place != nil {
		var active []string
		for _, in := range w.insts {
			if in.Active {
				active = append(active, in.ID)
			}
		}
		for range p.Place.Count {
			if len(active) == 0 {
				break
			}
			w.ids++
			w.tasks = append(w.tasks, Task{ID: fmt.Sprintf("t%04d", w.ids), Deployment: p.Place.Deployment,
				Instance: active[w.rng.IntN(len(active))], LastStatus: "PROVISIONING", DesiredStatus: StatusRunning,
				CreatedAt: w.now, HealthChecked: w.rng.IntN(3) == 0, CPU: 256, Memory: 512})
		}
	}
	if rb := p.Rollback; rb != nil {
		w.deploy(rb.TaskDefinition, false, true)
	}
}

// deploy starts a deployment of td, as UpdateService or a rollback does.
func (w *world) deploy(td string, bad, rollback bool) {
	w.ids++
	id := fmt.Sprintf("d%d", w.ids+1)
	d := Deployment{ID: id, Status: DeploymentPrimary, TaskDefinition: td, DesiredCount: w.svc.DesiredCount, RolloutState: RolloutInProgress}
	for i := range w.svc.Deployments {
		if w.svc.Deployments[i].Status == DeploymentPrimary {
			if !rollback {
				d.PreviousID, d.PreviousTaskDefinition = w.svc.Deployments[i].ID, w.svc.Deployments[i].TaskDefinition
			}
			w.svc.Deployments[i].Status = DeploymentActive
		}
	}
	w.svc.Deployments = append([]Deployment{d}, w.svc.Deployments...)
	w.svc.Throttle = Throttle{}
	w.svc.Steady = false
	w.bad[id] = bad
}

// perturb advances time and lets the world happen to the tasks.
func (w *world) perturb() {
	r := w.rng
	w.now = w.now.Add(time.Duration(1+r.IntN(30)) * time.Second)
	for i := range w.tasks {
		t := &w.tasks[i]
		if t.Lost {
			if r.IntN(4) == 0 {
				t.Lost = false
			}
			continue
		}
		switch {
		case t.LastStatus == StatusStopped:
		case t.DesiredStatus == StatusStopped:
			t.LastStatus, t.StopCode = StatusStopped, "ServiceSchedulerInitiated"
		case t.LastStatus != StatusRunning:
			if w.bad[t.Deployment] || r.IntN(10) == 0 {
				t.LastStatus, t.DesiredStatus, t.StopCode = StatusStopped, StatusStopped, StopCodeFailedToStart
			} else if r.IntN(3) > 0 {
				t.LastStatus, t.StartedAt = StatusRunning, w.now
				if t.HealthChecked {
					t.Health = "UNKNOWN"
				}
			}
		default:
			switch x := r.IntN(40); {
			case x == 0:
				t.LastStatus, t.DesiredStatus, t.StopCode = StatusStopped, StatusStopped, StopCodeEssentialExit
			case x == 1:
				t.Lost = true
			case t.HealthChecked && x < 12:
				t.Health = HealthHealthy
			case t.HealthChecked && x < 14:
				t.Health = HealthUnhealthy
			}
		}
	}
	switch x := r.IntN(20); {
	case x < 3: // an update, at any age of the previous deployment
		w.deploy(fmt.Sprintf("td:%d", w.ids+2), r.IntN(3) == 0, false)
	case x == 3:
		w.svc.DesiredCount = int64(r.IntN(7))
	case x == 4:
		in := &w.insts[r.IntN(len(w.insts))]
		in.Active = !in.Active
	}
}

// checkPlan checks one plan against the state it was computed from.
func checkPlan(st *State, p *Plan) error {
	s := &st.Service
	if len(s.Deployments) == 0 {
		return nil
	}
	prim := &p.Deployments[0]
	if prim.ID != s.Deployments[0].ID {
		return fmt.Errorf("the PRIMARY deployment changed from %s to %s", s.Deployments[0].ID, prim.ID)
	}
	desired := p.DesiredCount
	maxTotal, minHealthy := Limits(desired, s.MaximumPercent, s.MinimumHealthyPercent)
	insts := map[string]Instance{}
	for _, in := range st.Instances {
		insts[in.ID] = in
	}
	stopped := map[string]Stop{}
	for _, x := range p.Stops {
		stopped[x.Task] = x
	}
	healthy := func(t *Task) bool {
		if t.LastStatus != StatusRunning || t.DesiredStatus != StatusRunning || t.Lost {
			return false
		}
		if t.HealthChecked {
			return t.Health == HealthHealthy
		}
		return !st.Now.Before(t.StartedAt.Add(HealthyAfter))
	}
	unhealthy := func(t *Task) bool {
		return t.LastStatus == StatusRunning && t.DesiredStatus == StatusRunning && t.Health == HealthUnhealthy &&
			!st.Now.Before(t.StartedAt.Add(s.HealthCheckGracePeriod))
	}
	current := func(t *Task) bool { return t.Deployment == prim.ID && insts[t.Instance].Active }
	var live, keep, healthyBefore, healthyStopped int64
	oldHealthyStopped := false
	for i := range st.Tasks {
		t := &st.Tasks[i]
		if t.LastStatus == StatusStopped || t.Lost && t.DesiredStatus == StatusRunning {
			continue
		}
		live++
		if t.DesiredStatus == StatusRunning && current(t) && !unhealthy(t) {
			keep++
		}
		if healthy(t) {
			healthyBefore++
		}
		x, ok := stopped[t.ID]
		if !ok {
			continue
		}
		if t.Lost {
			return fmt.Errorf("task %s of a lost agent stopped", t.ID)
		}
		if t.LastStatus != StatusRunning || x.Unhealthy {
			if x.Unhealthy && !unhealthy(t) {
				return fmt.Errorf("task %s stopped as unhealthy but it is not", t.ID)
			}
			continue
		}
		if healthy(t) {
			healthyStopped++
		}
		if s.Draining || current(t) {
			continue // draining the service, or scale-in
		}
		// A RUNNING task of an old deployment (or a DRAINING instance).
		if !healthy(t) {
			return fmt.Errorf("young task %s (RUNNING %v) stopped to make room", t.ID, st.Now.Sub(t.StartedAt))
		}
		if s.Deployments[0].RolloutState == RolloutFailed {
			return fmt.Errorf("task %s stopped for a FAILED deployment", t.ID)
		}
		oldHealthyStopped = true
	}
	if oldHealthyStopped && healthyBefore-healthyStopped < minHealthy {
		return fmt.Errorf("healthy tasks %d -> %d, below the minimum %d", healthyBefore, healthyBefore-healthyStopped, minHealthy)
	}
	if p.Place != nil && !s.Daemon {
		if live+int64(p.Place.Count) > maxTotal {
			return fmt.Errorf("%d live + %d placed above maximumPercent (%d)", live, p.Place.Count, maxTotal)
		}
		if keep+int64(p.Place.Count) > desired {
			return fmt.Errorf("%d kept + %d placed above desired %d", keep, p.Place.Count, desired)
		}
		if prim.RolloutState == RolloutFailed {
			return fmt.Errorf("a FAILED deployment placed tasks")
		}
		if p.Place.Deployment != prim.ID {
			return fmt.Errorf("placed for %s, not the PRIMARY %s", p.Place.Deployment, prim.ID)
		}
	}
	if b := s.Breaker; b != nil && s.Deployments[0].RolloutState == RolloutInProgress && prim.FailedTasks >= Threshold(b, prim.DesiredCount) {
		if prim.RolloutState != RolloutFailed {
			return fmt.Errorf("%d failed tasks (threshold %d) but the deployment is %s", prim.FailedTasks, Threshold(b, prim.DesiredCount), prim.RolloutState)
		}
	}
	if rb := p.Rollback; rb != nil {
		want := s.Deployments[0].PreviousTaskDefinition
		if s.LastGood != nil {
			want = s.LastGood.TaskDefinition
		}
		if rb.TaskDefinition != want || s.Breaker == nil || !s.Breaker.Rollback {
			return fmt.Errorf("rollback to %s, want %s", rb.TaskDefinition, want)
		}
	}
	return nil
}

func dump(st *State) string {
	out := fmt.Sprintf("now=%v svc=%+v\n", st.Now.Sub(t0), st.Service)
	for _, t := range st.Tasks {
		out += fmt.Sprintf("  %s dep=%s inst=%s %s/%s health=%s(%v) started=%v lost=%v %+v\n", t.ID, t.Deployment, t.Instance,
			t.LastStatus, t.DesiredStatus, t.Health, t.HealthChecked, t.StartedAt.Sub(t0), t.Lost, t.Mark)
	}
	for _, in := range st.Instances {
		out += fmt.Sprintf("  %s active=%v\n", in.ID, in.Active)
	}
	return out
}
