package election_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ecskit/ecs/election"
)

func TestAlways(t *testing.T) {
	e := election.Always()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	first, err := e.Lead(ctx)
	if err != nil {
		t.Fatalf("Lead: %v", err)
	}
	second, err := e.Lead(context.Background())
	if err != nil {
		t.Fatalf("second Lead: %v", err)
	}
	if first.Err() != nil || second.Err() != nil {
		t.Fatal("a leader context is done while leading")
	}

	cancel()
	<-first.Done()
	if !errors.Is(context.Cause(first), context.Canceled) {
		t.Fatalf("cause after ctx ended: %v", context.Cause(first))
	}
	if second.Err() != nil {
		t.Fatal("ending one caller's ctx ended another's leader context")
	}

	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	<-second.Done()
	if !errors.Is(context.Cause(second), election.ErrClosed) {
		t.Fatalf("cause after Close: %v", context.Cause(second))
	}
	if _, err := e.Lead(context.Background()); !errors.Is(err, election.ErrClosed) {
		t.Fatalf("Lead after Close: %v, want ErrClosed", err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestAlwaysDoneContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := election.Always().Lead(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Lead with a done ctx: %v", err)
	}
}
