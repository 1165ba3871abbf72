package docker

import (
	"testing"
	"time"

	"github.com/ecskit/ecs/runtime"
)

func TestLineWriterSplitsTimestampedLines(t *testing.T) {
	var got []runtime.LogLine
	w := &lineWriter{fn: func(l runtime.LogLine) { got = append(got, l) }, stderr: true}
	_, _ = w.Write([]byte("2026-01-02T03:04:05.123456789Z hello wor"))
	_, _ = w.Write([]byte("ld\r\n2026-01-02T03:04:06Z \nno-timestamp"))
	w.flush()
	if len(got) != 3 {
		t.Fatalf("got %d lines: %+v", len(got), got)
	}
	if got[0].Text != "hello world" || !got[0].Time.Equal(time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)) || !got[0].Stderr {
		t.Errorf("line 0: %+v", got[0])
	}
	if got[1].Text != "" || got[2].Text != "no-timestamp" {
		t.Errorf("lines 1-2: %+v", got[1:])
	}
}
