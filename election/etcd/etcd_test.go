package etcd_test

import (
	"context"
	"errors"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/ecskit/ecs/election"
	"github.com/ecskit/ecs/election/etcd"
	"github.com/ecskit/ecs/store/etcd/etcdtest"
)

// crashTTL is short so that takeover after a crash is quick (the embedded
// server accepts leases down to one second, but a loaded machine could
// then stall a keepalive past the watchdog's three quarters). Tests that do not wait for a lease to
// expire use a longer ttl, so that a loaded machine cannot make a leader
// miss keepalives.
const (
	crashTTL = 2 * time.Second
	ttl      = 5 * time.Second
)

// waitTimeout bounds every wait for an election event; it is a guard
// against hangs, not a timing assertion.
const waitTimeout = 30 * time.Second

type result struct {
	ctx context.Context
	err error
	at  time.Time
}

// leadAsync runs e.Lead in a goroutine.
func leadAsync(ctx context.Context, e election.Elector) <-chan result {
	ch := make(chan result, 1)
	go func() {
		lctx, err := e.Lead(ctx)
		ch <- result{lctx, err, time.Now()}
	}()
	return ch
}

func lead(t *testing.T, e election.Elector) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	lctx, err := e.Lead(context.WithoutCancel(ctx))
	if err != nil {
		t.Fatalf("Lead: %v", err)
	}
	return lctx
}

func await(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("Lead: %v", r.err)
		}
		return r
	case <-time.After(waitTimeout):
		t.Fatalf("no leadership after %v", waitTimeout)
		return result{}
	}
}

func awaitDone(t *testing.T, ctx context.Context, want error) time.Time {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(waitTimeout):
		t.Fatalf("leader context still live after %v", waitTimeout)
	}
	at := time.Now()
	if !errors.Is(context.Cause(ctx), want) {
		t.Fatalf("leader context cause %v, want %v", context.Cause(ctx), want)
	}
	return at
}

// requireWaiting fails if the campaign in ch has already returned.
func requireWaiting(t *testing.T, ch <-chan result) {
	t.Helper()
	time.Sleep(2 * time.Second) // long enough for a wrong second leader to show
	select {
	case r := <-ch:
		t.Fatalf("second elector led while the first did (err %v)", r.err)
	default:
	}
}

// electors returns two electors in one election, each on its own client.
func electors(t *testing.T, srv *etcdtest.Server, ttl time.Duration) (a, b *etcd.Elector, ca, cb *clientv3.Client) {
	ca, cb = srv.Client(t), srv.Client(t)
	a = etcd.NewElector(ca, "/test/leader", "a", ttl)
	b = etcd.NewElector(cb, "/test/leader", "b", ttl)
	t.Cleanup(func() { _ = a.Close(); _ = b.Close() })
	return a, b, ca, cb
}

// A leader that dies without resigning (its client is gone) loses its
// leader context at once; the other takes over when the lease expires.
func TestTakeoverAfterCrash(t *testing.T) {
	srv := etcdtest.Start(t)
	a, b, ca, _ := electors(t, srv, crashTTL)
	la := lead(t, a)
	bch := leadAsync(context.Background(), b)
	requireWaiting(t, bch)

	crash := time.Now()
	_ = ca.Close()
	lost := awaitDone(t, la, election.ErrLost)
	took := await(t, bch)
	if took.ctx.Err() != nil {
		t.Fatal("new leader context is already done")
	}
	t.Logf("ttl %v: old leader stopped %v after the crash; new leader took over %v after it",
		crashTTL, lost.Sub(crash).Round(time.Millisecond), took.at.Sub(crash).Round(time.Millisecond))
}

// Revoking the leader's lease (what etcd does when it expires) deletes the
// leader key: the old leader stops and the other leads at once.
func TestTakeoverAfterRevoke(t *testing.T) {
	srv := etcdtest.Start(t)
	a, b, _, cb := electors(t, srv, ttl)
	la := lead(t, a)
	bch := leadAsync(context.Background(), b)

	resp, err := cb.Get(context.Background(), "/test/leader/", clientv3.WithPrefix(), clientv3.WithSort(clientv3.SortByCreateRevision, clientv3.SortAscend))
	if err != nil || len(resp.Kvs) == 0 {
		t.Fatalf("leader key: %v %v", resp, err)
	}
	if string(resp.Kvs[0].Value) != "a" {
		t.Fatalf("leader key holds %q, want a", resp.Kvs[0].Value)
	}
	revoke := time.Now()
	if _, err := cb.Revoke(context.Background(), clientv3.LeaseID(resp.Kvs[0].Lease)); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	lost := awaitDone(t, la, election.ErrLost)
	took := await(t, bch)
	t.Logf("old leader stopped %v after the revoke; new leader took over %v after it",
		lost.Sub(revoke).Round(time.Millisecond), took.at.Sub(revoke).Round(time.Millisecond))

	// The old leader campaigns again, behind the new one.
	ach := leadAsync(context.Background(), a)
	requireWaiting(t, ach)
	if err := b.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	awaitDone(t, took.ctx, election.ErrClosed)
	await(t, ach)
}

// Close hands leadership over without waiting for the lease, and Lead
// after Close fails.
func TestCloseHandsOver(t *testing.T) {
	srv := etcdtest.Start(t)
	a, b, _, _ := electors(t, srv, ttl)
	la := lead(t, a)
	again := lead(t, a) // leading already: returns at once, same term
	bch := leadAsync(context.Background(), b)

	closed := time.Now()
	if err := a.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	awaitDone(t, la, election.ErrClosed)
	awaitDone(t, again, election.ErrClosed)
	took := await(t, bch)
	t.Logf("new leader took over %v after Close", took.at.Sub(closed).Round(time.Millisecond))

	if _, err := a.Lead(context.Background()); !errors.Is(err, election.ErrClosed) {
		t.Fatalf("Lead after Close: %v, want ErrClosed", err)
	}
}

// A campaign gives up when its context ends, and leaves no candidacy
// behind.
func TestLeadContextEnds(t *testing.T) {
	srv := etcdtest.Start(t)
	a, b, _, cb := electors(t, srv, ttl)
	lead(t, a)
	ctx, cancel := context.WithCancel(context.Background())
	bch := leadAsync(ctx, b)
	cancel()
	select {
	case r := <-bch:
		if !errors.Is(r.err, context.Canceled) {
			t.Fatalf("Lead with a cancelled ctx: %v", r.err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Lead did not return after its ctx ended")
	}
	resp, err := cb.Get(context.Background(), "/test/leader/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "a" {
		t.Fatalf("candidates left: %v", resp.Kvs)
	}
}
