package etcd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/ecskit/ecs/store"
)

// watcher relays one etcd watch. Its goroutine is the only sender on
// events and closes it when the watch ends, after setting err.
type watcher struct {
	events chan store.Event
	mu     sync.Mutex
	err    error
}

// Events delivers changes in revision order.
func (w *watcher) Events() <-chan store.Event { return w.events }

// Err reports why the watch ended; nil while it runs and after its context
// was cancelled.
func (w *watcher) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Watch streams changes under prefix made after afterRevision, from an
// etcd watch that starts at afterRevision+1.
func (s *Store) Watch(ctx context.Context, prefix string, afterRevision int64) (store.Watcher, error) {
	wctx, done, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	// Require a leader so that a member cut off from the cluster ends
	// the watch instead of going silent.
	ch := s.client.Watch(clientv3.WithRequireLeader(wctx), s.prefix+prefix,
		clientv3.WithPrefix(), clientv3.WithRev(max(afterRevision+1, 1)))
	w := &watcher{events: make(chan store.Event)}
	s.watchers.Add(1)
	go func() {
		defer s.watchers.Done()
		defer done()
		err := s.relay(wctx, ch, w.events)
		w.mu.Lock()
		w.err = err
		w.mu.Unlock()
		close(w.events)
	}()
	return w, nil
}

// relay forwards events from ch to out until the watch ends, and returns
// why: nil when the caller's context ended, store.ErrClosed after Close,
// store.ErrCompacted, or etcd's error.
func (s *Store) relay(ctx context.Context, ch clientv3.WatchChan, out chan<- store.Event) error {
	ended := func() error {
		if errors.Is(context.Cause(ctx), store.ErrClosed) {
			return store.ErrClosed
		}
		return nil
	}
	for {
		var wr clientv3.WatchResponse
		var ok bool
		select {
		case wr, ok = <-ch:
		case <-ctx.Done():
			return ended()
		}
		switch {
		case ctx.Err() != nil:
			return ended()
		case !ok:
			return errors.New("store/etcd: watch ended: the etcd client was closed")
		case wr.CompactRevision != 0:
			return fmt.Errorf("store/etcd: watch from a revision compacted at %d: %w", wr.CompactRevision, store.ErrCompacted)
		case wr.Err() != nil:
			if errors.Is(wr.Err(), rpctypes.ErrCompacted) {
				return fmt.Errorf("store/etcd: %w: %w", store.ErrCompacted, wr.Err())
			}
			return fmt.Errorf("store/etcd: watch: %w", wr.Err())
		case wr.Canceled:
			return errors.New("store/etcd: watch cancelled by etcd")
		}
		for _, ev := range wr.Events {
			select {
			case out <- s.event(ev):
			case <-ctx.Done():
				return ended()
			}
		}
	}
}

// event converts an etcd event. A delete's ModRevision is the revision of
// the delete.
func (s *Store) event(ev *clientv3.Event) store.Event {
	rec := store.Record{Key: strings.TrimPrefix(string(ev.Kv.Key), s.prefix), Version: ev.Kv.ModRevision}
	typ := store.EventPut
	if ev.Type == mvccpb.DELETE {
		typ = store.EventDelete
	} else {
		rec.Value = clone(ev.Kv.Value)
	}
	return store.Event{Type: typ, Record: rec, Revision: ev.Kv.ModRevision}
}
