package runtime

import (
	"context"
	"time"
)

// LogLine is one line a container wrote, without its newline.
type LogLine struct {
	Time   time.Time
	Stderr bool
	Text   string
}

// LogStreamer is implemented by runtimes that can follow a container's
// output (both of ecskit's do). It is a separate interface so that
// runtimes written before it keep satisfying Runtime.
type LogStreamer interface {
	// StreamLogs calls fn with each line the container writes, from its
	// first, until its output ends (the container exited) or ctx is done.
	// fn is called from one goroutine at a time; when fn blocks, reading
	// stops, which is how a blocking log driver pushes back.
	StreamLogs(ctx context.Context, id string, fn func(LogLine)) error
}
