// Package etcd elects a leader through etcd: an election.Elector on etcd's
// concurrency package (a session lease and concurrency.Election).
//
// Contract, beyond the one of package election:
//
//   - Each Elector keeps one etcd lease of the given TTL (whole seconds,
//     rounded up; etcd may raise a TTL below its minimum). Its candidacy
//     is a key under name+"/" attached to that lease, holding id. The
//     candidate whose key is oldest leads.
//   - A leader whose process dies keeps leadership until its lease
//     expires, so a successor takes over about one TTL later. Close, or a
//     revoked lease, hands over at once.
//   - The leader context ends when the session ends (lease expired or
//     revoked, client closed), when the leader key is deleted, and, to
//     stay ahead of the lease's expiry on the server, as soon as no
//     keepalive has been acknowledged for three quarters of the TTL
//     (checked ten times in that span). Two replicas therefore never both
//     hold a live leader context while a keepalive round trip stays under
//     about a sixth of the TTL.
//   - After a loss the Elector drops its session; the next Lead starts a
//     new one and campaigns again, behind the other candidates.
//   - Lead returns etcd's error when etcd fails; the caller may call it
//     again. Close does not close the client.
package etcd

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"

	"github.com/ecskit/ecs/election"
)

// Timeouts, in one place.
const (
	// resignTimeout bounds the revoke that Close and a lost term send.
	resignTimeout = 5 * time.Second
	// ackFraction of the TTL without an acknowledged keepalive ends a
	// term: numerator over denominator.
	ackNum, ackDen = 3, 4
)

// Elector is an election.Elector on etcd. Create it with NewElector.
type Elector struct {
	client *clientv3.Client
	name   string
	id     string
	ttl    time.Duration

	life   context.Context // ends, with cause election.ErrClosed, at Close
	cancel context.CancelCauseFunc
	slot   chan struct{} // held by the running Lead
	wg     sync.WaitGroup

	mu   sync.Mutex
	sess *session // nil before the first Lead and after a loss
	term context.Context
}

// NewElector returns an Elector for the election called name (an etcd key
// prefix, such as "/ecskit/leader"), in which this process is id (shown to
// others as the leader's value). ttl is the lease TTL: how long a dead
// leader keeps leadership.
func NewElector(client *clientv3.Client, name, id string, ttl time.Duration) *Elector {
	life, cancel := context.WithCancelCause(context.Background())
	return &Elector{client: client, name: name, id: id, ttl: ttl,
		life: life, cancel: cancel, slot: make(chan struct{}, 1)}
}

// session is one lease and its keepalive, with the time of the last
// acknowledged keepalive.
type session struct {
	*concurrency.Session
	ttl     time.Duration // as granted by etcd
	mu      sync.Mutex
	lastAck time.Time
}

func (s *session) acked() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastAck
}

// ttlSeconds is the TTL in whole seconds, rounded up, at least one.
func (e *Elector) ttlSeconds() int64 {
	return max(int64((e.ttl+time.Second-1)/time.Second), 1)
}

// newSession grants a lease and keeps it alive until the Elector closes or
// the session is closed.
func (e *Elector) newSession(ctx context.Context) (*session, error) {
	sent := time.Now()
	lease, err := e.client.Grant(ctx, e.ttlSeconds())
	if err != nil {
		return nil, err
	}
	s := &session{ttl: time.Duration(lease.TTL) * time.Second, lastAck: sent}
	kctx, stop := context.WithCancel(e.life)
	acks, err := e.client.KeepAlive(kctx, lease.ID)
	if err != nil {
		stop()
		return nil, err
	}
	cs, err := concurrency.NewSession(e.client, concurrency.WithLease(lease.ID),
		concurrency.WithTTL(int(e.ttlSeconds())), concurrency.WithContext(e.life))
	if err != nil {
		stop()
		return nil, err
	}
	s.Session = cs
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer stop()
		for {
			select {
			case _, ok := <-acks:
				if !ok {
					return
				}
				s.mu.Lock()
				s.lastAck = time.Now()
				s.mu.Unlock()
			case <-cs.Done():
				return
			}
		}
	}()
	return s, nil
}

// Lead blocks until this process leads the election or ctx ends.
func (e *Elector) Lead(ctx context.Context) (context.Context, error) {
	select {
	case e.slot <- struct{}{}:
		defer func() { <-e.slot }()
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-e.life.Done():
		return nil, election.ErrClosed
	}
	for {
		if e.life.Err() != nil {
			return nil, election.ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e.mu.Lock()
		term, s := e.term, e.sess
		e.mu.Unlock()
		if term != nil && term.Err() == nil {
			return election.Within(ctx, term), nil
		}
		if s == nil || s.Ctx().Err() != nil {
			var err error
			if s, err = e.newSession(ctx); err != nil {
				return nil, e.wrap(ctx, err)
			}
			e.mu.Lock()
			if e.life.Err() != nil { // Close ran meanwhile
				e.mu.Unlock()
				_ = closeSession(s)
				return nil, election.ErrClosed
			}
			e.sess = s
			e.mu.Unlock()
		}
		won, err := e.campaign(ctx, s)
		if err != nil {
			return nil, e.wrap(ctx, err)
		}
		if won {
			e.mu.Lock()
			term := e.term
			e.mu.Unlock()
			return election.Within(ctx, term), nil
		}
		// The session died while campaigning: start over with a new one.
	}
}

// campaign runs for leader on s. won is false, with a nil error, if the
// session ended before or just after winning.
func (e *Elector) campaign(ctx context.Context, s *session) (won bool, err error) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.Ctx(), cancel)
	defer stop()
	stopLife := context.AfterFunc(e.life, cancel)
	defer stopLife()

	el := concurrency.NewElection(s.Session, e.name)
	if err := el.Campaign(cctx, e.id); err != nil {
		if ctx.Err() == nil && e.life.Err() == nil && s.Ctx().Err() != nil {
			return false, nil
		}
		return false, err
	}
	// Campaign also returns when the older candidates are gone although
	// this one's key expired meanwhile: check that the key is still ours,
	// and watch it from the revision that showed it.
	resp, err := e.client.Get(cctx, el.Key())
	if err != nil {
		return false, err
	}
	if len(resp.Kvs) == 0 || resp.Kvs[0].CreateRevision != el.Rev() {
		e.drop(s)
		return false, nil
	}
	term, end := context.WithCancelCause(context.Background())
	e.mu.Lock()
	e.term = term
	e.mu.Unlock()
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		err := e.watch(term, s, el.Key(), resp.Header.Revision+1)
		if e.life.Err() != nil {
			err = election.ErrClosed // Close also ends the session
		}
		end(err)
		e.drop(s)
	}()
	return true, nil
}

// watch returns, with the reason, when the term that began with key at
// revision rev must end.
func (e *Elector) watch(term context.Context, s *session, key string, rev int64) error {
	wctx, cancel := context.WithCancel(term)
	defer cancel()
	deleted := e.client.Watch(clientv3.WithRequireLeader(wctx), key, clientv3.WithRev(rev))
	limit := s.ttl * ackNum / ackDen
	tick := time.NewTicker(limit / 10)
	defer tick.Stop()
	for {
		select {
		case <-e.life.Done():
			return election.ErrClosed
		case <-s.Done():
			return fmt.Errorf("%w: session ended", election.ErrLost)
		case <-tick.C:
			if since := time.Since(s.acked()); since > limit {
				return fmt.Errorf("%w: no keepalive acknowledged for %v", election.ErrLost, since.Round(time.Millisecond))
			}
		case wr, ok := <-deleted:
			if !ok || wr.Err() != nil || wr.Canceled {
				return fmt.Errorf("%w: watch of the leader key ended: %v", election.ErrLost, wr.Err())
			}
			for _, ev := range wr.Events {
				if ev.Type == mvccpb.DELETE {
					return fmt.Errorf("%w: leader key deleted", election.ErrLost)
				}
			}
		}
	}
}

// drop forgets s and revokes its lease (deleting its key) if it is still
// the Elector's session, so that the next Lead starts afresh.
func (e *Elector) drop(s *session) {
	e.mu.Lock()
	if e.sess != s {
		e.mu.Unlock()
		return
	}
	e.sess = nil
	e.mu.Unlock()
	_ = closeSession(s)
}

// closeSession stops the keepalive and revokes the lease.
func closeSession(s *session) error {
	s.Orphan()
	ctx, cancel := context.WithTimeout(context.Background(), resignTimeout)
	defer cancel()
	_, err := s.Client().Revoke(ctx, s.Lease())
	return err
}

// Close ends the term (leader contexts end with election.ErrClosed),
// revokes the lease so that another candidate leads at once, and waits for
// the Elector's goroutines. It does not close the client.
func (e *Elector) Close() error {
	e.cancel(election.ErrClosed)
	e.mu.Lock()
	s := e.sess
	e.sess = nil
	e.mu.Unlock()
	var err error
	if s != nil {
		err = closeSession(s)
	}
	e.wg.Wait()
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("election/etcd: revoke lease: %w", err)
	}
	return nil
}

// wrap maps an error of Lead: election.ErrClosed after Close, ctx's error
// when it ended.
func (e *Elector) wrap(ctx context.Context, err error) error {
	switch {
	case e.life.Err() != nil:
		return election.ErrClosed
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return fmt.Errorf("election/etcd: %w", err)
}

var _ election.Elector = (*Elector)(nil)
