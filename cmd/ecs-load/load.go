package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/ecsclient"
)

// sample is one RunTask call.
type sample struct {
	latency time.Duration // from the moment it was due to its answer
	service time.Duration // from the moment it was sent to its answer
	code    string        // "" if it succeeded
	placed  int
	failed  int
}

// stats collects samples.
type stats struct {
	mu      sync.Mutex
	samples []sample
	due     atomic.Int64 // calls whose time came within the duration
	sent    atomic.Int64
	late    atomic.Int64 // calls sent more than a millisecond after they were due
}

func (s *stats) add(x sample) {
	s.mu.Lock()
	s.samples = append(s.samples, x)
	s.mu.Unlock()
}

func (s *stats) snapshot() []sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.samples)
}

// load issues RunTask calls at cfg.rate for cfg.duration (at most
// cfg.requests of them, at most cfg.inflight at once) and returns when
// the last has answered or the drain bound passed. The schedule is open:
// a call is due at start + i/rate whether or not earlier calls answered,
// and its latency counts from then, so a server that falls behind shows
// it in the latencies instead of slowing the load down.
func load(ctx context.Context, cfg config, c *ecsclient.Client, st *stats, stderr io.Writer) (sending, elapsed time.Duration) {
	callCtx, cancelCalls := context.WithCancel(ctx)
	defer cancelCalls()
	interval := time.Duration(float64(time.Second) / cfg.rate)
	sem := make(chan struct{}, cfg.inflight)
	var wg sync.WaitGroup
	start := time.Now()
	// Sending stops at the end of the duration even while every call is
	// busy: a due call that found no free slot by then is never sent.
	sendCtx, stopSending := context.WithDeadline(ctx, start.Add(cfg.duration))
	defer stopSending()
	stopProgress := showProgress(cfg, st, start, stderr)
	defer stopProgress()
	count := int64(cfg.count)
	for i := int64(0); i < cfg.requests; i++ {
		due := start.Add(time.Duration(i) * interval)
		if due.Sub(start) >= cfg.duration {
			break
		}
		if d := time.Until(due); d > 0 && sleep(sendCtx, d) != nil {
			break
		}
		select {
		case sem <- struct{}{}:
		case <-sendCtx.Done():
		}
		if sendCtx.Err() != nil {
			break
		}
		sentAt := time.Now()
		if sentAt.Sub(due) > time.Millisecond {
			st.late.Add(1)
		}
		st.sent.Add(1)
		wg.Go(func() {
			defer func() { <-sem }()
			var out ecs.RunTaskOutput
			err := c.Call(callCtx, "RunTask", &ecs.RunTaskInput{
				Cluster:           cfg.cluster,
				TaskDefinition:    taskFamily,
				Count:             &count,
				PlacementStrategy: cfg.strategy,
			}, &out)
			now := time.Now()
			st.add(sample{latency: now.Sub(due), service: now.Sub(sentAt), code: errorCode(err), placed: len(out.Tasks), failed: len(out.Failures)})
		})
	}
	sending = time.Since(start)
	st.due.Store(min(cfg.requests, int64((cfg.duration+interval-1)/interval)))
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(cfg.drain):
		cancelCalls()
		<-done
	case <-ctx.Done():
		<-done
	}
	return sending, time.Since(start)
}

// errorCode names an error by its ECS code (or "transport", "canceled").
func errorCode(err error) string {
	var e *ecs.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return string(e.Code)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	}
	return "transport"
}

// showProgress prints a line every cfg.progress until stopped.
func showProgress(cfg config, st *stats, start time.Time, w io.Writer) (stop func()) {
	if cfg.progress <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(cfg.progress)
		defer t.Stop()
		seen := 0
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			all := st.snapshot()
			recent := all[seen:]
			seen = len(all)
			lat := make([]time.Duration, 0, len(recent))
			errs := 0
			for _, s := range recent {
				lat = append(lat, s.latency)
				if s.code != "" {
					errs++
				}
			}
			slices.Sort(lat)
			fmt.Fprintf(w, "ecs-load: %5.1fs  sent %d  answered %d  last %s: %.0f/s, p99 %s, errors %d\n",
				time.Since(start).Seconds(), st.sent.Load(), len(all), cfg.progress, float64(len(recent))/cfg.progress.Seconds(), fmtDur(percentile(lat, 99)), errs)
		}
	})
	return func() { close(done); wg.Wait() }
}

// summary prints the run's figures.
func summary(w io.Writer, cfg config, st *stats, sending, elapsed time.Duration) (errs int) {
	all := st.snapshot()
	lat := make([]time.Duration, 0, len(all))
	svc := make([]time.Duration, 0, len(all))
	codes := map[string]int{}
	placed, failed := 0, 0
	for _, s := range all {
		lat, svc = append(lat, s.latency), append(svc, s.service)
		if s.code != "" {
			codes[s.code]++
			errs++
		}
		placed += s.placed
		failed += s.failed
	}
	slices.Sort(lat)
	slices.Sort(svc)
	ok := len(all) - errs
	fmt.Fprintf(w, "load: RunTask (count %d) at %g/s for %s: %d due, %d sent, %d answered, %d ok, %d errors; achieved %.1f/s sent over %s, %.1f/s answered ok over %s; %d sent late (>1ms), %d never sent (all -inflight %d busy)\n",
		cfg.count, cfg.rate, cfg.duration, st.due.Load(), st.sent.Load(), len(all), ok, errs,
		perSecond(st.sent.Load(), sending), sending.Round(time.Millisecond), perSecond(int64(ok), elapsed), elapsed.Round(time.Millisecond),
		st.late.Load(), st.due.Load()-st.sent.Load(), cfg.inflight)
	line := func(name string, d []time.Duration) {
		var maxD time.Duration
		if len(d) > 0 {
			maxD = d[len(d)-1]
		}
		fmt.Fprintf(w, "%s: p50 %s, p90 %s, p99 %s, max %s\n", name, fmtDur(percentile(d, 50)), fmtDur(percentile(d, 90)), fmtDur(percentile(d, 99)), fmtDur(maxD))
	}
	line("latency", lat)
	line("service", svc)
	fmt.Fprintf(w, "tasks: %d placed, %d not placed\n", placed, failed)
	if errs > 0 {
		keys := make([]string, 0, len(codes))
		for k := range codes {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		fmt.Fprint(w, "errors:")
		for _, k := range keys {
			fmt.Fprintf(w, " %s=%d", k, codes[k])
		}
		fmt.Fprintln(w)
	}
	return errs
}

func perSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// percentile is the p-th percentile (0 < p <= 100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
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
