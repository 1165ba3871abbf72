// Command ecsd serves an ecskit control plane over the Amazon ECS API, so
// that the aws CLI and the AWS SDKs can drive it.
//
// Usage:
//
//	ecsd -listen 127.0.0.1:4566 -region us-east-1 -store memory -runtime docker|fake
//
// With -runtime docker, ecsd registers the local Docker engine as a
// container instance of the -cluster cluster (default "default") and runs
// its tasks there. With -runtime fake, no engine is needed: every
// instance registered through RegisterContainerInstance is run by an
// in-process agent on an in-memory engine, where every image exists and
// containers run until stopped (their environment can script them; see
// package runtime/fake). With -runtime none, ecsd only serves the API:
// agents on other hosts register and poll through it.
//
// Requests must be signed (AWS Signature Version 4, service "ecs") with
// the key in ECSD_ACCESS_KEY_ID and ECSD_SECRET_ACCESS_KEY. Without those,
// requests are not authenticated, and ecsd only listens on loopback.
//
// Besides the API at /, ecsd answers GET /healthz and serves Prometheus
// metrics at /metrics. It shuts down cleanly on SIGTERM or SIGINT.
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
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/ecsapi"
	"github.com/ecskit/ecs/internal/fakefleet"
	"github.com/ecskit/ecs/logs"
	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/bolt"
	"github.com/ecskit/ecs/store/memory"
)

// shutdownTimeout bounds how long in-flight requests may take to finish
// after SIGTERM.
const shutdownTimeout = 10 * time.Second

func main() {
	fakefleet.TuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "ecsd:", err)
		}
		os.Exit(2)
	}
}

// config is ecsd's command line.
type config struct {
	listen   string
	region   string
	account  string
	store    string
	runtime  string
	cluster  string
	logLevel string
	addrFile string
	endpoint string

	agentTimeout time.Duration
	electionTTL  time.Duration

	taskMetadata      string // listen address of the task metadata endpoint ("" = off)
	taskMetadataRoute bool
	taskCredentials   string // -task-credentials FILE

	logsFile      string        // -logs-file: bolt file of the CloudWatch Logs store ("" = memory)
	logsRetention time.Duration // -logs-retention
	logsMaxBytes  int64         // -logs-max-stream-bytes
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("ecsd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", "127.0.0.1:4566", "address to serve the ECS API on (port 0 picks a free port)")
	fs.StringVar(&c.region, "region", "us-east-1", "region of the control plane (and of request signatures)")
	fs.StringVar(&c.account, "account", "000000000000", "12-digit account ID used in ARNs")
	fs.StringVar(&c.store, "store", "memory", "state store: memory, bolt:PATH for a file that survives restarts, or etcd:URL[,URL…] to share state (and elect a leader) with other replicas")
	fs.DurationVar(&c.agentTimeout, "agent-timeout", 3*time.Minute, "how long after its last poll an agent counts as disconnected")
	fs.DurationVar(&c.electionTTL, "election-ttl", 10*time.Second, "with -store etcd: the leader's lease; a replica that loses it stops acting at once")
	fs.StringVar(&c.runtime, "runtime", "docker", "container runtime: docker (the local engine), fake (in-memory engines for registered instances) or none (API only: agents run elsewhere)")
	fs.StringVar(&c.cluster, "cluster", ecs.DefaultCluster, "with -runtime docker: the cluster the local engine joins")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.addrFile, "addr-file", "", "write the address ecsd listens on to this file once it listens")
	fs.StringVar(&c.endpoint, "endpoint", "", "URL DiscoverPollEndpoint answers with (default: the URL each request was sent to)")
	fs.StringVar(&c.taskMetadata, "task-metadata", "", "serve the task metadata endpoint and task role credentials to the local agent's containers on this loopback address (ECS's is 127.0.0.1:51679; default off, or that address with -task-credentials)")
	fs.BoolVar(&c.taskMetadataRoute, "task-metadata-route", true, "with -task-metadata: route 169.254.170.2:80 to the endpoint (iptables, as root), as ECS does; without it, containers reach the endpoint on the bridge gateway")
	fs.StringVar(&c.taskCredentials, "task-credentials", "", `JSON file of task role credentials: {"<role ARN>": {"accessKeyId": "…", "secretAccessKey": "…", "sessionToken": "…"}}; tasks whose role is not in it are refused`)
	fs.StringVar(&c.logsFile, "logs-file", "", "keep the CloudWatch Logs store (awslogs output) in this bbolt file (default: in memory)")
	fs.DurationVar(&c.logsRetention, "logs-retention", 0, "drop log events older than this (default: keep them until a group's retention or -logs-max-stream-bytes drops them)")
	fs.Int64Var(&c.logsMaxBytes, "logs-max-stream-bytes", logs.DefaultMaxStreamBytes, "bytes one log stream keeps; the oldest events are dropped first")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if c.runtime != "docker" && c.runtime != "fake" && c.runtime != "none" {
		return c, fmt.Errorf("-runtime must be docker, fake or none, got %q", c.runtime)
	}
	return c, nil
}

// accessKeys reads the access key from the environment; none means no
// authentication.
func accessKeys(getenv func(string) string) (map[string]string, error) {
	id, secret := getenv("ECSD_ACCESS_KEY_ID"), getenv("ECSD_SECRET_ACCESS_KEY")
	switch {
	case id == "" && secret == "":
		return nil, nil
	case id == "" || secret == "":
		return nil, errors.New("set both ECSD_ACCESS_KEY_ID and ECSD_SECRET_ACCESS_KEY, or neither")
	}
	return map[string]string{id: secret}, nil
}

// isLoopback reports whether a listen address only accepts local
// connections.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// openStore opens the -store; for etcd it also returns an elector, so
// that one replica at a time runs the controllers.
func openStore(ctx context.Context, cfg config, log *slog.Logger) (store.Store, ecs.Elector, error) {
	spec := cfg.store
	if strings.HasPrefix(spec, "etcd:") && len(spec) > len("etcd:") {
		return openEtcd(ctx, strings.Split(strings.TrimPrefix(spec, "etcd:"), ","), cfg, log)
	}
	st, err := openLocalStore(spec)
	return st, nil, err
}

func openLocalStore(spec string) (store.Store, error) {
	switch {
	case spec == "memory":
		return memory.New(), nil
	case strings.HasPrefix(spec, "bolt:") && len(spec) > len("bolt:"):
		return bolt.Open(strings.TrimPrefix(spec, "bolt:"))
	}
	return nil, fmt.Errorf("-store must be memory, bolt:PATH or etcd:URL[,URL…], got %q", spec)
}

func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level: %w", err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// run is ecsd: it serves until ctx is done, then shuts down.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log, err := newLogger(cfg.logLevel, stderr)
	if err != nil {
		return err
	}
	keys, err := accessKeys(getenv)
	if err != nil {
		return err
	}
	if keys == nil && !isLoopback(cfg.listen) {
		return fmt.Errorf("refusing to serve unauthenticated requests on %s: listen on a loopback address or set ECSD_ACCESS_KEY_ID and ECSD_SECRET_ACCESS_KEY", cfg.listen)
	}
	st, elector, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	cpOpts := []ecs.Option{ecs.WithRegion(cfg.region), ecs.WithAccount(cfg.account), ecs.WithStore(st), ecs.WithLogger(log), ecs.WithAgentTimeout(cfg.agentTimeout)}
	if elector != nil {
		cpOpts = append(cpOpts, ecs.WithElector(elector))
	}
	cp, err := ecs.Open(cpOpts...)
	if err != nil {
		return err
	}
	defer cp.Close()

	side, err := openSideAPIs(ctx, cfg, keys, log)
	if err != nil {
		return err
	}
	defer side.close()
	agents := newAgentGroup(ctx, log)
	defer agents.stop()
	if agents.metadata, err = metadataConfig(cfg); err != nil {
		return err
	}
	agents.logs, agents.secrets = side.logs, side.secrets
	opts := []ecsapi.Option{ecsapi.WithCredentials(keys), ecsapi.WithLogger(log)}
	if cfg.endpoint != "" {
		opts = append(opts, ecsapi.WithEndpoint(cfg.endpoint))
	}
	switch cfg.runtime {
	case "fake":
		opts = append(opts, ecsapi.OnRegisterContainerInstance(func(_ context.Context, ci *ecs.ContainerInstance) {
			agents.startFake(cp, ci)
		}))
	case "docker":
		if err := agents.startDocker(ctx, cp, cfg.cluster, cfg.region); err != nil {
			return err
		}
	}
	api := ecsapi.New(cp, opts...)
	return serve(ctx, cfg, api, log, side.handlers...)
}

// serve listens and answers until ctx is done, then drains in-flight
// requests.
func serve(ctx context.Context, cfg config, api *ecsapi.Handler, log *slog.Logger, side ...routedHandler) error {
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	if cfg.addrFile != "" {
		if err := os.WriteFile(cfg.addrFile, []byte(addr+"\n"), 0o644); err != nil {
			ln.Close()
			return err
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.Handle("GET /metrics", api.MetricsHandler())
	mux.Handle("/", route(api, side))

	// Requests (long polls above all) see reqCtx end at shutdown.
	reqCtx, cancelRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRequests()
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return reqCtx },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if api.Authenticated() {
		log.Info("ecsd listening", "addr", addr, "region", cfg.region, "runtime", cfg.runtime, "store", cfg.store, "auth", "sigv4")
	} else {
		log.Warn("ecsd listening on loopback only: requests are NOT authenticated (set ECSD_ACCESS_KEY_ID and ECSD_SECRET_ACCESS_KEY to require SigV4)",
			"addr", addr, "region", cfg.region, "runtime", cfg.runtime, "store", cfg.store)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("ecsd shutting down")
	cancelRequests()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("ecsd stopped")
	return nil
}
