// Command ecs-load puts a fixed-rate RunTask load on ecsd over loopback,
// with SigV4-signed requests, and reports the achieved rate and the
// latency distribution:
//
//	ecs-load -rate 500 -duration 60s                   # against an in-process ecsd
//	ecs-load -endpoint http://127.0.0.1:4566 -rate 100 # against a running ecsd
//
// Without -endpoint it starts an in-process equivalent of
// `ecsd -runtime fake` (the ECS API with SigV4 over a control plane on
// -store) on a loopback port of its own. Either way it first registers
// -instances container instances through the API (64 CPUs, 256 GiB each,
// over three Availability Zones; ecsd -runtime fake runs an agent on an
// in-memory engine for each) and a one-container 64 MiB task definition,
// then sends RunTask (count -count) at -rate per second for -duration, at
// most -requests calls and -inflight at once. The schedule is open: a
// call is due at a fixed time whatever earlier calls did, and its latency
// counts from then ("service" counts from the moment it was actually
// sent). Calls still unanswered -drain after the last was sent are
// cancelled. The access key is ECSD_ACCESS_KEY_ID/ECSD_SECRET_ACCESS_KEY
// (for the in-process server, a key of its own if they are unset).
//
// It only ever talks to loopback endpoints, and never to an instance
// metadata service.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/ecsclient"
	"github.com/ecskit/ecs/internal/fakefleet"
)

// The simulated fleet and task, as in examples/c1m.
const (
	instanceCPUs   = 64
	instanceMemMiB = 256 << 10
	taskMemMiB     = 64
	taskFamily     = "ecs-load"
	// setupConcurrency is how many registrations run at once.
	setupConcurrency = 16
	// callTimeout bounds one setup call.
	callTimeout = 30 * time.Second
)

func main() {
	fakefleet.TuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "ecs-load:", err)
		}
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	endpoint  string
	region    string
	cluster   string
	store     string
	instances int
	rate      float64
	duration  time.Duration
	requests  int64
	inflight  int
	count     int
	drain     time.Duration
	progress  time.Duration
	strategy  []ecs.PlacementStrategy
	logLevel  string
	maxErrors int
	cpuProf   string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	var strategy string
	fs := flag.NewFlagSet("ecs-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.endpoint, "endpoint", "", "ecsd to load, e.g. http://127.0.0.1:4566 (loopback only; default: start one in this process)")
	fs.StringVar(&c.region, "region", "us-east-1", "region of the control plane and of the signatures")
	fs.StringVar(&c.cluster, "cluster", ecs.DefaultCluster, "cluster to register the instances in and run the tasks on")
	fs.StringVar(&c.store, "store", "memory", "without -endpoint: the in-process server's store, memory or bolt[:PATH]")
	fs.IntVar(&c.instances, "instances", 1000, "container instances to register through the API first (0: use those there are)")
	fs.Float64Var(&c.rate, "rate", 500, "RunTask calls per second")
	fs.DurationVar(&c.duration, "duration", 60*time.Second, "how long to send calls")
	fs.Int64Var(&c.requests, "requests", 0, "at most this many calls (default: rate × duration)")
	fs.IntVar(&c.inflight, "inflight", 256, "at most this many calls at once (a call due while all are busy waits, and is late)")
	fs.IntVar(&c.count, "count", 1, "tasks per RunTask call (1-10)")
	fs.DurationVar(&c.drain, "drain", 30*time.Second, "how long to wait for answers after the last call was sent")
	fs.DurationVar(&c.progress, "progress", 5*time.Second, "how often to show progress on stderr (0: never)")
	fs.StringVar(&strategy, "strategy", "spread(attribute:ecs.availability-zone),binpack(memory)", `placement strategy: comma-separated type(field) terms, or "none"`)
	fs.StringVar(&c.logLevel, "log-level", "error", "log level of the in-process server")
	fs.IntVar(&c.maxErrors, "max-errors", 0, "exit non-zero if more calls than this fail")
	fs.StringVar(&c.cpuProf, "cpuprofile", "", "write a CPU profile of the load phase (client and, without -endpoint, server) to this file")
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
	if c.requests == 0 {
		c.requests = int64(c.rate*c.duration.Seconds() + 0.5)
	}
	switch {
	case c.rate <= 0:
		return c, errors.New("-rate must be positive")
	case c.duration <= 0:
		return c, errors.New("-duration must be positive")
	case c.requests < 1:
		return c, errors.New("-requests must be at least 1")
	case c.inflight < 1:
		return c, errors.New("-inflight must be at least 1")
	case c.count < 1 || c.count > 10:
		return c, errors.New("-count must be between 1 and 10 (RunTask's count)")
	case c.instances < 0:
		return c, errors.New("-instances must not be negative")
	}
	if c.endpoint != "" {
		if err := checkLoopback(c.endpoint); err != nil {
			return c, err
		}
	}
	return c, nil
}

// checkLoopback refuses endpoints that are not on this machine's loopback.
func checkLoopback(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return fmt.Errorf("-endpoint %q: not a URL", endpoint)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-endpoint %q: ecs-load only loads loopback endpoints", endpoint)
	}
	return nil
}

// parseStrategy reads "spread(attribute:ecs.availability-zone),binpack(memory)".
func parseStrategy(s string) ([]ecs.PlacementStrategy, error) {
	if s = strings.TrimSpace(s); s == "" || s == "none" {
		return nil, nil
	}
	var out []ecs.PlacementStrategy
	for term := range strings.SplitSeq(s, ",") {
		typ, field, paren := strings.Cut(strings.TrimSpace(term), "(")
		if paren {
			var ok bool
			if field, ok = strings.CutSuffix(field, ")"); !ok {
				return nil, fmt.Errorf("-strategy: %q: missing )", term)
			}
		}
		if typ == "" {
			return nil, fmt.Errorf("-strategy: empty term in %q", s)
		}
		out = append(out, ecs.PlacementStrategy{Type: typ, Field: field})
	}
	return out, nil
}

// run is ecs-load.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	// No AWS SDK code here reads the environment's configuration, but
	// nothing it calls may ever reach for an instance metadata service.
	_ = os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	keyID, secret := getenv("ECSD_ACCESS_KEY_ID"), getenv("ECSD_SECRET_ACCESS_KEY")
	endpoint, desc := cfg.endpoint, "ecsd at "+cfg.endpoint
	if endpoint == "" {
		if keyID == "" || secret == "" {
			keyID, secret = "AKIDECSLOAD", "ecs-load-secret"
		}
		srv, err := startServer(cfg.store, cfg.region, keyID, secret, log)
		if err != nil {
			return err
		}
		defer srv.close()
		endpoint, desc = srv.URL, srv.desc
	}
	transport := &http.Transport{MaxIdleConns: cfg.inflight, MaxIdleConnsPerHost: cfg.inflight, IdleConnTimeout: time.Minute}
	defer transport.CloseIdleConnections()
	var opts []ecsclient.Option
	opts = append(opts, ecsclient.WithHTTPClient(&http.Client{Transport: transport}))
	if keyID != "" {
		opts = append(opts, ecsclient.WithCredentials(keyID, secret))
	}
	client := ecsclient.New(endpoint, cfg.region, opts...)

	fmt.Fprintf(stdout, "target: %s\n", desc)
	t0 := time.Now()
	if err := setup(ctx, cfg, client); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	fmt.Fprintf(stdout, "setup: %d instances and a task definition registered through the API in %s\n", cfg.instances, time.Since(t0).Round(time.Millisecond))

	if cfg.cpuProf != "" {
		f, err := os.Create(cfg.cpuProf)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	st := &stats{}
	sending, elapsed := load(ctx, cfg, client, st, stderr)
	if cfg.cpuProf != "" {
		pprof.StopCPUProfile()
	}
	if errs := summary(stdout, cfg, st, sending, elapsed); errs > cfg.maxErrors {
		return fmt.Errorf("%d calls failed (more than -max-errors %d)", errs, cfg.maxErrors)
	}
	return ctx.Err()
}

// setup creates the cluster if it is not the default, registers the
// instances (concurrently) and the task definition.
func setup(ctx context.Context, cfg config, c *ecsclient.Client) error {
	call := func(action string, in, out any) error {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		return c.Call(cctx, action, in, out)
	}
	if cfg.cluster != ecs.DefaultCluster {
		var out ecs.CreateClusterOutput
		if err := call("CreateCluster", &ecs.CreateClusterInput{ClusterName: cfg.cluster}, &out); err != nil {
			return err
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, setupConcurrency)
	for range setupConcurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= cfg.instances || ctx.Err() != nil {
					return
				}
				doc := fmt.Sprintf(`{"instanceId":"i-%017x","availabilityZone":"%s%c","instanceType":"ecs-load.16xlarge","region":%q}`,
					i+1, cfg.region, 'a'+i%3, cfg.region)
				var out ecs.RegisterContainerInstanceOutput
				err := call("RegisterContainerInstance", &ecs.RegisterContainerInstanceInput{
					Cluster:                  cfg.cluster,
					InstanceIdentityDocument: doc,
					TotalResources: []ecs.Resource{
						{Name: ecs.ResourceCPU, Type: "INTEGER", IntegerValue: instanceCPUs * 1024},
						{Name: ecs.ResourceMemory, Type: "INTEGER", IntegerValue: instanceMemMiB},
					},
				}, &out)
				if err != nil {
					errc <- fmt.Errorf("register instance %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return err
	}
	mem := int64(taskMemMiB)
	var out ecs.RegisterTaskDefinitionOutput
	return call("RegisterTaskDefinition", &ecs.RegisterTaskDefinitionInput{
		Family:               taskFamily,
		ContainerDefinitions: []ecs.ContainerDefinition{{Name: "app", Image: "ecs-load/app:latest", Memory: &mem}},
	}, &out)
}
