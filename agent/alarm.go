package agent

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/ecskit/ecs/clock"
)

// alarms wakes each task of the agent at the earliest time it must wake up
// by itself (its next reconcile, report retry, cleanup or dependency
// timeout), with one timer and one goroutine for the whole agent instead
// of a timer per task: a task that waits for nothing but its next
// reconcile costs no timer, and may park (see task.park).
//
// A task sets its alarm before it waits; waking a task early or twice is
// harmless, as each pass of its loop works from its whole state.
type alarms struct {
	mu    sync.Mutex
	h     alarmHeap
	armed time.Time     // when the run goroutine's timer fires (zero: no timer)
	kick  chan struct{} // capacity 1: an alarm earlier than armed was set
}

// alarmHeap orders tasks by alarm time; task.alarmAt and task.alarmIdx
// are guarded by alarms.mu.
type alarmHeap []*task

func (h alarmHeap) Len() int           { return len(h) }
func (h alarmHeap) Less(i, j int) bool { return h[i].alarmAt.Before(h[j].alarmAt) }
func (h alarmHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].alarmIdx, h[j].alarmIdx = i, j
}
func (h *alarmHeap) Push(x any) {
	t := x.(*task)
	t.alarmIdx = len(*h)
	*h = append(*h, t)
}
func (h *alarmHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.alarmIdx = -1
	return t
}

// reset forgets every alarm (a new Run starts over).
func (al *alarms) reset() {
	al.mu.Lock()
	defer al.mu.Unlock()
	for _, t := range al.h {
		t.alarmIdx = -1
	}
	al.h, al.armed = nil, time.Time{}
	if al.kick == nil {
		al.kick = make(chan struct{}, 1)
	}
	select {
	case <-al.kick:
	default:
	}
}

// set makes t's alarm ring at when (zero: never).
func (al *alarms) set(t *task, when time.Time) {
	al.mu.Lock()
	defer al.mu.Unlock()
	switch {
	case when.IsZero():
		if t.alarmIdx >= 0 {
			heap.Remove(&al.h, t.alarmIdx)
		}
		return
	case t.alarmIdx >= 0:
		if t.alarmAt.Equal(when) {
			return
		}
		t.alarmAt = when
		heap.Fix(&al.h, t.alarmIdx)
	default:
		t.alarmAt = when
		heap.Push(&al.h, t)
	}
	if al.armed.IsZero() || when.Before(al.armed) {
		select {
		case al.kick <- struct{}{}:
		default:
		}
	}
}

// run pokes each task whose alarm is due, until ctx is done.
func (al *alarms) run(ctx context.Context, clk clock.Clock) {
	for {
		al.mu.Lock()
		now := clk.Now()
		var due []*task
		for len(al.h) > 0 && !al.h[0].alarmAt.After(now) {
			due = append(due, heap.Pop(&al.h).(*task))
		}
		next := time.Time{}
		if len(al.h) > 0 {
			next = al.h[0].alarmAt
		}
		al.armed = next
		al.mu.Unlock()
		for _, t := range due {
			t.poke()
		}
		var timer clock.Timer
		var fired <-chan time.Time
		if !next.IsZero() {
			timer = clk.NewTimer(next.Sub(now))
			fired = timer.C()
		}
		select {
		case <-ctx.Done():
		case <-al.kick:
		case <-fired:
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return
		}
	}
}
