package agent

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/ecskit/ecs/types"
)

// batcher coalesces the state changes of an agent's tasks: each task
// goroutine hands its change to submit and waits for the answer; the first
// one in becomes the flusher and sends everything queued, in batches of up
// to types.MaxTaskStateChanges, until the queue is empty. Changes that come
// in while a batch is on its way ride in the next one, so tasks that
// change together cost the control plane one transaction, and a lone
// change waits for nothing.
type batcher struct {
	mu       sync.Mutex
	queue    []*pendingChange
	flushing bool
	// single is set once the control plane turned the batch call down as
	// an unknown operation (an older ecsd): changes then go one by one.
	single atomic.Bool
}

type pendingChange struct {
	in   *types.SubmitTaskStateChangeInput
	done chan error // buffered: the flusher never waits
}

// submit reports one task state change and returns once the control plane
// acknowledged (nil) or refused it.
func (a *Agent) submit(ctx context.Context, in *types.SubmitTaskStateChangeInput) error {
	b := &a.batch
	p := &pendingChange{in: in, done: make(chan error, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, p)
	if b.flushing {
		b.mu.Unlock()
		select {
		case err := <-p.done:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	b.flushing = true
	for len(b.queue) > 0 {
		n := min(len(b.queue), types.MaxTaskStateChanges)
		batch := b.queue[:n:n]
		b.queue = append([]*pendingChange(nil), b.queue[n:]...)
		b.mu.Unlock()
		a.flush(ctx, batch)
		b.mu.Lock()
	}
	b.flushing = false
	b.mu.Unlock()
	return <-p.done
}

// flush sends one batch and answers each of its changes.
func (a *Agent) flush(ctx context.Context, batch []*pendingChange) {
	cp := a.cfg.ControlPlane
	if !a.batch.single.Load() {
		in := &types.SubmitTaskStateChangesInput{Cluster: a.cfg.Cluster}
		for _, p := range batch {
			in.Changes = append(in.Changes, *p.in)
		}
		out, err := cp.SubmitTaskStateChanges(ctx, in)
		var e *types.Error
		if !errors.As(err, &e) || e.Code != "UnknownOperationException" {
			failed := map[string]error{}
			if err == nil {
				for _, f := range out.Failures {
					failed[f.Arn] = &types.Error{Code: types.Code(f.Reason), Message: f.Detail}
				}
			}
			for _, p := range batch {
				if err != nil {
					p.done <- err
				} else {
					p.done <- failed[p.in.Task]
				}
			}
			return
		}
		a.batch.single.Store(true)
	}
	for _, p := range batch {
		_, err := cp.SubmitTaskStateChange(ctx, p.in)
		p.done <- err
	}
}
