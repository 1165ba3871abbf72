package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ecskit/ecs"
)

// config is the harness's command line.
type config struct {
	instances   int
	tasks       int
	services    int
	store       string
	clock       string
	fakeSpeed   float64
	concurrency int
	batch       int
	strategy    []ecs.PlacementStrategy
	cpuProfile  string
	memProfile  string
	timeout     time.Duration
	progress    time.Duration
	verify      bool
	logLevel    string
	etcdTxnOps  uint
	etcdNoFsync bool
}

// defaultStrategy is the placement the figures were taken with.
const defaultStrategy = "spread(attribute:ecs.availability-zone),binpack(memory)"

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	var strategy string
	fs := flag.NewFlagSet("c1m", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.instances, "instances", 100, "container instances, each a real agent on a fake engine (64 CPUs, 256 GiB)")
	fs.IntVar(&c.tasks, "tasks", 1000, "tasks to bring to RUNNING")
	fs.IntVar(&c.services, "services", 0, "0: start the tasks with RunTask; N: create N REPLICA services whose desired counts add up to -tasks")
	fs.StringVar(&c.store, "store", "memory", "state store: memory, bolt[:PATH] (a temporary file by default) or etcd (an embedded single-member server on loopback)")
	fs.StringVar(&c.clock, "clock", "real", "clock of the control plane, the agents and the engines: real or fake")
	fs.Float64Var(&c.fakeSpeed, "fake-speed", 1, "with -clock fake: simulated seconds per real second (the fake clock advances every 100 ms)")
	fs.IntVar(&c.concurrency, "concurrency", 8, "goroutines calling RunTask (and verifying)")
	fs.IntVar(&c.batch, "batch", 10, "tasks per RunTask call (1-10)")
	fs.StringVar(&strategy, "strategy", defaultStrategy, `placement strategy: comma-separated type(field) terms, e.g. "binpack(cpu)", "random", "none"`)
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the run (first call to all RUNNING) to this file")
	fs.StringVar(&c.memProfile, "memprofile", "", "write a heap profile (after the run, after GC) to this file")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Minute, "give up (and report how far the run got) after this long")
	fs.DurationVar(&c.progress, "progress", 5*time.Second, "how often to show progress on stderr (0: never)")
	fs.BoolVar(&c.verify, "verify", true, "after the run, check every task with DescribeTasks (and, up to 20,000 tasks, count them with ListTasks); timed apart from the run")
	fs.StringVar(&c.logLevel, "log-level", "error", "log level of the control plane and agents (debug, info, warn, error)")
	fs.UintVar(&c.etcdTxnOps, "etcd-max-txn-ops", 128, "with -store etcd: the server's --max-txn-ops (etcd's default is 128)")
	fs.BoolVar(&c.etcdNoFsync, "etcd-no-fsync", false, "with -store etcd: run the server without fsync")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	var err error
	if c.strategy, err = parseStrategy(strategy); err != nil {
		return c, err
	}
	return c, c.check()
}

func (c config) check() error {
	switch {
	case c.instances < 1:
		return errors.New("-instances must be at least 1")
	case c.tasks < 1:
		return errors.New("-tasks must be at least 1")
	case c.services < 0 || c.services > c.tasks:
		return errors.New("-services must be between 0 and -tasks")
	case c.concurrency < 1:
		return errors.New("-concurrency must be at least 1")
	case c.batch < 1 || c.batch > 10:
		return errors.New("-batch must be between 1 and 10 (RunTask's count)")
	case c.clock != "real" && c.clock != "fake":
		return fmt.Errorf("-clock must be real or fake, got %q", c.clock)
	case c.fakeSpeed <= 0:
		return errors.New("-fake-speed must be positive")
	case c.timeout <= 0:
		return errors.New("-timeout must be positive")
	}
	if capacity := int64(c.instances) * instanceMemMiB / taskMemMiB; int64(c.tasks) > capacity {
		return fmt.Errorf("%d tasks of %d MiB do not fit on %d instances of %d MiB (at most %d)", c.tasks, taskMemMiB, c.instances, instanceMemMiB, capacity)
	}
	return nil
}

// parseStrategy reads "spread(attribute:ecs.availability-zone),binpack(memory)".
func parseStrategy(s string) ([]ecs.PlacementStrategy, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		return nil, nil
	}
	var out []ecs.PlacementStrategy
	for term := range strings.SplitSeq(s, ",") {
		term = strings.TrimSpace(term)
		typ, field := term, ""
		if i := strings.IndexByte(term, '('); i >= 0 {
			if !strings.HasSuffix(term, ")") {
				return nil, fmt.Errorf("-strategy: %q: missing )", term)
			}
			typ, field = term[:i], term[i+1:len(term)-1]
		}
		if typ == "" {
			return nil, fmt.Errorf("-strategy: empty term in %q", s)
		}
		out = append(out, ecs.PlacementStrategy{Type: typ, Field: field})
	}
	return out, nil
}

// formatStrategy is the inverse of parseStrategy.
func formatStrategy(ps []ecs.PlacementStrategy) string {
	if len(ps) == 0 {
		return "none"
	}
	var terms []string
	for _, p := range ps {
		if p.Field == "" {
			terms = append(terms, p.Type)
		} else {
			terms = append(terms, p.Type+"("+p.Field+")")
		}
	}
	return strings.Join(terms, ",")
}
