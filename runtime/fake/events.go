package fake

import (
	"context"

	"github.com/ecskit/ecs/runtime"
)

// subscriber is one Events stream: an unbounded queue drained by a
// forwarding goroutine, so emitting never blocks the engine.
type subscriber struct {
	queue  []runtime.Event
	notify chan struct{} // capacity 1
}

// Events streams container events until ctx is done or the runtime is
// closed; the channel is then closed. Events lost in an engine restart are
// never delivered; the stream itself survives the restart.
func (r *Runtime) Events(ctx context.Context) (<-chan runtime.Event, error) {
	if err := r.check(ctx); err != nil {
		return nil, err
	}
	s := &subscriber{notify: make(chan struct{}, 1)}
	r.mu.Lock()
	r.subs[s] = struct{}{}
	r.mu.Unlock()
	out := make(chan runtime.Event)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(out)
		defer func() {
			r.mu.Lock()
			delete(r.subs, s)
			r.mu.Unlock()
		}()
		for {
			r.mu.Lock()
			var ev runtime.Event
			have := len(s.queue) > 0
			if have {
				ev = s.queue[0]
				s.queue = s.queue[1:]
			}
			r.mu.Unlock()
			if !have {
				select {
				case <-ctx.Done():
					return
				case <-r.done:
					return
				case <-s.notify:
					continue
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-r.done:
				return
			case out <- ev:
			}
		}
	}()
	return out, nil
}

// emit queues an event for every subscriber; r.mu is held.
func (r *Runtime) emit(t runtime.EventType, c *container) {
	if r.muted {
		return
	}
	ev := runtime.Event{Type: t, ContainerID: c.status.ID, Labels: c.labels.toMap(), Time: r.clk.Now()}
	for s := range r.subs {
		s.queue = append(s.queue, ev)
		select {
		case s.notify <- struct{}{}:
		default:
		}
	}
}
