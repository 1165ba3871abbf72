package services

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestServiceTrackerMarksWhatChanged(t *testing.T) {
	tr := newServiceTracker()
	due, full := tr.take(simStart)
	require.True(t, full, "everything is due at start")
	require.Empty(t, due)

	web, agent, idle := serviceRef{"c", "web"}, serviceRef{"c", "agent"}, serviceRef{"c", "idle"}
	tr.record(web, passResult{tasks: map[string]string{"t1": "i1", "t2": "i2"}})
	tr.record(agent, passResult{daemon: true, tasks: map[string]string{"t3": "i1"}})
	tr.record(idle, passResult{tasks: map[string]string{}})
	due, full = tr.take(simStart)
	require.False(t, full)
	require.Empty(t, due, "nothing changed")

	for _, tc := range []struct {
		key  string
		want []serviceRef
	}{
		{"tasks/c/t1", []serviceRef{web}},
		{"tasks/c/t9", nil}, // a standalone task
		{"tasks/other/t1", nil},
		{"services/c/idle", []serviceRef{idle}},
		{"instances/c/i2", []serviceRef{agent, web}}, // DAEMON services first
		{"instances/c/i7", []serviceRef{agent}},
		{"heartbeats/c/i1", nil},
	} {
		tr.observe(tc.key, nil)
		due, _ = tr.take(simStart)
		require.Equal(t, tc.want, due, tc.key)
	}

	// A hungry service wants every instance change of its cluster.
	tr.record(idle, passResult{hungry: true})
	tr.observe("instances/c/i7", nil)
	due, _ = tr.take(simStart)
	require.Equal(t, []serviceRef{agent, idle}, due)

	// Timers.
	tr.record(web, passResult{next: simStart.Add(time.Minute), tasks: map[string]string{"t1": "i1"}})
	require.Equal(t, simStart.Add(time.Minute), tr.next())
	due, _ = tr.take(simStart)
	require.Empty(t, due)
	due, _ = tr.take(simStart.Add(time.Minute))
	require.Equal(t, []serviceRef{web}, due)

	// t2 left web: its changes concern nobody now, and i2 holds no task.
	tr.observe("tasks/c/t2", nil)
	due, _ = tr.take(simStart)
	require.Empty(t, due)
	require.NotContains(t, tr.on, "c/i2")

	// Agents that connect or disconnect.
	conn := map[string]bool{"i1": true}
	tr.sweep(func(_, id string) bool { return conn[id] })
	_, _ = tr.take(simStart)
	tr.sweep(func(_, id string) bool { return conn[id] })
	due, _ = tr.take(simStart)
	require.Empty(t, due, "no change")
	conn["i1"] = false
	tr.sweep(func(_, id string) bool { return conn[id] })
	due, _ = tr.take(simStart)
	require.Equal(t, []serviceRef{agent, web}, due)

	// A service that is gone is forgotten.
	tr.record(web, passResult{gone: true})
	tr.observe("tasks/c/t1", nil)
	due, _ = tr.take(simStart)
	require.Empty(t, due)

	tr.all()
	_, full = tr.take(simStart)
	require.True(t, full)
}

// simStart is the moment the tracker tests start at.
var simStart = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
