package services

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/memory"
	"github.com/ecskit/ecs/types"
	"github.com/stretchr/testify/require"
)

// idsOnly is a ControlPlane that only hands out IDs: the event log needs
// nothing else.
type idsOnly struct {
	ControlPlane
	n int
}

func (c *idsOnly) NewID() string { c.n++; return fmt.Sprintf("%032x", c.n) }

func TestServiceEventsAreBounded(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	sc := New(Config{ControlPlane: &idsOnly{}, Store: st, Clock: clk, Log: slog.New(slog.DiscardHandler)})
	rec := &Record{Cluster: "default", Service: types.Service{ServiceName: "web"}}
	events := func() []string {
		var out []string
		require.NoError(t, st.Update(ctx, func(tx store.Tx) error {
			if err := sc.flushEvents(tx, rec); err != nil {
				return err
			}
			evs, err := sc.serviceEvents(tx, rec)
			for _, e := range evs {
				out = append(out, e.Message)
			}
			return err
		}))
		return out
	}
	for i := range 150 {
		clk.Advance(time.Second)
		sc.addEvent(rec, fmt.Sprintf("event %d", i))
		if i%40 == 0 {
			events()
		}
	}
	evs := events()
	require.Len(t, evs, MaxEvents)
	require.Equal(t, "event 149", evs[0], "newest first")
	require.Equal(t, "event 50", evs[99])

	// A repeated event is suppressed for six hours unless its cause clears.
	sc.addSticky(rec, stickyPlacement, "no room")
	sc.addSticky(rec, stickyPlacement, "no room")
	require.Equal(t, "event 149", events()[1])
	clk.Advance(stickyRepeat)
	sc.addSticky(rec, stickyPlacement, "no room")
	require.Equal(t, "no room", events()[1])
	clearSticky(rec, stickyPlacement)
	sc.addSticky(rec, stickyPlacement, "no room")
	require.Equal(t, []string{"no room", "no room", "no room"}, events()[:3])
}
