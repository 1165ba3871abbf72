package docker

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"

	"github.com/ecskit/ecs/runtime"
)

// subscribeFunc opens one subscription to the engine's container events
// from since (an engine timestamp, "" for now). The subscription is
// established when it returns; it ends with one error on errs (nil errs
// value never comes). msgs is never closed.
type subscribeFunc func(ctx context.Context, since string) (msgs <-chan events.Message, errs <-chan error)

// engineSubscribe is the subscribeFunc of the real engine.
func (r *Runtime) engineSubscribe(ctx context.Context, since string) (<-chan events.Message, <-chan error) {
	f := client.Filters{}
	f.Add("type", string(events.ContainerEventType))
	res := r.cli.Events(ctx, client.EventsListOptions{Since: since, Filters: f})
	return res.Messages, res.Err
}

// eventActions are the container actions the runtime reports.
var eventActions = map[events.Action]runtime.EventType{
	events.ActionCreate:  runtime.EventCreate,
	events.ActionStart:   runtime.EventStart,
	events.ActionDie:     runtime.EventDie,
	events.ActionOOM:     runtime.EventOOM,
	events.ActionDestroy: runtime.EventDestroy,
}

// eventAttributes are the attributes the engine mixes into a container
// event's labels.
var eventAttributes = map[string]bool{"image": true, "name": true, "exitCode": true, "signal": true}

// Events streams container events (create, start, die, oom,
// health_status, destroy) until ctx is done, then closes the channel.
//
// The first subscription is made before Events returns (unless the engine
// takes longer than the Ping timeout to answer it) and asks for the events
// since the time of the call, so every event after the call is seen: the
// engine answers a subscription before it subscribes, and replays from its
// buffer what it published in between. When the stream breaks (the engine restarted or the
// connection dropped), Events resubscribes with backoff from the time of
// the last event it delivered, so events in the gap are replayed; the last
// one may be delivered twice. Event labels are the container's labels as
// the engine sends them, without the image, name, exitCode and signal
// attributes.
func (r *Runtime) Events(ctx context.Context) (<-chan runtime.Event, error) {
	out := make(chan runtime.Event, 64)
	subscribed := make(chan struct{})
	go r.pumpEvents(ctx, out, subscribed)
	t := time.NewTimer(r.timeouts.Ping)
	defer t.Stop()
	select {
	case <-subscribed:
	case <-t.C:
		r.log.Warn("docker: event subscription slow; streaming anyway", "after", r.timeouts.Ping)
	case <-ctx.Done():
	}
	return out, nil
}

// pumpEvents is the single goroutine that owns out: it subscribes,
// forwards events and resubscribes until ctx is done. It closes subscribed
// once the first subscription is made.
func (r *Runtime) pumpEvents(ctx context.Context, out chan<- runtime.Event, subscribed chan<- struct{}) {
	defer close(out)
	// The first subscription starts at this process's now (a remote
	// engine's clock may differ: ahead, a few older events are replayed;
	// behind, none are, as without since); should it break before any
	// event, the next one resumes from the same time.
	since := engineTimestamp(time.Now())
	msgs, errs := r.subscribe(ctx, since)
	close(subscribed)
	backoff := r.timeouts.EventsBackoffMin
	for {
		delivered, started := false, time.Now()
	stream:
		for {
			select {
			case <-ctx.Done():
				return
			case err := <-errs:
				if ctx.Err() != nil {
					return
				}
				r.log.Warn("docker: event stream broke; resubscribing", "err", err, "backoff", backoff)
				break stream
			case m := <-msgs:
				if m.TimeNano != 0 {
					since = engineTimestamp(time.Unix(0, m.TimeNano))
				} else if m.Time != 0 {
					since = engineTimestamp(time.Unix(m.Time, 0))
				}
				ev, ok := runtimeEvent(m)
				if !ok {
					continue
				}
				select {
				case out <- ev:
					delivered = true
				case <-ctx.Done():
					return
				}
			}
		}
		if delivered || time.Since(started) >= time.Second {
			backoff = r.timeouts.EventsBackoffMin // the stream had worked
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, r.timeouts.EventsBackoffMax)
		msgs, errs = r.subscribe(ctx, since)
	}
}

// runtimeEvent maps an engine message; ok is false for messages the
// runtime does not report.
func runtimeEvent(m events.Message) (runtime.Event, bool) {
	if m.Type != events.ContainerEventType || m.Actor.ID == "" {
		return runtime.Event{}, false
	}
	typ, ok := eventActions[m.Action]
	if !ok {
		// "health_status: healthy" and friends.
		if !strings.HasPrefix(string(m.Action), string(events.ActionHealthStatus)) {
			return runtime.Event{}, false
		}
		typ = runtime.EventHealth
	}
	labels := maps.Clone(m.Actor.Attributes)
	for k := range eventAttributes {
		delete(labels, k)
	}
	ev := runtime.Event{Type: typ, ContainerID: m.Actor.ID, Labels: labels}
	switch {
	case m.TimeNano != 0:
		ev.Time = time.Unix(0, m.TimeNano)
	case m.Time != 0:
		ev.Time = time.Unix(m.Time, 0)
	}
	return ev, true
}

// engineTimestamp formats t as the engine's since parameter.
func engineTimestamp(t time.Time) string {
	return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond())
}
