package ecs

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/store"
)

// agentTracker knows which agents are connected. An agent is connected
// while it has a poll in flight here, or its last sign of life (seen by
// this control plane, or by another one sharing the store, through the
// heartbeat records) is younger than the timeout.
type agentTracker struct {
	clock   clock.Clock
	timeout time.Duration
	mu      sync.Mutex
	polls   map[string]int
	seen    map[string]time.Time
	written map[string]time.Time
	// gen counts the times an agent that was not connected connected.
	gen uint64
}

func newAgentTracker(c clock.Clock, timeout time.Duration) *agentTracker {
	return &agentTracker{clock: c, timeout: timeout, polls: map[string]int{}, seen: map[string]time.Time{}, written: map[string]time.Time{}}
}

func (a *agentTracker) begin(arn string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	was := a.connectedLocked(arn)
	a.polls[arn]++
	a.seen[arn] = a.clock.Now()
	a.noteConnect(was)
}

// noteConnect moves the generation if an agent that was not connected is
// now. Callers hold a.mu.
func (a *agentTracker) noteConnect(was bool) {
	if !was {
		a.gen++
	}
}

// generation is a counter that moves whenever an agent that was not
// connected connects; agents disconnect only by timing out (see state).
func (a *agentTracker) generation() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.gen
}

// state reports whether an agent is connected and, if it has no poll in
// flight, when it stops counting as connected (zero while it polls).
func (a *agentTracker) state(arn string) (connected bool, expires time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.polls[arn] > 0 {
		return true, time.Time{}
	}
	t, ok := a.seen[arn]
	if !ok {
		return false, time.Time{}
	}
	expires = t.Add(a.timeout)
	return a.clock.Now().Before(expires), expires
}

func (a *agentTracker) end(arn string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.polls[arn]--
	if a.polls[arn] <= 0 {
		delete(a.polls, arn)
	}
	a.seen[arn] = a.clock.Now()
}

// touch records a sign of life (registration, a state report).
func (a *agentTracker) touch(arn string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	was := a.connectedLocked(arn)
	a.seen[arn] = a.clock.Now()
	a.noteConnect(was)
}

// observe records a heartbeat another control plane persisted.
func (a *agentTracker) observe(arn string, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if at.After(a.seen[arn]) {
		was := a.connectedLocked(arn)
		a.seen[arn] = at
		a.noteConnect(was || !a.connectedLocked(arn))
	}
}

func (a *agentTracker) connected(arn string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.connectedLocked(arn)
}

func (a *agentTracker) connectedLocked(arn string) bool {
	if a.polls[arn] > 0 {
		return true
	}
	t, ok := a.seen[arn]
	return ok && a.clock.Now().Sub(t) < a.timeout
}

// due reports whether this control plane should persist a heartbeat for
// arn now (a quarter of the timeout after the last one it wrote).
func (a *agentTracker) due(arn string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.clock.Now()
	if now.Sub(a.written[arn]) < a.timeout/4 {
		return false
	}
	a.written[arn] = now
	return true
}

func (a *agentTracker) forget(arn string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.seen, arn)
	delete(a.polls, arn)
	delete(a.written, arn)
}

// heartbeatRecord is an agent's last sign of life, shared through the
// store by every control plane on it.
type heartbeatRecord struct {
	ARN string `json:"arn"`
	At  Time   `json:"at"`
}

const heartbeatPrefix = "heartbeats/"

func heartbeatKey(cluster, id string) string { return heartbeatPrefix + cluster + "/" + id }

// heartbeat persists an agent's sign of life when one is due.
func (cp *ControlPlane) heartbeat(ctx context.Context, cluster, id string) {
	arn := cp.instanceARN(cluster, id)
	if !cp.agents.due(arn) {
		return
	}
	err := cp.store.Update(ctx, func(tx store.Tx) error {
		return record.Put(tx, heartbeatKey(cluster, id), &heartbeatRecord{ARN: arn, At: cp.now()})
	})
	if err != nil && ctx.Err() == nil {
		cp.log.Warn("persist agent heartbeat", "instance", arn, "err", err)
	}
}

// loadHeartbeats reads every persisted heartbeat into the tracker.
func (cp *ControlPlane) loadHeartbeats(tx store.Tx) error {
	recs, err := record.List[heartbeatRecord](tx, heartbeatPrefix)
	for _, r := range recs {
		cp.agents.observe(r.ARN, r.At.Time)
	}
	return err
}

// observeEvent feeds heartbeats written by any control plane to the
// tracker.
func (cp *ControlPlane) observeEvent(ev store.Event) {
	if ev.Type != store.EventPut || !strings.HasPrefix(ev.Record.Key, heartbeatPrefix) {
		return
	}
	var r heartbeatRecord
	if json.Unmarshal(ev.Record.Value, &r) == nil {
		cp.agents.observe(r.ARN, r.At.Time)
	}
}
