package reconcile

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// svc is a REPLICA service with one IN_PROGRESS PRIMARY deployment "d2"
// of task definition "td:2" that followed "d1" ("td:1").
func svc(desired, minPct, maxPct int64) Service {
	return Service{
		Name: "web", DesiredCount: desired, MinimumHealthyPercent: minPct, MaximumPercent: maxPct,
		Deployments: []Deployment{
			{ID: "d2", Status: DeploymentPrimary, TaskDefinition: "td:2", DesiredCount: desired,
				RolloutState: RolloutInProgress, PreviousID: "d1", PreviousTaskDefinition: "td:1"},
			{ID: "d1", Status: DeploymentActive, TaskDefinition: "td:1", DesiredCount: desired, RolloutState: RolloutInProgress},
		},
	}
}

// running is a task RUNNING since age ago on instance i.
func running(id, dep string, age time.Duration, inst string) Task {
	return Task{ID: id, Deployment: dep, Instance: inst, LastStatus: StatusRunning, DesiredStatus: StatusRunning,
		CreatedAt: t0.Add(-age - time.Second), StartedAt: t0.Add(-age), Mark: Mark{Running: true}}
}

func pending(id, dep, inst string) Task {
	return Task{ID: id, Deployment: dep, Instance: inst, LastStatus: "PENDING", DesiredStatus: StatusRunning, CreatedAt: t0}
}

func stopped(id, dep, code string, wasRunning bool) Task {
	return Task{ID: id, Deployment: dep, Instance: "i1", LastStatus: StatusStopped, DesiredStatus: StatusStopped,
		StopCode: code, Mark: Mark{Running: wasRunning}}
}

func instances(n int) []Instance {
	out := make([]Instance, n)
	for i := range out {
		out[i] = Instance{ID: fmt.Sprintf("i%d", i+1), Active: true, Eligible: true}
	}
	return out
}

func stops(p *Plan) []string {
	var ids []string
	for _, s := range p.Stops {
		ids = append(ids, s.Task)
	}
	return ids
}

func placed(p *Plan) int {
	if p.Place == nil {
		return 0
	}
	return p.Place.Count + len(p.Place.Instances)
}

func TestReplicaRules(t *testing.T) {
	young, old := 5*time.Second, 5*time.Minute
	withBreaker := func(s Service, rollback bool) Service {
		s.Breaker = &Breaker{Rollback: rollback, ResetOnHealthyTask: true}
		return s
	}
	for _, tc := range []struct {
		name      string
		svc       Service
		tasks     []Task
		wantStops []string
		wantPlace int
		check     func(t *testing.T, p *Plan)
	}{
		{
			name:      "update right after stable: young tasks stay, replacements start (min 100, max 200)",
			svc:       svc(3, 100, 200),
			tasks:     []Task{running("a", "d1", young, "i1"), running("b", "d1", young, "i2"), running("c", "d1", young, "i3")},
			wantPlace: 3,
		},
		{
			name: "min 50 max 100 with young tasks: nothing stops, nothing starts, look again at 40 s",
			svc:  svc(4, 50, 100),
			tasks: []Task{running("a", "d1", young, "i1"), running("b", "d1", young, "i2"),
				running("c", "d1", young, "i3"), running("d", "d1", young, "i1")},
			check: func(t *testing.T, p *Plan) {
				require.Equal(t, t0.Add(HealthyAfter-young), p.Next)
				for _, e := range p.Events {
					require.NotEqual(t, MsgStuck("web"), e.Message, "young tasks are not a stuck deployment")
				}
			},
		},
		{
			name: "min 50 max 100 with healthy tasks: two stop first",
			svc:  svc(4, 50, 100),
			tasks: []Task{running("a", "d1", old, "i1"), running("b", "d1", old, "i2"),
				running("c", "d1", old, "i3"), running("d", "d1", old, "i1")},
			wantStops: []string{"a", "b"},
		},
		{
			name:      "min 100 max 200 with healthy tasks: old ones stop only as new ones turn healthy",
			svc:       svc(2, 100, 200),
			tasks:     []Task{running("a", "d1", old, "i1"), running("b", "d1", old, "i2"), running("n1", "d2", old, "i1"), running("n2", "d2", young, "i2")},
			wantStops: []string{"a"},
		},
		{
			name:      "old tasks not yet RUNNING stop at once",
			svc:       svc(2, 100, 200),
			tasks:     []Task{pending("a", "d1", "i1"), running("b", "d1", young, "i2")},
			wantStops: []string{"a"},
			wantPlace: 2,
		},
		{
			name:      "scale-in stops tasks not yet RUNNING first",
			svc:       func() Service { s := svc(1, 100, 200); s.Deployments = s.Deployments[:1]; return s }(),
			tasks:     []Task{running("a", "d2", old, "i1"), pending("b", "d2", "i2")},
			wantStops: []string{"b"},
		},
		{
			name: "lost tasks are not counted: a replacement starts",
			svc:  func() Service { s := svc(2, 100, 200); s.Deployments = s.Deployments[:1]; return s }(),
			tasks: []Task{running("a", "d2", old, "i1"),
				func() Task { t := running("b", "d2", old, "i2"); t.Lost = true; return t }()},
			wantPlace: 1,
		},
		{
			name: "breaker trips on the third failed start and rolls back to the previous PRIMARY",
			svc:  withBreaker(svc(3, 100, 200), true),
			tasks: []Task{running("a", "d1", young, "i1"), running("b", "d1", young, "i2"), running("c", "d1", young, "i3"),
				stopped("x", "d2", StopCodeFailedToStart, false), stopped("y", "d2", StopCodeFailedToStart, false),
				stopped("z", "d2", StopCodeFailedToStart, false)},
			check: func(t *testing.T, p *Plan) {
				require.Equal(t, RolloutFailed, p.Deployments[0].RolloutState)
				require.Equal(t, reasonBreaker, p.Deployments[0].RolloutStateReason)
				require.Equal(t, &Rollback{Failed: "d2", To: "d1", TaskDefinition: "td:1"}, p.Rollback)
				require.Contains(t, p.Events, Event{Message: MsgRollbackUncompleted("web", "d2", "d1")})
				require.Len(t, p.Marks, 3, "the stopped tasks are forgotten")
			},
		},
		{
			name: "breaker rolls back to the last COMPLETED deployment",
			svc: func() Service {
				s := withBreaker(svc(3, 100, 200), true)
				s.LastGood = &Deployment{ID: "d0", TaskDefinition: "td:0", RolloutState: RolloutCompleted}
				return s
			}(),
			tasks: []Task{stopped("x", "d2", StopCodeFailedToStart, false), stopped("y", "d2", StopCodeEssentialExit, true),
				stopped("z", "d2", StopCodeFailedToStart, false)},
			check: func(t *testing.T, p *Plan) {
				require.Equal(t, &Rollback{Failed: "d2", To: "d0", TaskDefinition: "td:0", Completed: true}, p.Rollback)
			},
		},
		{
			name: "breaker without rollback: the failed deployment launches nothing, old tasks keep running",
			svc:  withBreaker(svc(3, 100, 200), false),
			tasks: []Task{running("a", "d1", old, "i1"), running("b", "d1", old, "i2"), running("c", "d1", old, "i3"),
				stopped("x", "d2", StopCodeFailedToStart, false), stopped("y", "d2", StopCodeFailedToStart, false),
				stopped("z", "d2", StopCodeFailedToStart, false)},
			check: func(t *testing.T, p *Plan) {
				require.Equal(t, RolloutFailed, p.Deployments[0].RolloutState)
				require.Nil(t, p.Rollback)
			},
		},
		{
			name:  "a task that never ran throttles the next launch by 5 s",
			svc:   func() Service { s := svc(1, 100, 200); s.Deployments = s.Deployments[:1]; return s }(),
			tasks: []Task{stopped("x", "d2", StopCodeFailedToStart, false)},
			check: func(t *testing.T, p *Plan) {
				require.Equal(t, Throttle{Failures: 1, NextLaunch: t0.Add(ThrottleBase)}, p.Throttle)
				require.Equal(t, t0.Add(ThrottleBase), p.Next)
				require.Equal(t, int64(1), p.Deployments[0].FailedTasks)
			},
		},
		{
			name:      "a task that ran and exited is replaced at once",
			svc:       func() Service { s := svc(1, 100, 200); s.Deployments = s.Deployments[:1]; return s }(),
			tasks:     []Task{stopped("x", "d2", StopCodeEssentialExit, true)},
			wantPlace: 1,
		},
		{
			name: "an unhealthy task is stopped and counted once its replacement cannot start first",
			svc:  func() Service { s := svc(1, 100, 100); s.Deployments = s.Deployments[:1]; return s }(),
			tasks: []Task{func() Task {
				t := running("a", "d2", old, "i1")
				t.HealthChecked, t.Health = true, HealthUnhealthy
				return t
			}()},
			wantStops: []string{"a"},
			check: func(t *testing.T, p *Plan) {
				require.True(t, p.Stops[0].Unhealthy)
				require.Equal(t, ReasonUnhealthy, p.Stops[0].Reason)
				require.True(t, p.Marks["a"].Failed)
				require.Equal(t, int64(1), p.Deployments[0].FailedTasks)
			},
		},
		{
			name: "the deployment completes once it alone runs healthy tasks",
			svc: func() Service {
				s := svc(2, 100, 200)
				return s
			}(),
			tasks: []Task{running("a", "d2", old, "i1"), running("b", "d2", old, "i2")},
			check: func(t *testing.T, p *Plan) {
				require.Len(t, p.Deployments, 1, "the old deployment without tasks is dropped")
				require.Equal(t, RolloutCompleted, p.Deployments[0].RolloutState)
				require.Equal(t, "d2", p.Completed.ID)
				require.True(t, p.Steady)
				require.Contains(t, p.Events, Event{Message: MsgSteady("web")})
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &State{Service: tc.svc, Tasks: tc.tasks, Instances: instances(3), Now: t0, Seed: 1}
			p := Compute(st)
			require.Equal(t, tc.wantStops, stops(p), "stops")
			require.Equal(t, tc.wantPlace, placed(p), "placed")
			if tc.check != nil {
				tc.check(t, p)
			}
		})
	}
}

func TestLimitsAndThreshold(t *testing.T) {
	for _, tc := range []struct {
		desired, minPct, maxPct, maxTotal, minHealthy int64
	}{
		{4, 50, 200, 8, 2},
		{2, 75, 200, 4, 2},  // ceil(1.5) = 2: nothing can stop first
		{3, 100, 125, 3, 3}, // floor(3.75) = 3: nothing can start first
		{5, 0, 100, 5, 0},
		{0, 100, 200, 0, 0},
	} {
		t.Run(fmt.Sprintf("%d-%d-%d", tc.desired, tc.minPct, tc.maxPct), func(t *testing.T) {
			maxTotal, minHealthy := Limits(tc.desired, tc.maxPct, tc.minPct)
			require.Equal(t, tc.maxTotal, maxTotal)
			require.Equal(t, tc.minHealthy, minHealthy)
		})
	}
	for _, tc := range []struct {
		name          string
		typ           string
		value         int64
		desired, want int64
	}{
		{"default, small", "", 0, 1, 3},
		{"default", "", 0, 25, 13},
		{"default, capped", "", 0, 400, 200},
		{"bounded 20%", "BOUNDED_PERCENT", 20, 100, 20},
		{"unbounded", "UNBOUNDED_PERCENT", 50, 800, 400},
		{"unbounded, small", "UNBOUNDED_PERCENT", 50, 1, 1},
		{"count", "COUNT", 7, 100, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Threshold(&Breaker{ThresholdType: tc.typ, ThresholdValue: tc.value}, tc.desired))
		})
	}
}

func TestDaemonPlacesOnEligibleInstances(t *testing.T) {
	s := svc(0, 0, 100)
	s.Daemon = true
	s.Deployments = s.Deployments[:1]
	insts := instances(3)
	insts[1].Eligible = false
	insts[2].Active = false
	p := Compute(&State{Service: s, Instances: insts, Now: t0,
		Tasks: []Task{running("a", "d2", time.Minute, "i3")}})
	require.Equal(t, []string{"a"}, stops(p), "the task on the DRAINING instance stops")
	require.Equal(t, int64(1), p.DesiredCount)
	require.Equal(t, &Place{Deployment: "d2", Instances: []string{"i1"}}, p.Place)
}

func TestComputeDoesNotModifyState(t *testing.T) {
	s := svc(3, 100, 200)
	s.Breaker = &Breaker{Rollback: true}
	st := &State{Service: s, Instances: instances(3), Now: t0, Tasks: []Task{
		running("a", "d1", time.Second, "i1"), stopped("x", "d2", StopCodeFailedToStart, false)}}
	before := fmt.Sprintf("%+v", *st)
	Compute(st)
	require.Equal(t, before, fmt.Sprintf("%+v", *st))
}
