package clock_test

import (
	"testing"
	"time"

	"github.com/ecskit/ecs/clock"
)

func TestFakeActivityCountsEveryUseOfTheClock(t *testing.T) {
	f := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if got := f.Activity(); got != 0 {
		t.Fatalf("new clock: Activity = %d, want 0", got)
	}
	a := f.NewTimer(time.Second)
	b := f.NewTimer(2 * time.Second)
	if got := f.Activity(); got != 2 {
		t.Fatalf("after two timers: Activity = %d, want 2", got)
	}
	if !b.Stop() {
		t.Fatal("Stop of a waiting timer returned false")
	}
	c := f.NewTimer(3 * time.Second)
	// One stopped, one made: Timers is back where it was, Activity is not.
	if f.Timers() != 2 || f.Activity() != 4 {
		t.Fatalf("Timers = %d, Activity = %d; want 2, 4", f.Timers(), f.Activity())
	}
	f.Advance(time.Second)
	<-a.C()
	if got := f.Activity(); got != 5 {
		t.Fatalf("after a timer fired: Activity = %d, want 5", got)
	}
	if a.Stop() {
		t.Fatal("Stop of a fired timer returned true")
	}
	if got := f.Activity(); got != 5 {
		t.Fatalf("a Stop that stopped nothing: Activity = %d, want 5", got)
	}
	f.NewTimer(0) // fires at once
	if got := f.Activity(); got != 6 {
		t.Fatalf("after an immediate timer: Activity = %d, want 6", got)
	}
	f.Advance(time.Hour)
	<-c.C()
	if got := f.Activity(); got != 7 {
		t.Fatalf("after the last timer fired: Activity = %d, want 7", got)
	}
}
