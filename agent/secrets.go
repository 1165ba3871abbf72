package agent

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/ecskit/ecs/secrets"
	"github.com/ecskit/ecs/types"
)

// secretsTimeout bounds the resolution of one secret.
const secretsTimeout = 30 * time.Second

var errNoSecretsProvider = errors.New("no secrets provider is configured on this container instance")

// resolveSecrets resolves, once, the secrets and log secretOptions of the
// containers still to be created, through Config.Secrets. A secret that
// cannot be resolved stops the task with ECS's reason before any of its
// containers starts. It reports whether the task may go on. Values are
// kept in memory only, never logged or reported.
func (t *task) resolveSecrets(ctx context.Context) bool {
	if t.secretsOK {
		return true
	}
	p := t.a.cfg.Secrets
	for _, c := range t.containers {
		if c.known >= StatusCreated {
			continue
		}
		env, opts, ok := t.resolveContainer(ctx, p, c)
		if !ok {
			return false
		}
		c.secretEnv, c.secretLogOptions = env, opts
	}
	t.secretsOK = true
	return true
}

func (t *task) resolveContainer(ctx context.Context, p secrets.Provider, c *container) ([]string, map[string]string, bool) {
	var env []string
	var opts map[string]string
	get := func(s types.Secret) (string, bool) {
		err := errNoSecretsProvider
		v := ""
		if p != nil {
			rctx, cancel := context.WithTimeout(ctx, secretsTimeout)
			v, err = p.Resolve(rctx, s.ValueFrom)
			cancel()
		}
		if err != nil {
			t.a.log.Warn("agent: a secret of the task cannot be resolved", "task", t.arn, "container", c.name, "secret", s.Name, "valueFrom", s.ValueFrom, "err", err)
			t.stop(types.StopCodeTaskFailedToStart, secrets.StoppedReason(s.ValueFrom, err))
			return "", false
		}
		return v, true
	}
	for _, s := range c.def.Secrets {
		v, ok := get(s)
		if !ok {
			return nil, nil, false
		}
		env = append(env, s.Name+"="+v)
	}
	if lc := c.def.LogConfiguration; lc != nil {
		for _, s := range lc.SecretOptions {
			v, ok := get(s)
			if !ok {
				return nil, nil, false
			}
			if opts == nil {
				opts = map[string]string{}
			}
			opts[s.Name] = v
		}
	}
	return env, opts, true
}

// withSecretOptions merges resolved log secretOptions into a copy of the
// driver's options.
func withSecretOptions(options, secretOpts map[string]string) map[string]string {
	if len(secretOpts) == 0 {
		return options
	}
	out := maps.Clone(options)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, secretOpts)
	return out
}
