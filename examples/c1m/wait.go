package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/ecskit/ecs"
)

// Pacing of the wait, in one place.
const (
	// checkEvery is how often the wait looks at the observer's count.
	checkEvery = 20 * time.Millisecond
	// sweepAfter is how long the count may stand still, once every task
	// is created, before the harness asks the control plane itself.
	sweepAfter = 5 * time.Second
	// describeBatch is DescribeTasks' limit.
	describeBatch = 100
)

// waitRunning waits until the observer counts every task RUNNING, showing
// progress on stderr. When the count stands still after every task was
// created, it sweeps: it describes the tasks the observer has not seen
// RUNNING and marks those that are.
func waitRunning(ctx context.Context, cfg config, d *driver, obs *observer, driving <-chan struct{}, stderr io.Writer) error {
	tick := time.NewTicker(checkEvery)
	defer tick.Stop()
	var progress <-chan time.Time
	if cfg.progress > 0 {
		pt := time.NewTicker(cfg.progress)
		defer pt.Stop()
		progress = pt.C
	}
	p := progressLine{last: time.Now()}
	lastCount, lastChange := int64(-1), time.Now()
	for {
		n := obs.running.Load()
		if n >= int64(cfg.tasks) {
			return nil
		}
		if n != lastCount {
			lastCount, lastChange = n, time.Now()
		}
		select {
		case <-driving:
			if time.Since(lastChange) >= sweepAfter {
				if err := sweep(ctx, cfg, d, obs); err != nil {
					return fmt.Errorf("sweep: %w", err)
				}
				lastChange = time.Now()
			}
		default:
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-progress:
			p.show(stderr, cfg, d, obs)
		case <-tick.C:
		}
	}
}

// progressLine shows how far the run is, and its rate since the last line.
type progressLine struct {
	last    time.Time
	running int64
}

func (p *progressLine) show(w io.Writer, cfg config, d *driver, obs *observer) {
	now := time.Now()
	n := obs.running.Load()
	rate := float64(n-p.running) / now.Sub(p.last).Seconds()
	p.last, p.running = now, n
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(w, "c1m: %6.1fs  created %d/%d  running %d (%.0f/s now)  calls %d  errors %d  unplaced %d  heap %.0f MiB  goroutines %d\n",
		obs.since(now).Seconds(), d.placed.Load(), cfg.tasks, n, rate, d.calls.Load(), d.errs.Load(), d.unplaced.Load(),
		mib(ms.HeapInuse), runtime.NumGoroutine())
}

// sweep describes the tasks the observer has not seen RUNNING, and marks
// those the control plane reports RUNNING.
func sweep(ctx context.Context, cfg config, d *driver, obs *observer) error {
	refs, err := allTaskRefs(ctx, cfg, d)
	if err != nil {
		return err
	}
	var pending []string
	for _, r := range refs {
		if !obs.isRunning(r) {
			pending = append(pending, r)
		}
	}
	return describeAll(ctx, d.cp, pending, cfg.concurrency, func(t *ecs.Task) {
		if t.LastStatus == ecs.TaskStatusRunning {
			obs.markRunning(t.TaskArn)
		}
	})
}

// allTaskRefs is every task of the run: those RunTask created, or those
// the services list.
func allTaskRefs(ctx context.Context, cfg config, d *driver) ([]string, error) {
	if cfg.services == 0 {
		return d.created.refs(), nil
	}
	var refs []string
	for i := range int64(cfg.services) {
		arns, err := listTasks(ctx, d.cp, &ecs.ListTasksInput{ServiceName: serviceName(i)})
		if err != nil {
			return nil, err
		}
		refs = append(refs, arns...)
	}
	return refs, nil
}

// listTasks follows ListTasks' pages.
func listTasks(ctx context.Context, cp *ecs.ControlPlane, in *ecs.ListTasksInput) ([]string, error) {
	var arns []string
	for {
		out, err := cp.ListTasks(ctx, in)
		if err != nil {
			return nil, err
		}
		arns = append(arns, out.TaskArns...)
		if out.NextToken == "" {
			return arns, nil
		}
		next := *in
		next.NextToken = out.NextToken
		in = &next
	}
}

// describeAll describes refs in batches of 100 from n goroutines, handing
// each task to fn (serially).
func describeAll(ctx context.Context, cp *ecs.ControlPlane, refs []string, n int, fn func(*ecs.Task)) error {
	batches := make(chan []string)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for b := range batches {
				out, err := cp.DescribeTasks(ctx, &ecs.DescribeTasksInput{Tasks: b})
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil {
					for i := range out.Tasks {
						fn(&out.Tasks[i])
					}
					if len(out.Failures) > 0 && firstErr == nil {
						firstErr = fmt.Errorf("DescribeTasks: %d failures, first %s %s", len(out.Failures), out.Failures[0].Arn, out.Failures[0].Reason)
					}
				}
				mu.Unlock()
			}
		})
	}
	for i := 0; i < len(refs) && ctx.Err() == nil; i += describeBatch {
		batches <- refs[i:min(i+describeBatch, len(refs))]
	}
	close(batches)
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

// verification is what the control plane itself says after the run.
type verification struct {
	described int            // tasks DescribeTasks returned
	byStatus  map[string]int // their lastStatus
	listed    int            // ListTasks' count (-1: not asked)
	services  int64          // services' runningCount sum (-1: no services)
	took      time.Duration
}

// verify describes every task of the run and, for runs small enough that
// paging through ListTasks is cheap (or -verify full), counts them with
// ListTasks too.
func verify(ctx context.Context, cfg config, d *driver) (verification, error) {
	t0 := time.Now()
	v := verification{byStatus: map[string]int{}, listed: -1, services: -1}
	refs, err := allTaskRefs(ctx, cfg, d)
	if err != nil {
		return v, err
	}
	err = describeAll(ctx, d.cp, refs, cfg.concurrency, func(t *ecs.Task) {
		v.described++
		v.byStatus[t.LastStatus]++
	})
	if err != nil {
		return v, err
	}
	if cfg.services == 0 && cfg.tasks <= listVerifyLimit {
		arns, err := listTasks(ctx, d.cp, &ecs.ListTasksInput{})
		if err != nil {
			return v, err
		}
		v.listed = len(arns)
	}
	if cfg.services > 0 {
		v.services = 0
		for i := int64(0); i < int64(cfg.services); i += 10 {
			var names []string
			for j := i; j < min(i+10, int64(cfg.services)); j++ {
				names = append(names, serviceName(j))
			}
			out, err := d.cp.DescribeServices(ctx, &ecs.DescribeServicesInput{Services: names})
			if err != nil {
				return v, err
			}
			for _, s := range out.Services {
				v.services += s.RunningCount
			}
		}
	}
	v.took = time.Since(t0)
	return v, nil
}

// listVerifyLimit is the largest run whose tasks verify also counts with
// ListTasks: each page of ListTasks may cost the whole cluster.
const listVerifyLimit = 20000
