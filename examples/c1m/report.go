package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"
)

// result is what a run measured.
type result struct {
	startup   time.Duration
	elapsed   time.Duration // first call to all RUNNING (or to the end)
	running   int64
	created   int64
	complete  bool
	calls     int64
	errs      int64
	unplaced  int64
	aborted   int64
	firstErr  string // first call error and first placement failure
	latencies []time.Duration
	marks     []markResult
	heap      heapStats
	verify    *verification
}

// markResult is the moment the running count reached n (at == 0: never).
type markResult struct {
	pct int
	n   int64
	at  time.Duration
}

type heapStats struct {
	heapInuse, heapAlloc, stackInuse, sys uint64
	objects                               uint64
	goroutines                            int
}

// readHeap collects garbage, then reads what stays in use.
func readHeap() heapStats {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return heapStats{
		heapInuse: ms.HeapInuse, heapAlloc: ms.HeapAlloc, stackInuse: ms.StackInuse, sys: ms.Sys,
		objects: ms.HeapObjects, goroutines: runtime.NumGoroutine(),
	}
}

func marksOf(o *observer) []markResult {
	pcts := []int{1, 10, 100}
	var out []markResult
	for i := range o.marks {
		out = append(out, markResult{pct: pcts[i], n: o.marks[i].n, at: time.Duration(o.marks[i].at.Load())})
	}
	return out
}

// percentile is the p-th percentile (0 < p <= 100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func rate(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// print writes the report. Every line starts with a key the smoke tests
// (and anyone's scripts) can find.
func (r *result) print(w io.Writer, cfg config, storeDesc string) {
	mode := "RunTask"
	if cfg.services > 0 {
		mode = fmt.Sprintf("%d REPLICA services", cfg.services)
	}
	fmt.Fprintf(w, "config: %d instances, %d tasks, %s, store %s, clock %s, concurrency %d, batch %d, strategy %s, GOMAXPROCS %d\n",
		cfg.instances, cfg.tasks, mode, storeDesc, clockDesc(cfg), cfg.concurrency, cfg.batch, formatStrategy(cfg.strategy), runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "startup: %d agents registered in %s (%.0f/s), not counted below\n",
		cfg.instances, r.startup.Round(time.Millisecond), rate(int64(cfg.instances), r.startup))
	status := "all RUNNING"
	if !r.complete {
		status = fmt.Sprintf("INCOMPLETE: %d of %d created", r.created, cfg.tasks)
	}
	fmt.Fprintf(w, "run: %d of %d tasks RUNNING in %s: %.1f tasks/s (%s)\n",
		r.running, cfg.tasks, r.elapsed.Round(time.Millisecond), rate(r.running, r.elapsed), status)
	lat := slices.Clone(r.latencies)
	slices.Sort(lat)
	call := "RunTask"
	if cfg.services > 0 {
		call = "CreateService"
	}
	var maxLat time.Duration
	if len(lat) > 0 {
		maxLat = lat[len(lat)-1]
	}
	fmt.Fprintf(w, "latency: %s %d calls, p50 %s, p99 %s, max %s, errors %d, unplaced tasks %d",
		call, r.calls, fmtDur(percentile(lat, 50)), fmtDur(percentile(lat, 99)), fmtDur(maxLat), r.errs, r.unplaced)
	if r.aborted > 0 {
		fmt.Fprintf(w, " (%d calls still in flight at the end, not counted)", r.aborted)
	}
	fmt.Fprintln(w)
	if r.firstErr != "" {
		fmt.Fprintf(w, "errors: %s\n", r.firstErr)
	}
	var prev markResult
	for _, m := range r.marks {
		if m.at == 0 {
			fmt.Fprintf(w, "growth: %3d%% (%d tasks) not reached\n", m.pct, m.n)
			continue
		}
		fmt.Fprintf(w, "growth: %3d%% (%d tasks) at %s: %.1f tasks/s since start, %.1f tasks/s since %d%%\n",
			m.pct, m.n, m.at.Round(time.Millisecond), rate(m.n, m.at), rate(m.n-prev.n, m.at-prev.at), prev.pct)
		prev = m
	}
	h := r.heap
	fmt.Fprintf(w, "heap: %.1f MiB in use after GC (%.1f MiB live, %d objects), stacks %.1f MiB, %d goroutines, %.1f MiB from the OS\n",
		mib(h.heapInuse), mib(h.heapAlloc), h.objects, mib(h.stackInuse), h.goroutines, mib(h.sys))
	if v := r.verify; v != nil {
		fmt.Fprintf(w, "verify: DescribeTasks %d tasks: %s", v.described, fmtStatuses(v.byStatus))
		if v.listed >= 0 {
			fmt.Fprintf(w, "; ListTasks %d", v.listed)
		}
		if v.services >= 0 {
			fmt.Fprintf(w, "; services runningCount %d", v.services)
		}
		fmt.Fprintf(w, "; in %s\n", v.took.Round(time.Millisecond))
	}
}

func clockDesc(cfg config) string {
	if cfg.clock == "fake" {
		return fmt.Sprintf("fake (%gx)", cfg.fakeSpeed)
	}
	return "real"
}

func fmtStatuses(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%s=%d", k, m[k])
	}
	if s == "" {
		return "none"
	}
	return s
}

// fmtDur rounds a latency to three significant digits or so.
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
