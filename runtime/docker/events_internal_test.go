package docker

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/events"

	"github.com/ecskit/ecs/runtime"
)

// scriptedEngine plays one script per subscription and records the since
// values it was asked for.
type scriptedEngine struct {
	mu      sync.Mutex
	sinces  []string
	scripts []func(ctx context.Context, msgs chan<- events.Message, errs chan<- error)
}

func (e *scriptedEngine) subscribe(ctx context.Context, since string) (<-chan events.Message, <-chan error) {
	e.mu.Lock()
	n := len(e.sinces)
	e.sinces = append(e.sinces, since)
	e.mu.Unlock()
	msgs, errs := make(chan events.Message), make(chan error, 1)
	if n >= len(e.scripts) {
		return msgs, errs // silent until ctx ends, like a quiet engine
	}
	go e.scripts[n](ctx, msgs, errs)
	return msgs, errs
}

func msg(action events.Action, id string, nano int64) events.Message {
	return events.Message{
		Type:     events.ContainerEventType,
		Action:   action,
		Actor:    events.Actor{ID: id, Attributes: map[string]string{"app": "x", "name": "n", "image": "i"}},
		TimeNano: nano,
	}
}

func TestEventsResubscribe(t *testing.T) {
	down := errors.New("connection refused")
	e := &scriptedEngine{}
	e.scripts = []func(context.Context, chan<- events.Message, chan<- error){
		// 1: the engine is down.
		func(_ context.Context, _ chan<- events.Message, errs chan<- error) { errs <- down },
		// 2: two events, then the engine restarts.
		func(ctx context.Context, msgs chan<- events.Message, errs chan<- error) {
			msgs <- msg(events.ActionCreate, "c1", 100)
			msgs <- msg(events.ActionExecStart, "c1", 150) // not reported
			msgs <- msg(events.ActionStart, "c1", 200)
			errs <- io.ErrUnexpectedEOF
		},
		// 3: the replay from the last event, and more.
		func(ctx context.Context, msgs chan<- events.Message, errs chan<- error) {
			msgs <- msg(events.ActionStart, "c1", 200)
			msgs <- msg("health_status: healthy", "c1", 300)
			msgs <- msg(events.ActionDie, "c1", 400)
		},
	}
	r := &Runtime{
		log:       slog.New(slog.DiscardHandler),
		timeouts:  Timeouts{EventsBackoffMin: time.Millisecond, EventsBackoffMax: 5 * time.Millisecond}.withDefaults(),
		subscribe: e.subscribe,
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	before := engineTimestamp(time.Now())
	ch, err := r.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	after := engineTimestamp(time.Now())
	want := []runtime.EventType{runtime.EventCreate, runtime.EventStart, runtime.EventStart, runtime.EventHealth, runtime.EventDie}
	for i, w := range want {
		ev := <-ch
		if ev.Type != w || ev.ContainerID != "c1" {
			t.Fatalf("event %d = %+v, want %s of c1", i, ev, w)
		}
		if ev.Labels["app"] != "x" || ev.Labels["name"] != "" || ev.Labels["image"] != "" {
			t.Errorf("event %d labels = %v, want the container's labels only", i, ev.Labels)
		}
		if ev.Time.IsZero() {
			t.Errorf("event %d has no time", i)
		}
	}
	e.mu.Lock()
	sinces := append([]string(nil), e.sinces...)
	e.mu.Unlock()
	if len(sinces) != 3 {
		t.Fatalf("subscriptions = %d, want 3", len(sinces))
	}
	if sinces[0] < before || sinces[0] > after || sinces[1] != sinces[0] {
		t.Errorf("first subscriptions asked since %q and %q, want the time Events was called, twice", sinces[0], sinces[1])
	}
	if want := engineTimestamp(time.Unix(0, 200)); sinces[2] != want {
		t.Errorf("resubscription after a break asked since %s, want the last event's time %s", sinces[2], want)
	}

	cancel()
	for range ch {
	}
}

func TestEventsClosesOnlyWhenContextEnds(t *testing.T) {
	e := &scriptedEngine{}
	fail := func(_ context.Context, _ chan<- events.Message, errs chan<- error) { errs <- errors.New("down") }
	for range 20 {
		e.scripts = append(e.scripts, fail)
	}
	r := &Runtime{
		log:       slog.New(slog.DiscardHandler),
		timeouts:  Timeouts{EventsBackoffMin: time.Millisecond, EventsBackoffMax: time.Millisecond}.withDefaults(),
		subscribe: e.subscribe,
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch, _ := r.Events(ctx)
	// Wait until every scripted failure has been consumed: the stream kept
	// resubscribing instead of closing.
	for {
		e.mu.Lock()
		n := len(e.sinces)
		e.mu.Unlock()
		if n > len(e.scripts) {
			break
		}
		select {
		case _, ok := <-ch:
			if !ok {
				t.Fatal("channel closed before ctx was done")
			}
		case <-time.After(time.Millisecond):
		}
	}
	cancel()
	for range ch {
	}
}

func TestRuntimeEventFilters(t *testing.T) {
	for _, tc := range []struct {
		m    events.Message
		want runtime.EventType
		ok   bool
	}{
		{msg(events.ActionCreate, "c", 1), runtime.EventCreate, true},
		{msg(events.ActionOOM, "c", 1), runtime.EventOOM, true},
		{msg(events.ActionDestroy, "c", 1), runtime.EventDestroy, true},
		{msg("health_status: unhealthy", "c", 1), runtime.EventHealth, true},
		{msg(events.ActionKill, "c", 1), "", false},
		{msg("exec_start: /app health", "c", 1), "", false},
		{events.Message{Type: events.ImageEventType, Action: events.ActionCreate, Actor: events.Actor{ID: "i"}}, "", false},
	} {
		ev, ok := runtimeEvent(tc.m)
		if ok != tc.ok || ev.Type != tc.want {
			t.Errorf("runtimeEvent(%s %s) = %q, %v; want %q, %v", tc.m.Type, tc.m.Action, ev.Type, ok, tc.want, tc.ok)
		}
	}
}
