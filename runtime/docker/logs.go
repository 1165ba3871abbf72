package docker

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"time"

	"github.com/ecskit/ecs/runtime"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// StreamLogs implements runtime.LogStreamer by following the engine's log
// of the container (its log driver must be readable: json-file, local or
// journald, as the engine default for AWS drivers is). Lines come with the
// engine's timestamps. A container with a TTY is not supported: its
// stream is not multiplexed.
func (r *Runtime) StreamLogs(ctx context.Context, id string, fn func(runtime.LogLine)) error {
	rc, err := r.cli.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: true, Timestamps: true})
	if err != nil {
		return wrap(ctx, "logs of container "+id, err)
	}
	defer rc.Close()
	out, errw := &lineWriter{fn: fn}, &lineWriter{fn: fn, stderr: true}
	_, err = stdcopy.StdCopy(out, errw, rc)
	out.flush()
	errw.flush()
	if err != nil && ctx.Err() == nil && !errors.Is(err, context.Canceled) {
		return wrap(ctx, "logs of container "+id, err)
	}
	return nil
}

// lineWriter splits the engine's "<RFC 3339 time> <text>\n" lines.
type lineWriter struct {
	fn     func(runtime.LogLine)
	stderr bool
	buf    []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.emit(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.emit(string(w.buf))
		w.buf = nil
	}
}

func (w *lineWriter) emit(s string) {
	line := runtime.LogLine{Stderr: w.stderr, Text: s, Time: time.Now()}
	if ts, text, ok := strings.Cut(s, " "); ok {
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			line.Time, line.Text = t, text
		}
	}
	line.Text = strings.TrimSuffix(line.Text, "\r")
	w.fn(line)
}
