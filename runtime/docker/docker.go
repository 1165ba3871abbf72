// Package docker is the runtime.Runtime of a real Docker engine, reached
// through its API on a unix socket or over TCP with TLS.
//
// The engine's API version is always negotiated, so any engine from API 1.40
// (Docker 19.03) on works. No engine type leaves this package: callers see
// only the types of package runtime.
//
// Caveats, each where ECS semantics meet a local engine:
//
//   - Log drivers that ship logs to AWS (awslogs, awsfirelens) cannot work
//     without AWS; containers asking for them, or for a driver the engine
//     does not have, get the engine's default log driver and a warning is
//     logged.
//   - CPU shares and memory are clamped like the ECS agent does: shares
//     below 2 become 2, above 262144 become 262144; a non-zero memory limit
//     below 4 MiB becomes 4 MiB. (Docker refuses memory limits and
//     reservations below 6 MiB, failing Create; the ECS API refuses such
//     container definitions at registration.)
//   - Dynamic host ports (HostPort 0) are chosen by the engine from its
//     ephemeral range; Inspect reports the resolved ports of a running
//     container.
//   - Every engine call is bounded by a named timeout; see Timeouts.
package docker

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/moby/moby/client"

	"github.com/ecskit/ecs/runtime"
)

// Runtime drives one Docker engine. It is safe for concurrent use.
type Runtime struct {
	cli      *client.Client
	log      *slog.Logger
	timeouts Timeouts
	pull     runtime.PullBehavior

	// subscribe opens one event subscription; a seam for tests.
	subscribe subscribeFunc

	mu         sync.Mutex
	logDrivers map[string]bool // log drivers the engine has; nil until known
}

var _ runtime.Runtime = (*Runtime)(nil)

// Option configures a Runtime.
type Option func(*config) error

type config struct {
	fromEnv   bool
	host      string
	tlsFiles  *[3]string
	tlsConfig *tls.Config
	log       *slog.Logger
	timeouts  Timeouts
	pull      runtime.PullBehavior
}

// WithHost sets the engine's address: "unix:///var/run/docker.sock" or
// "tcp://host:2376". It overrides DOCKER_HOST.
func WithHost(host string) Option {
	return func(c *config) error {
		if host == "" {
			return errors.New("docker: WithHost: empty host")
		}
		c.host = host
		return nil
	}
}

// WithTLSFiles enables TLS with the CA certificate, client certificate and
// client key in the given PEM files, verifying the server against the CA.
// caFile may be empty to verify against the system roots; certFile and
// keyFile may both be empty for TLS without a client certificate. It
// overrides DOCKER_CERT_PATH.
func WithTLSFiles(caFile, certFile, keyFile string) Option {
	return func(c *config) error {
		c.tlsFiles = &[3]string{caFile, certFile, keyFile}
		return nil
	}
}

// WithTLSConfig enables TLS with the given configuration. It overrides
// WithTLSFiles and DOCKER_CERT_PATH.
func WithTLSConfig(cfg *tls.Config) Option {
	return func(c *config) error {
		if cfg == nil {
			return errors.New("docker: WithTLSConfig: nil config")
		}
		c.tlsConfig = cfg.Clone()
		return nil
	}
}

// WithoutEnv ignores DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH,
// which New reads by default as the docker CLI does: DOCKER_CERT_PATH is a
// directory holding ca.pem, cert.pem and key.pem (default ~/.docker when
// only DOCKER_TLS_VERIFY is set), and a non-empty DOCKER_TLS_VERIFY
// verifies the server against ca.pem. (DOCKER_API_VERSION is never read:
// the API version is always negotiated.)
func WithoutEnv() Option {
	return func(c *config) error {
		c.fromEnv = false
		return nil
	}
}

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l != nil {
			c.log = l
		}
		return nil
	}
}

// WithTimeouts sets the engine call timeouts; zero fields keep their
// defaults (see Timeouts).
func WithTimeouts(t Timeouts) Option {
	return func(c *config) error {
		c.timeouts = t
		return nil
	}
}

// WithPullBehavior sets the image pull behaviour used by EnsureImage; the
// default is runtime.PullDefault.
func WithPullBehavior(b runtime.PullBehavior) Option {
	return func(c *config) error {
		c.pull = runtime.ParsePullBehavior(string(b))
		return nil
	}
}

// New returns a Runtime for one engine. It does not contact the engine:
// the API version is negotiated on the first call (or by Ping).
func New(opts ...Option) (*Runtime, error) {
	c := config{fromEnv: true, log: slog.New(slog.DiscardHandler), pull: runtime.PullDefault}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	copts, err := c.clientOptions()
	if err != nil {
		return nil, err
	}
	cli, err := client.New(copts...)
	if err != nil {
		return nil, fmt.Errorf("docker: new client: %w", err)
	}
	r := &Runtime{
		cli:      cli,
		log:      c.log,
		timeouts: c.timeouts.withDefaults(),
		pull:     c.pull,
	}
	r.subscribe = r.engineSubscribe
	return r, nil
}

// clientOptions turns the configuration into the moby client's options:
// TLS first, then the host, which configures the chosen transport.
func (c config) clientOptions() ([]client.Opt, error) {
	var copts []client.Opt
	if c.fromEnv {
		// Not client.FromEnv: DOCKER_API_VERSION would turn negotiation off.
		copts = append(copts, client.WithTLSClientConfigFromEnv())
		if os.Getenv(client.EnvOverrideCertPath) == "" && os.Getenv(client.EnvTLSVerify) != "" && c.tlsFiles == nil {
			// Like the docker CLI: verified TLS with the certificates in
			// ~/.docker.
			home, err := os.UserHomeDir()
			if err != nil {
				return nil, fmt.Errorf("docker: %s without %s: %w", client.EnvTLSVerify, client.EnvOverrideCertPath, err)
			}
			dir := filepath.Join(home, ".docker")
			c.tlsFiles = &[3]string{filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")}
		}
	}
	switch {
	case c.tlsConfig != nil:
		copts = append(copts, client.WithHTTPClient(&http.Client{
			Transport:     &http.Transport{TLSClientConfig: c.tlsConfig},
			CheckRedirect: client.CheckRedirect,
		}))
	case c.tlsFiles != nil:
		copts = append(copts, client.WithTLSClientConfig(c.tlsFiles[0], c.tlsFiles[1], c.tlsFiles[2]))
	}
	switch host := os.Getenv(client.EnvOverrideHost); {
	case c.host != "":
		copts = append(copts, client.WithHost(c.host))
	case c.fromEnv && host != "":
		copts = append(copts, client.WithHost(host))
	default:
		copts = append(copts, client.WithHost(client.DefaultDockerHost))
	}
	return copts, nil
}

// Host returns the engine address this Runtime talks to.
func (r *Runtime) Host() string { return r.cli.DaemonHost() }

// Close releases the client's connections.
func (r *Runtime) Close() error { return r.cli.Close() }

// Ping checks that the engine answers and negotiates the API version.
func (r *Runtime) Ping(ctx context.Context) error {
	ctx, cancel := bounded(ctx, "ping", r.timeouts.Ping)
	defer cancel()
	_, err := r.cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
	return wrap(ctx, "ping", err)
}

// EnsureImage makes image available under the configured pull behaviour
// (WithPullBehavior); see runtime.EnsureImage.
func (r *Runtime) EnsureImage(ctx context.Context, image string, pulledBefore func(string) bool) error {
	return runtime.EnsureImage(ctx, r, image, r.pull, pulledBefore)
}

// PullBehavior returns the configured pull behaviour.
func (r *Runtime) PullBehavior() runtime.PullBehavior { return r.pull }
