// Command ecs-agent is ecskit's agent for a remote Docker host. It connects
// to ecsd over HTTP (requests signed with SigV4), registers its engine as a
// container instance, keeps its instance ARN in a state file so that a
// restart re-registers the same instance and adopts its containers, long
// polls for task assignments, reports task and container state changes,
// and reconnects with backoff. While cut off from ecsd its tasks keep
// running.
//
//	ecs-agent -endpoint http://10.0.0.1:4566 -cluster prod -az us-east-1a -state-file /var/lib/ecskit/agent.json
//
// Access keys come from ECSD_ACCESS_KEY_ID / ECSD_SECRET_ACCESS_KEY (or the
// AWS_ ones). The Docker engine is found the usual way (DOCKER_HOST,
// DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) or given with -docker-host.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/ecsclient"
	"github.com/ecskit/ecs/logs"
	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/runtime/docker"
	"github.com/ecskit/ecs/runtime/fake"
	"github.com/ecskit/ecs/secrets"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "ecs-agent:", err)
		os.Exit(1)
	}
}

type attrFlag map[string]string

func (a attrFlag) String() string { return fmt.Sprint(map[string]string(a)) }

func (a attrFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return errors.New("want name=value")
	}
	a[k] = v
	return nil
}

func run(args []string) error {
	fs := flag.NewFlagSet("ecs-agent", flag.ContinueOnError)
	endpoint := fs.String("endpoint", "http://127.0.0.1:4566", "URL of ecsd")
	region := fs.String("region", "us-east-1", "region of the control plane")
	cluster := fs.String("cluster", "default", "cluster to join")
	rtName := fs.String("runtime", "docker", "container runtime: docker or fake")
	dockerHost := fs.String("docker-host", "", "Docker engine address (default: DOCKER_HOST or the local socket)")
	stateFile := fs.String("state-file", "", "file keeping the instance ARN and task state across restarts")
	az := fs.String("az", "", "availability zone attribute (ecs.availability-zone)")
	instanceType := fs.String("instance-type", "", "instance type attribute (ecs.instance-type)")
	pollWait := fs.Duration("poll-wait", 20*time.Second, "longest wait of one task poll (the heartbeat interval)")
	cleanup := fs.Duration("cleanup-wait", 3*time.Hour, "how long stopped containers are kept")
	taskMetadata := fs.String("task-metadata", "", "serve the task metadata endpoint and task role credentials on this loopback address (ECS's is 127.0.0.1:51679; default off, or that address with -task-credentials)")
	taskMetadataRoute := fs.Bool("task-metadata-route", true, "with -task-metadata: route 169.254.170.2:80 to the endpoint (iptables, as root), as ECS does")
	taskCredentials := fs.String("task-credentials", "", `JSON file of task role credentials: {"<role ARN>": {"accessKeyId": "…", "secretAccessKey": "…", "sessionToken": "…"}}; tasks whose role is not in it are refused`)
	custom := attrFlag{}
	fs.Var(custom, "attribute", "custom attribute name=value (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	meta, err := metadataConfig(*taskMetadata, *taskMetadataRoute, *taskCredentials, *rtName == "fake")
	if err != nil {
		return err
	}

	var rt runtime.Runtime
	switch *rtName {
	case "docker":
		var opts []docker.Option
		if *dockerHost != "" {
			opts = append(opts, docker.WithHost(*dockerHost))
		}
		d, err := docker.New(append(opts, docker.WithLogger(log))...)
		if err != nil {
			return fmt.Errorf("docker: %w", err)
		}
		rt = d
	case "fake":
		rt = fake.New(fake.WithAnyImage())
	default:
		return fmt.Errorf("unknown -runtime %q (want docker or fake)", *rtName)
	}

	key, secret := os.Getenv("ECSD_ACCESS_KEY_ID"), os.Getenv("ECSD_SECRET_ACCESS_KEY")
	if key == "" {
		key, secret = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	}
	var copts []ecsclient.Option
	if key != "" {
		copts = append(copts, ecsclient.WithCredentials(key, secret))
	}
	client := ecsclient.New(*endpoint, *region, copts...)
	// awslogs output and secrets go through ecsd's CloudWatch Logs, SSM
	// and Secrets Manager APIs, with the same keys.
	sideURL := strings.TrimSpace(strings.Split(*endpoint, ",")[0])
	sideKey, sideSecret := key, secret
	if sideKey == "" {
		sideKey, sideSecret = "ecskit", "ecskit"
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ag := agent.New(agent.Config{
		ControlPlane: client,
		Runtime:      rt,
		Cluster:      *cluster,
		Logger:       log,
		StateFile:    *stateFile,
		PollWait:     *pollWait,
		CleanupWait:  *cleanup,
		Region:       *region,
		Attributes:   agent.Attributes{AvailabilityZone: *az, InstanceType: *instanceType, Custom: custom},
		Metadata:     meta,
		Logs:         logs.NewClient(sideURL, *region, sideKey, sideSecret, nil),
		Secrets:      secrets.NewClient(sideURL, *region, sideKey, sideSecret, nil),
	})
	go func() {
		select {
		case <-ag.Registered():
			log.Info("ecs-agent: registered", "containerInstance", ag.ContainerInstanceArn(), "endpoint", *endpoint)
		case <-ctx.Done():
		}
	}()
	return ag.Run(ctx)
}
