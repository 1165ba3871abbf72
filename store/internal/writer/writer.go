// Package writer is the one-writer-at-a-time gate of the local stores
// (store/memory and store/bolt): an Update waits for its turn or for its
// context, and Close waits for the running Update, then shuts the gate for
// good.
package writer

import (
	"context"
	"sync/atomic"

	"github.com/ecskit/ecs/store"
)

// Gate admits one writer at a time. The zero Gate is not usable; call New.
type Gate struct {
	slot   chan struct{}
	closed atomic.Bool
}

// New returns an open gate.
func New() *Gate { return &Gate{slot: make(chan struct{}, 1)} }

// Enter waits for the writer slot. It returns the function that gives the
// slot back, or ctx's error, or store.ErrClosed once the gate is closed.
func (g *Gate) Enter(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if g.closed.Load() {
		return nil, store.ErrClosed
	}
	select {
	case g.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if g.closed.Load() {
		<-g.slot
		return nil, store.ErrClosed
	}
	return func() { <-g.slot }, nil
}

// Close waits for the running writer, if any, and closes the gate.
func (g *Gate) Close() {
	g.slot <- struct{}{}
	g.closed.Store(true)
	<-g.slot
}

// Closed reports whether Close was called.
func (g *Gate) Closed() bool { return g.closed.Load() }
