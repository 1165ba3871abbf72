// Package election decides which of several control-plane replicas acts.
//
// The contract of an Elector:
//
//   - Lead blocks until this process leads, or ctx ends, and returns a
//     leader context. At most one process leads at a time, up to the
//     safety margin of the implementation (for etcd: while a lease
//     keepalive round trip stays under about a sixth of the lease TTL).
//   - The leader context is cancelled the moment leadership is lost (lease
//     expired, session closed, key deleted), when ctx ends, and when the
//     Elector is closed. context.Cause then matches ErrLost, the ctx's
//     error, or ErrClosed. A replica must stop acting as leader as soon as
//     the leader context is done; it may call Lead again to campaign anew.
//   - Lead called while this process already leads returns at once, with a
//     new leader context for the same term.
//   - Close gives leadership up at once (others need not wait for a lease
//     to expire) and makes later calls fail with ErrClosed.
//
// Leadership is an optimisation, not the guard of correctness: two
// replicas that briefly both believe they lead still cannot corrupt state,
// because every write is a compare-and-swap transaction in the store.
//
// Always is the Elector for a single process; package election/etcd
// elects through etcd.
package election

import (
	"context"
	"errors"
	"sync"
)

var (
	// ErrLost is the cause of a leader context whose leadership ended.
	ErrLost = errors.New("election: leadership lost")
	// ErrClosed is returned by Lead after Close, and is the cause of the
	// leader contexts that Close ended.
	ErrClosed = errors.New("election: closed")
)

// Elector elects one leader among the processes that share it.
type Elector interface {
	// Lead blocks until this process is leader or ctx ends; the returned
	// context is cancelled the moment leadership is lost.
	Lead(ctx context.Context) (leaderCtx context.Context, err error)
	// Close gives up leadership and releases the Elector.
	Close() error
}

// Always returns an Elector for a process that is alone: Lead returns at
// once, and its leader context ends only with ctx or Close.
func Always() Elector {
	life, cancel := context.WithCancelCause(context.Background())
	return &always{life: life, cancel: cancel}
}

type always struct {
	life   context.Context
	cancel context.CancelCauseFunc
	once   sync.Once
}

func (a *always) Lead(ctx context.Context) (context.Context, error) {
	if a.life.Err() != nil {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return Within(ctx, a.life), nil
}

func (a *always) Close() error {
	a.once.Do(func() { a.cancel(ErrClosed) })
	return nil
}

// Within returns a child of ctx that also ends when term ends, with term's
// cause. Elector implementations use it to hand out leader contexts.
func Within(ctx, term context.Context) context.Context {
	child, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(term, func() { cancel(context.Cause(term)) })
	context.AfterFunc(child, func() { stop() })
	return child
}
