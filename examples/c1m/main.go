// Command c1m is a simulation harness for ecskit at scale: it runs a
// control plane with N real agents, each on its own in-memory engine
// (runtime/fake), in one process, brings T tasks to RUNNING with RunTask
// or through services, and reports how fast:
//
//	go run ./examples/c1m -instances 10000 -tasks 1000000
//
// Every instance is a 64-CPU, 256 GiB host in one of three Availability
// Zones; every task is one 64 MiB container of one task definition. The
// agents register first (timed apart: "startup"); then -concurrency
// goroutines call RunTask (count -batch, placement -strategy) until T
// tasks exist, or -services REPLICA services are created whose desired
// counts add up to T. The run ends when every task is RUNNING.
//
// The harness learns that a task is RUNNING from the agents' accepted
// state reports (it wraps the control plane the agents talk to), so
// waiting costs one map insert per task instead of polling the cluster;
// should that count ever stall, it sweeps the missing tasks with
// DescribeTasks. After the run it checks every task with DescribeTasks
// (and, for runs up to 20,000 tasks, counts them with ListTasks), timed
// apart from the run.
//
// It prints, on stdout: tasks/s from the first call to all RUNNING,
// RunTask latency p50/p99, the heap in use after a GC, and the growth
// curve: the rate over the run to 1 %, 10 % and 100 % of the tasks (a flat
// curve means cost follows the work, not the cluster). Progress goes to
// stderr every -progress. -store memory|bolt[:PATH]|etcd picks the store
// (etcd is an embedded single-member server on loopback), -clock
// real|fake the clock of everything (the fake one advances -fake-speed
// simulated seconds per real second). -cpuprofile and -memprofile write
// pprof profiles of the run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "c1m:", err)
		}
		os.Exit(1)
	}
}

// run is the harness: it reports on stdout and shows progress on stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()

	obs := newObserver(cfg.tasks)
	t0 := time.Now()
	cl, err := startCluster(ctx, cfg, log, obs)
	if err != nil {
		return err
	}
	res := &result{startup: time.Since(t0)}
	fmt.Fprintf(stderr, "c1m: %d agents registered in %s\n", cfg.instances, res.startup.Round(time.Millisecond))
	defer func() {
		t := time.Now()
		cl.close()
		fmt.Fprintf(stdout, "shutdown: %s\n", time.Since(t).Round(time.Millisecond))
	}()

	d := newDriver(cfg, cl.cp, obs)
	if err := d.registerTaskDefinition(ctx); err != nil {
		return fmt.Errorf("register task definition: %w", err)
	}
	stopProfile, err := startCPUProfile(cfg.cpuProfile)
	if err != nil {
		return err
	}
	runErr := measure(ctx, cfg, d, obs, res, stderr)
	stopProfile()

	res.heap = readHeap()
	if err := writeHeapProfile(cfg.memProfile); err != nil {
		return err
	}
	if res.complete && cfg.verify {
		v, err := verify(ctx, cfg, d)
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		res.verify = &v
	}
	res.print(stdout, cfg, cl.st.desc)
	if runErr != nil {
		return runErr
	}
	if !res.complete {
		return fmt.Errorf("only %d of %d tasks RUNNING after %s", res.running, cfg.tasks, res.elapsed.Round(time.Millisecond))
	}
	return nil
}

// measure drives the run and waits for it, filling res.
func measure(ctx context.Context, cfg config, d *driver, obs *observer, res *result, stderr io.Writer) error {
	obs.begin(time.Now())
	driving := make(chan struct{})
	var driveErr error
	go func() {
		defer close(driving)
		driveErr = d.run(ctx)
	}()
	wctx, cancel := context.WithCancel(ctx)
	go func() {
		// A driver that gives up ends the wait.
		<-driving
		if driveErr != nil {
			cancel()
		}
	}()
	err := waitRunning(wctx, cfg, d, obs, driving, stderr)
	res.elapsed = obs.since(time.Now())
	cancel()
	<-driving
	res.running, res.created = obs.running.Load(), d.placed.Load()
	res.complete = err == nil
	res.calls, res.errs, res.unplaced, res.aborted = d.calls.Load(), d.errs.Load(), d.unplaced.Load(), d.aborted.Load()
	res.latencies = d.latencySnapshot()
	res.firstErr = d.firstProblems()
	res.marks = marksOf(obs)
	switch {
	case driveErr != nil:
		return driveErr
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("-timeout %s reached", cfg.timeout)
	}
	return err
}

func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}

func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
