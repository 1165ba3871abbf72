// Package agents keeps track of which container agents are connected to
// the control plane: those with a poll in flight, and those whose last
// sign of life (seen here, or persisted as a heartbeat by another control
// plane sharing the store) is younger than the agent timeout. Agents are
// named by their container instance ARN.
package agents

import (
	"sync"
	"time"

	"github.com/ecskit/ecs/clock"
)

// Tracker knows which agents are connected. An agent is connected
// while it has a poll in flight here, or its last sign of life (seen by
// this control plane, or by another one sharing the store, through the
// heartbeat records) is younger than the timeout.
type Tracker struct {
	clock   clock.Clock
	timeout time.Duration
	mu      sync.Mutex
	polls   map[string]int
	seen    map[string]time.Time
	written map[string]time.Time
	// gen counts the times an agent that was not connected connected.
	gen uint64
}

// New returns a Tracker that counts an agent connected for timeout after
// its last sign of life.
func New(c clock.Clock, timeout time.Duration) *Tracker {
	return &Tracker{clock: c, timeout: timeout, polls: map[string]int{}, seen: map[string]time.Time{}, written: map[string]time.Time{}}
}

// Begin records that an agent started a poll; End that it finished one.
func (a *Tracker) Begin(arn string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	was := a.connectedLocked(arn)
	a.polls[arn]++
	a.seen[arn] = a.clock.Now()
	a.noteConnect(was)
}

// noteConnect moves the generation if an agent that was not connected is
// now. Callers hold a.mu.
func (a *Tracker) noteConnect(was bool) {
	if !was {
		a.gen++
	}
}

// Generation is a counter that moves whenever an agent that was not
// connected connects; agents disconnect only by timing out (see state).
func (a *Tracker) Generation() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.gen
}

// State reports whether an agent is connected and, if it has no poll in
// flight, when it stops counting as connected (zero while it polls).
func (a *Tracker) State(arn string) (connected bool, expires time.Time) {
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

// End records that an agent finished a poll.
func (a *Tracker) End(arn string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.polls[arn]--
	if a.polls[arn] <= 0 {
		delete(a.polls, arn)
	}
	a.seen[arn] = a.clock.Now()
}

// Touch records a sign of life (registration, a state report).
func (a *Tracker) Touch(arn string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	was := a.connectedLocked(arn)
	a.seen[arn] = a.clock.Now()
	a.noteConnect(was)
}

// Observe records a heartbeat another control plane persisted.
func (a *Tracker) Observe(arn string, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if at.After(a.seen[arn]) {
		was := a.connectedLocked(arn)
		a.seen[arn] = at
		a.noteConnect(was || !a.connectedLocked(arn))
	}
}

// Connected reports whether an agent is connected now.
func (a *Tracker) Connected(arn string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.connectedLocked(arn)
}

// connectedLocked is Connected; callers hold a.mu.
func (a *Tracker) connectedLocked(arn string) bool {
	if a.polls[arn] > 0 {
		return true
	}
	t, ok := a.seen[arn]
	return ok && a.clock.Now().Sub(t) < a.timeout
}

// Due reports whether this control plane should persist a heartbeat for
// arn now (a quarter of the timeout after the last one it wrote).
func (a *Tracker) Due(arn string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.clock.Now()
	if now.Sub(a.written[arn]) < a.timeout/4 {
		return false
	}
	a.written[arn] = now
	return true
}

// Forget drops everything known of an agent (its instance deregistered).
func (a *Tracker) Forget(arn string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.seen, arn)
	delete(a.polls, arn)
	delete(a.written, arn)
}
