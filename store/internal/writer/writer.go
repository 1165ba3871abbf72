// Package writer is the write path that the local stores (store/memory and
// store/bolt) share: optimistic transactions, committed in groups.
//
// How an Update runs:
//
//  1. fn runs in the caller's goroutine on a snapshot of the latest
//     committed revision, concurrently with other Updates. Its writes are
//     buffered in a Tx, which also remembers what fn read: the keys read
//     with Get and the prefixes listed.
//  2. The finished transaction joins the queue of the next group. One of
//     the waiting callers becomes the group's leader: it takes the whole
//     queue and, for each member in order, checks that no revision after
//     the member's snapshot (including the earlier members of the same
//     group) changed a key the member read or listed, applies the member's
//     writes as the next revision, and at the end commits the whole group
//     at once: for bolt one write transaction and one fsync. A member whose
//     reads conflict is left out alone; the others commit.
//  3. A member that conflicted runs again inside the next group: when its
//     turn comes the leader hands it the group's state so far, and its fn
//     runs (still in the caller's goroutine) while the group waits for it,
//     so it cannot conflict. Update therefore never reports
//     store.ErrConflict.
//
// Each member that changes something gets its own revision, one more than
// the previous one, so a group commits consecutive revisions; the watch log
// receives them in order once the group is committed. A member that
// changes nothing (its deletes found nothing to delete) consumes none.
package writer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/internal/watchlog"
)

// Backend is the storage side of a Committer. The Committer calls Begin,
// Pending, Apply, Commit and Abort from one goroutine at a time (the
// group's leader); Snapshot from any goroutine.
type Backend interface {
	// Snapshot opens a read-only view of the latest committed revision,
	// rev. release ends it; it must be called before the caller waits for
	// a commit.
	Snapshot() (snap Snapshot, rev int64, release func(), err error)
	// Begin starts the commit of a group on top of the latest committed
	// revision.
	Begin() error
	// Pending returns a view of the group's state: the latest committed
	// revision with every Apply since Begin. It is valid until the next
	// Apply, Commit or Abort.
	Pending() Snapshot
	// Apply applies writes, sorted by key, as revision rev and returns
	// the events of the changes they made, in key order: none if they
	// changed nothing (the deletes found nothing), and then rev is not
	// consumed. A failed Apply fails the whole group.
	Apply(rev int64, writes []Write) ([]store.Event, error)
	// Commit makes every Apply since Begin durable and visible at once,
	// as revision rev, the last one applied. If it fails nothing is
	// committed.
	Commit(rev int64) error
	// Abort drops every Apply since Begin.
	Abort()
}

// Committer runs the Updates and Views of one store. Create it with New.
type Committer struct {
	b      Backend
	log    *watchlog.Log
	limits SizeLimits

	// token is held by the leader of the running group.
	token chan struct{}

	mu     sync.Mutex
	queue  []*member      // waiting for a leader
	closed atomic.Bool    // set under mu
	active sync.WaitGroup // running Updates; Add under mu

	// Guarded by token.
	rev  int64 // the latest committed revision
	hist history
}

// member is one transaction of a group.
type member struct {
	ctx context.Context
	// tx is set for an optimistic member: fn already ran on a snapshot.
	tx *Tx
	// fn is set for an inline member, which runs fn on the group's state
	// when the leader hands it turn; it answers on ran.
	fn   func(store.Tx) error
	turn chan *Tx
	ran  chan error

	// Set by the leader before done is closed.
	done     chan struct{}
	err      error
	conflict bool
	panicked bool // the leader's own inline fn panicked with panicVal
	panicVal any
	rev      int64
	events   []store.Event
}

// errPanicked tells the leader that an inline fn did not return.
var errPanicked = errors.New("store: transaction function panicked")

// New returns a Committer for a store whose latest committed revision is
// rev. Committed events go to log.
func New(b Backend, rev int64, log *watchlog.Log, limits SizeLimits) *Committer {
	return &Committer{b: b, log: log, limits: limits, token: make(chan struct{}, 1),
		rev: rev, hist: history{start: rev}}
}

// View runs fn in a read-only transaction on the latest committed
// revision.
func (c *Committer) View(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.Closed() {
		return store.ErrClosed
	}
	snap, rev, release, err := c.b.Snapshot()
	if err != nil {
		return err
	}
	defer release()
	tx := NewView(snap, rev)
	defer tx.End()
	return fn(tx)
}

// Update runs fn as a transaction and commits it in a group (see the
// package documentation). It returns fn's error unchanged, re-raises its
// panic, and rolls back when ctx ends before the commit.
func (c *Committer) Update(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !c.enter() {
		return store.ErrClosed
	}
	defer c.active.Done()
	m, err := c.optimistic(ctx, fn)
	for m != nil {
		c.wait(m)
		switch {
		case m.panicked:
			panic(m.panicVal)
		case m.conflict:
			m = &member{ctx: ctx, fn: fn, turn: make(chan *Tx, 1), ran: make(chan error, 1), done: make(chan struct{})}
		default:
			return m.err
		}
	}
	return err
}

// Close waits for the running Updates; later ones fail with
// store.ErrClosed.
func (c *Committer) Close() {
	c.mu.Lock()
	c.closed.Store(true)
	c.mu.Unlock()
	c.active.Wait()
}

// Closed reports whether Close was called.
func (c *Committer) Closed() bool { return c.closed.Load() }

func (c *Committer) enter() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return false
	}
	c.active.Add(1)
	return true
}

// optimistic runs fn on the latest snapshot. It returns the member to
// commit, or nil and the Update's result when there is nothing to commit.
func (c *Committer) optimistic(ctx context.Context, fn func(store.Tx) error) (*member, error) {
	snap, rev, release, err := c.b.Snapshot()
	if err != nil {
		return nil, err
	}
	tx := newUpdate(snap, rev, c.limits)
	err = func() error {
		defer release()
		defer tx.End()
		return fn(tx)
	}()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(tx.writes) == 0 {
		return nil, nil
	}
	return &member{ctx: ctx, tx: tx, done: make(chan struct{})}, nil
}

// wait queues m and returns when its group has settled it, or when its
// context ended before a leader took it (m.err is then the context's
// error). Meanwhile it runs m's turn, if m is inline, or leads a group.
func (c *Committer) wait(m *member) {
	c.mu.Lock()
	c.queue = append(c.queue, m)
	c.mu.Unlock()
	ctxDone := m.ctx.Done()
	for {
		select {
		case <-m.done:
			return
		case tx := <-m.turn:
			runTurn(m, tx)
		case c.token <- struct{}{}:
			c.leadOrLeave(m)
			return
		case <-ctxDone:
			if c.dequeue(m) {
				m.err = m.ctx.Err()
				return
			}
			ctxDone = nil // a leader has it; the group decides
		}
	}
}

// leadOrLeave runs with the token held: it leads a group unless m was
// settled by the group that just ended, and gives the token back.
func (c *Committer) leadOrLeave(m *member) {
	defer func() { <-c.token }()
	select {
	case <-m.done:
	default:
		c.lead(m)
	}
}

// runTurn runs an inline member's fn for the leader. If fn panics (or
// exits its goroutine) the leader learns it, and the panic goes on up the
// caller's stack.
func runTurn(m *member, tx *Tx) {
	returned := false
	defer func() {
		if !returned {
			m.ran <- errPanicked
		}
	}()
	err := m.fn(tx)
	returned = true
	m.ran <- err
}

func (c *Committer) dequeue(m *member) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.Index(c.queue, m)
	if i < 0 {
		return false
	}
	c.queue = slices.Delete(c.queue, i, i+1)
	return true
}

// lead commits the queued group, which holds own, the leader's member.
// It settles every member, also if own's inline fn exits the goroutine.
func (c *Committer) lead(own *member) {
	c.mu.Lock()
	group := c.queue
	c.queue = nil
	c.mu.Unlock()
	finished := false
	defer func() {
		if !finished { // own's fn called runtime.Goexit: give up the group
			c.b.Abort()
			c.hist.truncate(c.rev)
			for _, m := range group {
				if m.err == nil && !m.panicked {
					m.err, m.conflict = errors.New("store: commit abandoned: the leader's transaction did not return"), false
				}
			}
		}
		for _, m := range group {
			close(m.done)
		}
	}()
	c.commit(own, group)
	finished = true
}

// commit applies the members of group in order and commits those that
// do not conflict, as one group.
func (c *Committer) commit(own *member, group []*member) {
	if err := c.b.Begin(); err != nil {
		c.fail(group, err)
		return
	}
	base, rev := c.rev, c.rev
	var applied []*member
	for _, m := range group {
		if err := m.ctx.Err(); err != nil {
			m.err = err
			continue
		}
		var writes []Write
		if m.fn != nil {
			tx := newUpdate(c.b.Pending(), rev, c.limits)
			err := c.runInline(own, m, tx)
			tx.End()
			if err == nil {
				err = m.ctx.Err()
			}
			if err != nil {
				m.err = err
				continue
			}
			writes = tx.sortedWrites()
		} else {
			if c.hist.conflicts(m.tx.rev, m.tx.reads, m.tx.lists) {
				m.conflict = true
				continue
			}
			writes = m.tx.sortedWrites()
		}
		if len(writes) == 0 {
			continue
		}
		events, err := c.b.Apply(rev+1, writes)
		if err != nil {
			c.b.Abort()
			c.hist.truncate(base)
			c.fail(group, err)
			return
		}
		if len(events) == 0 {
			continue
		}
		rev++
		keys := make([]string, len(events))
		for i, ev := range events {
			keys[i] = ev.Record.Key
		}
		c.hist.add(rev, keys)
		m.rev, m.events = rev, events
		applied = append(applied, m)
	}
	if rev == base {
		c.b.Abort()
		return
	}
	if err := c.b.Commit(rev); err != nil {
		c.hist.truncate(base)
		c.fail(group, err)
		return
	}
	for _, m := range applied {
		c.log.Append(m.rev, m.events)
		m.events = nil
	}
	c.rev = rev
}

// runInline runs an inline member's fn on tx: the leader's own in this
// goroutine (a panic is kept for the caller), another's in its goroutine.
func (c *Committer) runInline(own, m *member, tx *Tx) (err error) {
	if m != own {
		m.turn <- tx
		return <-m.ran
	}
	defer func() {
		if r := recover(); r != nil {
			m.panicked, m.panicVal = true, r
			err = errPanicked
		}
	}()
	return m.fn(tx)
}

// fail settles with err every member of a group that failed to commit,
// except those that already failed on their own.
func (c *Committer) fail(group []*member, err error) {
	err = fmt.Errorf("store: commit: %w", err)
	for _, m := range group {
		if m.err == nil && !m.panicked {
			m.err, m.conflict, m.events = err, false, nil
		}
	}
}
