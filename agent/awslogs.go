package agent

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/logs"
	"github.com/ecskit/ecs/runtime"
)

// Log shipping of awslogs containers.
const (
	// logFlushInterval is how often buffered lines are shipped (on the
	// agent's clock).
	logFlushInterval = 250 * time.Millisecond
	// logCallTimeout bounds one call to the sink.
	logCallTimeout = 30 * time.Second
	// maxMessageBytes is the longest message of one event; longer lines
	// are split, as Docker's awslogs driver splits them.
	maxMessageBytes = logs.MaxEventBytes - logs.EventOverhead
)

// awslogsTarget is where a container's output goes, or nil when it does
// not use awslogs or the agent has no sink.
func (t *task) awslogsTarget(c *container) (*logs.AWSLogsConfig, error) {
	lc := c.def.LogConfiguration
	if lc == nil || lc.LogDriver != "awslogs" || t.a.cfg.Logs == nil {
		return nil, nil
	}
	cfg, err := logs.ParseAWSLogsOptions(lc.Options)
	if err != nil {
		return nil, err
	}
	return &cfg, nil
}

// taskID is the last part of the task's ARN.
func (t *task) taskID() string {
	for i := len(t.arn) - 1; i >= 0; i-- {
		if t.arn[i] == '/' {
			return t.arn[i+1:]
		}
	}
	return t.arn
}

// prepareLogStream creates the container's stream (and its group with
// awslogs-create-group) before the container starts; the error is the
// engine's, as Docker's awslogs driver fails the start.
func (t *task) prepareLogStream(ctx context.Context, cfg *logs.AWSLogsConfig, name, id string) error {
	ctx, cancel := context.WithTimeout(ctx, logCallTimeout)
	defer cancel()
	err := t.a.cfg.Logs.EnsureStream(ctx, cfg.Group, cfg.StreamName(name, t.taskID(), id), cfg.CreateGroup)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, logs.ErrResourceNotFound):
		return engineError(logDriverFailure + "ResourceNotFoundException: The specified log group does not exist.")
	}
	return engineError(logDriverFailure + err.Error())
}

// logDriverFailure starts the engine's answer when the awslogs driver
// cannot start, which ECS reports as the container's reason.
const logDriverFailure = "Error response from daemon: failed to initialize logging driver: failed to create Cloudwatch log stream: "

// engineError is an error worded exactly as the Docker engine words it.
type engineError string

func (e engineError) Error() string { return string(e) }

// followLogs ships a started container's output until it ends.
func (t *task) followLogs(ctx context.Context, c *container) {
	cfg, err := t.awslogsTarget(c)
	streamer, ok := t.a.cfg.Runtime.(runtime.LogStreamer)
	if err != nil || cfg == nil || !ok || c.id == "" {
		return
	}
	sh := newShipper(t.a.cfg.Logs, cfg.Group, cfg.StreamName(c.name, t.taskID(), c.id), cfg, t.a.clk, t.a.log)
	id := c.id
	t.a.wg.Add(2)
	done := make(chan struct{})
	go func() {
		defer t.a.wg.Done()
		defer close(done)
		if err := streamer.StreamLogs(ctx, id, func(l runtime.LogLine) { sh.add(ctx, l) }); err != nil && ctx.Err() == nil {
			t.a.log.Warn("agent: follow container output", "container", c.dockerName, "err", err)
		}
	}()
	go func() {
		defer t.a.wg.Done()
		sh.run(ctx, done)
	}()
}

// shipper buffers one container's lines and ships them in batches. In
// non-blocking mode add never waits: past maxBuffer bytes the oldest
// lines are dropped. In blocking mode add waits for room, so the reader
// (and, on engines that block, the container) waits for the sink.
type shipper struct {
	sink          logs.Sink
	group, stream string
	blocking      bool
	maxBuffer     int64
	clk           clock.Clock
	log           *slog.Logger

	mu      sync.Mutex
	buf     []logs.InputLogEvent
	bytes   int64
	dropped int
	room    chan struct{} // signalled after a flush (capacity 1)
}

func newShipper(sink logs.Sink, group, stream string, cfg *logs.AWSLogsConfig, clk clock.Clock, log *slog.Logger) *shipper {
	return &shipper{
		sink: sink, group: group, stream: stream,
		blocking: cfg.Mode == logs.ModeBlocking, maxBuffer: max(cfg.MaxBufferSize, 1),
		clk: clk, log: log, room: make(chan struct{}, 1),
	}
}

// add buffers one line (split into events of at most maxMessageBytes;
// empty lines are not sent, as CloudWatch refuses empty messages).
func (s *shipper) add(ctx context.Context, l runtime.LogLine) {
	text := l.Text
	for len(text) > 0 {
		n := min(len(text), maxMessageBytes)
		s.push(ctx, logs.InputLogEvent{Timestamp: l.Time.UnixMilli(), Message: text[:n]})
		text = text[n:]
	}
}

func (s *shipper) push(ctx context.Context, e logs.InputLogEvent) {
	size := int64(len(e.Message) + logs.EventOverhead)
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.blocking && len(s.buf) > 0 && s.bytes+size > s.maxBuffer {
		s.mu.Unlock()
		select {
		case <-s.room:
		case <-ctx.Done():
			s.mu.Lock()
			return
		}
		s.mu.Lock()
	}
	for len(s.buf) > 0 && s.bytes+size > s.maxBuffer {
		s.bytes -= int64(len(s.buf[0].Message) + logs.EventOverhead)
		s.buf = s.buf[1:]
		s.dropped++
	}
	s.buf = append(s.buf, e)
	s.bytes += size
}

// run flushes every logFlushInterval until done is closed, then once
// more.
func (s *shipper) run(ctx context.Context, done <-chan struct{}) {
	for {
		timer := s.clk.NewTimer(logFlushInterval)
		select {
		case <-ctx.Done():
			// The agent is closing: one last, short try.
			timer.Stop()
			fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			s.flush(fctx)
			cancel()
			return
		case <-done:
			timer.Stop()
			s.flush(ctx)
			return
		case <-timer.C():
			s.flush(ctx)
		}
	}
}

// flush ships what is buffered, in batches within PutLogEvents' bounds. A
// failed batch stays buffered for the next flush.
func (s *shipper) flush(ctx context.Context) {
	s.mu.Lock()
	evs := s.buf
	dropped := s.dropped
	s.buf, s.bytes, s.dropped = nil, 0, 0
	s.mu.Unlock()
	if dropped > 0 {
		s.log.Warn("agent: awslogs buffer full, oldest lines dropped", "group", s.group, "stream", s.stream, "lines", dropped)
	}
	slices.SortStableFunc(evs, func(a, b logs.InputLogEvent) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	for len(evs) > 0 {
		n, size := 0, 0
		for n < len(evs) && n < logs.MaxBatchEvents && size+len(evs[n].Message)+logs.EventOverhead <= logs.MaxBatchBytes &&
			evs[n].Timestamp-evs[0].Timestamp < 24*time.Hour.Milliseconds() {
			size += len(evs[n].Message) + logs.EventOverhead
			n++
		}
		cctx, cancel := context.WithTimeout(ctx, logCallTimeout)
		err := s.sink.PutEvents(cctx, s.group, s.stream, evs[:n])
		if errors.Is(err, logs.ErrResourceNotFound) {
			if s.sink.EnsureStream(cctx, s.group, s.stream, false) == nil {
				err = s.sink.PutEvents(cctx, s.group, s.stream, evs[:n])
			}
		}
		cancel()
		if err != nil {
			s.log.Warn("agent: ship container output", "group", s.group, "stream", s.stream, "err", err)
			s.requeue(evs)
			break
		}
		evs = evs[n:]
	}
	select {
	case s.room <- struct{}{}:
	default:
	}
}

// requeue puts unsent events back in front of newer ones, within the
// buffer's bound.
func (s *shipper) requeue(evs []logs.InputLogEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = append(slices.Clone(evs), s.buf...)
	s.bytes = 0
	for _, e := range s.buf {
		s.bytes += int64(len(e.Message) + logs.EventOverhead)
	}
	for !s.blocking && len(s.buf) > 1 && s.bytes > s.maxBuffer {
		s.bytes -= int64(len(s.buf[0].Message) + logs.EventOverhead)
		s.buf = s.buf[1:]
		s.dropped++
	}
}
