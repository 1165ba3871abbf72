package docker

import (
	"context"
	"fmt"
	"time"
)

// Timeouts bounds every call to the engine. Each engine call runs under
// the caller's context and the named timeout below, whichever ends first.
// A call that runs out of its own time fails with an error that matches
// context.DeadlineExceeded and names the call (the agent reports it as a
// DockerTimeoutError).
//
//	call          default   why
//	Ping          10 s      version negotiation; also how long Events waits for its first subscription
//	Info          10 s      host facts for registration
//	Create        4 min     ECS_CONTAINER_CREATE_TIMEOUT default
//	Start         3 min     ECS_CONTAINER_START_TIMEOUT default
//	StopMargin    2 min     added to the stop timeout: the engine waits that long before SIGKILL
//	Inspect       30 s      one container's state
//	Remove        5 min     force removal kills, unmounts and deletes layers
//	List          1 min     containers by label
//	ImageInspect  30 s      image presence
//	Pull          2 h       ECS image pull timeout
//	Build         5 min     test images only: a FROM scratch image with one file
//	RemoveImage   3 min     test image cleanup
//	Volume        5 min     volume create and remove
//
// Event subscriptions have no timeout: the stream lives as long as its
// context. When it breaks, it is resubscribed after a backoff that starts at
// EventsBackoffMin, doubles on each failure up to EventsBackoffMax and
// resets after a stream that delivered events or lasted a second.
type Timeouts struct {
	Ping         time.Duration
	Info         time.Duration
	Create       time.Duration
	Start        time.Duration
	StopMargin   time.Duration
	Inspect      time.Duration
	Remove       time.Duration
	List         time.Duration
	ImageInspect time.Duration
	Pull         time.Duration
	Build        time.Duration
	RemoveImage  time.Duration
	Volume       time.Duration

	EventsBackoffMin time.Duration
	EventsBackoffMax time.Duration
}

// DefaultTimeouts returns the timeouts in the table of Timeouts.
func DefaultTimeouts() Timeouts {
	return Timeouts{
		Ping:             10 * time.Second,
		Info:             10 * time.Second,
		Create:           4 * time.Minute,
		Start:            3 * time.Minute,
		StopMargin:       2 * time.Minute,
		Inspect:          30 * time.Second,
		Remove:           5 * time.Minute,
		List:             time.Minute,
		ImageInspect:     30 * time.Second,
		Pull:             2 * time.Hour,
		Build:            5 * time.Minute,
		RemoveImage:      3 * time.Minute,
		Volume:           5 * time.Minute,
		EventsBackoffMin: 250 * time.Millisecond,
		EventsBackoffMax: 30 * time.Second,
	}
}

// withDefaults returns t with every zero field set to its default.
func (t Timeouts) withDefaults() Timeouts {
	d := DefaultTimeouts()
	for _, f := range []struct{ v, def *time.Duration }{
		{&t.Ping, &d.Ping}, {&t.Info, &d.Info}, {&t.Create, &d.Create},
		{&t.Start, &d.Start}, {&t.StopMargin, &d.StopMargin},
		{&t.Inspect, &d.Inspect}, {&t.Remove, &d.Remove}, {&t.List, &d.List},
		{&t.ImageInspect, &d.ImageInspect}, {&t.Pull, &d.Pull},
		{&t.Build, &d.Build}, {&t.RemoveImage, &d.RemoveImage},
		{&t.Volume, &d.Volume}, {&t.EventsBackoffMin, &d.EventsBackoffMin},
		{&t.EventsBackoffMax, &d.EventsBackoffMax},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	return t
}

// timeoutError is the cause of a context that ran out of a call's own time.
type timeoutError struct {
	call string
	d    time.Duration
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("%s timed out after %s", e.call, e.d)
}

func (e *timeoutError) Unwrap() error { return context.DeadlineExceeded }

// bounded derives the context of one engine call named call, limited to d.
func bounded(ctx context.Context, call string, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d, &timeoutError{call: call, d: d})
}
