package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecskit/ecs"
)

// Bounds of the driver's patience, in one place.
const (
	// errorBackoff is the pause after a failed call.
	errorBackoff = 10 * time.Millisecond
	// maxConsecutiveErrors ends the run when calls keep failing.
	maxConsecutiveErrors = 100
)

// driver starts the run's tasks, with RunTask or through services.
type driver struct {
	cfg     config
	cp      *ecs.ControlPlane
	obs     *observer
	created taskList

	unclaimed atomic.Int64 // tasks no call is placing yet
	placed    atomic.Int64 // tasks created
	calls     atomic.Int64
	errs      atomic.Int64
	unplaced  atomic.Int64 // tasks RunTask reported as failures
	aborted   atomic.Int64 // calls cut short by the end of the run
	streak    atomic.Int64 // consecutive calls that failed or placed nothing

	mu           sync.Mutex
	latencies    []time.Duration
	firstFailure string
	firstErr     error
}

func newDriver(cfg config, cp *ecs.ControlPlane, obs *observer) *driver {
	d := &driver{cfg: cfg, cp: cp, obs: obs}
	d.unclaimed.Store(int64(cfg.tasks))
	return d
}

// registerTaskDefinition registers the run's one-container task
// definition.
func (d *driver) registerTaskDefinition(ctx context.Context) error {
	mem := int64(taskMemMiB)
	_, err := d.cp.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family:               taskFamily,
		ContainerDefinitions: []ecs.ContainerDefinition{{Name: "app", Image: taskImage, Memory: &mem}},
	})
	return err
}

// run starts every task: with RunTask from cfg.concurrency goroutines, or
// by creating cfg.services services. It returns when all are created (or
// placement keeps failing, or ctx ends).
func (d *driver) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, d.cfg.concurrency)
	work := d.runTasks
	if d.cfg.services > 0 {
		work = d.createServices(int64(d.cfg.services))
	}
	for range d.cfg.concurrency {
		wg.Go(func() {
			if err := work(ctx); err != nil {
				errc <- err
				cancel()
			}
		})
	}
	wg.Wait()
	close(errc)
	return <-errc
}

// claim takes up to n of the tasks no call is placing yet.
func (d *driver) claim(n int64) int64 {
	for {
		left := d.unclaimed.Load()
		k := min(n, left)
		if k <= 0 {
			return 0
		}
		if d.unclaimed.CompareAndSwap(left, left-k) {
			return k
		}
	}
}

// runTasks calls RunTask until every task is placed.
func (d *driver) runTasks(ctx context.Context) error {
	for ctx.Err() == nil {
		n := d.claim(int64(d.cfg.batch))
		if n == 0 {
			return nil
		}
		t0 := time.Now()
		out, err := d.cp.RunTask(ctx, &ecs.RunTaskInput{
			TaskDefinition:    taskFamily,
			Count:             &n,
			PlacementStrategy: d.cfg.strategy,
		})
		lat := time.Since(t0)
		if err != nil && ctx.Err() != nil {
			d.aborted.Add(1) // the run ended under it: no figure
			return nil
		}
		d.calls.Add(1)
		placed := int64(0)
		if err == nil {
			placed = int64(len(out.Tasks))
			d.created.add(out.Tasks)
			d.placed.Add(placed)
		}
		d.record(lat, err, out)
		if placed < n {
			d.unclaimed.Add(n - placed) // someone tries again
			if err == nil {
				d.unplaced.Add(n - placed)
			}
			if d.streak.Add(1) >= maxConsecutiveErrors {
				return d.giveUp()
			}
			if sleep(ctx, errorBackoff) != nil {
				return nil
			}
			continue
		}
		d.streak.Store(0)
	}
	return nil
}

// createServices creates n REPLICA services whose desired counts add up
// to the run's tasks; the service scheduler places them.
func (d *driver) createServices(n int64) func(context.Context) error {
	var next atomic.Int64
	return func(ctx context.Context) error {
		for ctx.Err() == nil {
			i := next.Add(1) - 1
			if i >= n {
				return nil
			}
			desired := int64(d.cfg.tasks) / n
			if i < int64(d.cfg.tasks)%n {
				desired++
			}
			for {
				t0 := time.Now()
				_, err := d.cp.CreateService(ctx, &ecs.CreateServiceInput{
					ServiceName:       serviceName(i),
					TaskDefinition:    taskFamily,
					DesiredCount:      &desired,
					PlacementStrategy: d.cfg.strategy,
				})
				if err != nil && ctx.Err() != nil {
					d.aborted.Add(1)
					return nil
				}
				d.calls.Add(1)
				d.record(time.Since(t0), err, nil)
				if err == nil {
					d.placed.Add(desired) // desired, placed by the scheduler
					d.unclaimed.Add(-desired)
					break
				}
				if d.streak.Add(1) >= maxConsecutiveErrors {
					return d.giveUp()
				}
				if sleep(ctx, errorBackoff) != nil {
					return nil
				}
			}
		}
		return nil
	}
}

func serviceName(i int64) string { return fmt.Sprintf("c1m-%d", i) }

// record keeps a call's latency and its first error or failure.
func (d *driver) record(lat time.Duration, err error, out *ecs.RunTaskOutput) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.latencies = append(d.latencies, lat)
	if err != nil {
		d.errs.Add(1)
		if d.firstErr == nil {
			d.firstErr = err
		}
	}
	if out != nil && len(out.Failures) > 0 && d.firstFailure == "" {
		f := out.Failures[0]
		d.firstFailure = f.Reason + " " + f.Arn + " " + f.Detail
	}
}

func (d *driver) giveUp() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return fmt.Errorf("%d calls in a row failed or placed nothing (first error: %v; first failure: %s)", maxConsecutiveErrors, d.firstErr, d.firstFailure)
}

// firstProblems describes the first call error and the first placement
// failure ("" if neither happened).
func (d *driver) firstProblems() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var s string
	if d.firstErr != nil {
		s = "first error: " + d.firstErr.Error()
	}
	if d.firstFailure != "" {
		if s != "" {
			s += "; "
		}
		s += "first failure: " + d.firstFailure
	}
	return s
}

// latencySnapshot returns a copy of the calls' latencies.
func (d *driver) latencySnapshot() []time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]time.Duration(nil), d.latencies...)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
