package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/ecskit/ecs/ecsapi"
	"github.com/ecskit/ecs/logs"
	"github.com/ecskit/ecs/secrets"
)

// logsSweepInterval is how often expired log events are dropped.
const logsSweepInterval = time.Minute

// routedHandler is an API served beside ECS's on the same listener,
// chosen by the request's X-Amz-Target.
type routedHandler interface {
	http.Handler
	Matches(r *http.Request) bool
}

// route sends each request to the side API it names, else to ECS's.
func route(ecsHandler http.Handler, side []routedHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, h := range side {
			if h.Matches(r) {
				h.ServeHTTP(w, r)
				return
			}
		}
		ecsHandler.ServeHTTP(w, r)
	})
}

// sideAPIs are the CloudWatch Logs, SSM and Secrets Manager APIs ecsd
// serves next to ECS, with the same keys, and the stores behind them,
// which ecsd's own agents use in process.
type sideAPIs struct {
	logs     *logs.Store
	secrets  *secrets.Store
	handlers []routedHandler
	close    func()
}

func openSideAPIs(ctx context.Context, cfg config, keys map[string]string, log *slog.Logger) (*sideAPIs, error) {
	lopts := []logs.Option{logs.WithRegion(cfg.region), logs.WithAccount(cfg.account), logs.WithLogger(log),
		logs.WithRetention(cfg.logsRetention), logs.WithMaxStreamBytes(cfg.logsMaxBytes)}
	ls := logs.NewMemory(lopts...)
	if cfg.logsFile != "" {
		var err error
		if ls, err = logs.OpenBolt(cfg.logsFile, lopts...); err != nil {
			return nil, err
		}
	}
	ss := secrets.NewStore(secrets.WithRegion(cfg.region), secrets.WithAccount(cfg.account), secrets.WithLogger(log))
	var lh []logs.HandlerOption
	var sh []secrets.HandlerOption
	if keys != nil {
		auth := ecsapi.NewAuthenticator(keys, cfg.region, nil)
		lh = append(lh, logs.WithAuthenticator(auth))
		sh = append(sh, secrets.WithAuthenticator(auth))
	}
	lh = append(lh, logs.WithHandlerLogger(log))
	sh = append(sh, secrets.WithHandlerLogger(log))
	sctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(logsSweepInterval)
		defer t.Stop()
		for {
			select {
			case <-sctx.Done():
				return
			case <-t.C:
				if err := ls.Sweep(); err != nil {
					log.Warn("logs: sweep", "err", err)
				}
			}
		}
	}()
	return &sideAPIs{
		logs: ls, secrets: ss,
		handlers: []routedHandler{logs.NewHandler(ls, lh...), secrets.NewHandler(ss, sh...)},
		close: func() {
			stop()
			<-done
			if err := ls.Close(); err != nil {
				log.Warn("logs: close", "err", err)
			}
		},
	}, nil
}
