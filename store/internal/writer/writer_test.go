package writer

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ecskit/ecs/store"
)

func TestGate(t *testing.T) {
	g := New()
	release, err := g.Enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// A second writer waits; its context ends first.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := g.Enter(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second writer: %v, want DeadlineExceeded", err)
	}
	closed := make(chan struct{})
	go func() { g.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a writer held the slot")
	case <-time.After(20 * time.Millisecond):
	}
	release()
	<-closed
	if !g.Closed() {
		t.Fatal("Closed is false after Close")
	}
	if _, err := g.Enter(context.Background()); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("after Close: %v, want ErrClosed", err)
	}
}
