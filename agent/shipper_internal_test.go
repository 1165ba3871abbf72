package agent

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/logs"
	"github.com/ecskit/ecs/runtime"
)

// stuckSink never answers until released.
type stuckSink struct {
	release chan struct{}
	mu      sync.Mutex
	got     []logs.InputLogEvent
}

func (s *stuckSink) EnsureStream(context.Context, string, string, bool) error { return nil }

func (s *stuckSink) PutEvents(ctx context.Context, _, _ string, evs []logs.InputLogEvent) error {
	select {
	case <-s.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	s.got = append(s.got, evs...)
	s.mu.Unlock()
	return nil
}

func TestShipperNonBlockingNeverWaits(t *testing.T) {
	sink := &stuckSink{release: make(chan struct{})}
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	sh := newShipper(sink, "g", "s", &logs.AWSLogsConfig{Mode: logs.ModeNonBlocking, MaxBufferSize: 10 * (100 + logs.EventOverhead)}, clk, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		// The sink is stuck; a writer of 1,000 lines must not wait for it.
		for i := range 1000 {
			sh.add(ctx, runtime.LogLine{Time: clk.Now(), Text: fmt.Sprintf("%03d-%096d", i, 0)})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("a non-blocking writer waited")
	}
	sh.mu.Lock()
	n, first, dropped := len(sh.buf), sh.buf[0].Message[:3], sh.dropped
	sh.mu.Unlock()
	if n != 10 || first != "990" || dropped != 990 {
		t.Errorf("buffer holds %d lines from %s (dropped %d); want the newest 10 from 990", n, first, dropped)
	}
	close(sink.release)
	sh.flush(ctx)
	if len(sink.got) != 10 || sink.got[9].Message[:3] != "999" {
		t.Errorf("shipped %d lines", len(sink.got))
	}
}

func TestShipperBlockingWaitsForRoom(t *testing.T) {
	sink := &stuckSink{release: make(chan struct{})}
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	sh := newShipper(sink, "g", "s", &logs.AWSLogsConfig{Mode: logs.ModeBlocking, MaxBufferSize: 3 * (10 + logs.EventOverhead)}, clk, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wrote := make(chan int, 10)
	go func() {
		for i := range 6 {
			sh.add(ctx, runtime.LogLine{Time: clk.Now(), Text: fmt.Sprintf("line-%04d", i)})
			wrote <- i
		}
	}()
	for i := range 3 {
		if got := <-wrote; got != i {
			t.Fatalf("wrote %d", got)
		}
	}
	select {
	case i := <-wrote:
		t.Fatalf("line %d was buffered past max-buffer-size in blocking mode", i)
	case <-time.After(50 * time.Millisecond):
	}
	flushed := make(chan struct{})
	go func() { sh.flush(ctx); close(flushed) }()
	close(sink.release)
	<-flushed
	for i := 3; i < 6; i++ {
		select {
		case <-wrote:
		case <-time.After(20 * time.Second):
			t.Fatal("the writer was not let go after a flush")
		}
	}
	sh.flush(ctx)
	if len(sink.got) != 6 {
		t.Errorf("shipped %d lines, want all 6", len(sink.got))
	}
}

func TestShipperSplitsLongLinesAndSkipsEmptyOnes(t *testing.T) {
	sink := &stuckSink{release: make(chan struct{})}
	close(sink.release)
	sh := newShipper(sink, "g", "s", &logs.AWSLogsConfig{Mode: logs.ModeNonBlocking, MaxBufferSize: 8 << 20}, clock.Real(), slog.New(slog.DiscardHandler))
	now := time.Now()
	sh.add(context.Background(), runtime.LogLine{Time: now, Text: ""})
	long := make([]byte, maxMessageBytes+10)
	for i := range long {
		long[i] = 'x'
	}
	sh.add(context.Background(), runtime.LogLine{Time: now, Text: string(long)})
	sh.flush(context.Background())
	if len(sink.got) != 2 || len(sink.got[0].Message) != maxMessageBytes || len(sink.got[1].Message) != 10 {
		t.Errorf("got %d events", len(sink.got))
	}
}
