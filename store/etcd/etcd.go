// Package etcd is a store.Store kept in an etcd cluster, for several
// control-plane replicas that share one state.
//
// Contract, beyond the one of package store:
//
//   - Every record lives at the etcd key Prefix+key (Prefix defaults to
//     "/ecskit/" and always ends in "/"). The store owns its prefix: nothing
//     else may write or delete under it. Next to it, outside it, the store
//     keeps one bookkeeping key, the deletion fence (Prefix without its
//     final "/", followed by ".deletions").
//   - Revisions are etcd's revisions and Record.Version is the key's etcd
//     ModRevision. etcd numbers revisions for the whole cluster, so each
//     committed write transaction adds exactly one to the revision only if
//     nothing else writes to that etcd cluster; otherwise revisions still
//     grow but skip numbers, and an unfiltered watch sees gaps. Give ecskit
//     its own etcd cluster when a gap-free history matters.
//   - Update is optimistic. fn runs against a snapshot read at one etcd
//     revision, its writes are buffered, and the commit is one etcd Txn
//     that succeeds only if nothing fn read changed since: every key read
//     with Get keeps its ModRevision (or stays absent), and for every prefix
//     listed no key under it was created or changed (the highest
//     ModRevision under the prefix is at most the snapshot revision) and no
//     key anywhere in the store was deleted (the deletion fence, written by
//     every transaction that deletes, is unchanged). So a listing Update
//     conflicts with any concurrent delete, not only one under its prefix.
//     A delete of a key fn did not read counts as a read of that key. On a
//     conflict fn runs again on a fresh snapshot, with a short jittered
//     pause, up to MaxAttempts times; then Update returns an error matching
//     store.ErrConflict. A snapshot that etcd compacted while fn ran is a
//     conflict too.
//   - A transaction that would change nothing (only reads, deletes of
//     absent keys) sends no Txn and consumes no revision.
//   - etcd bounds one transaction: at most --max-txn-ops writes and at most
//     as many compares (one per key read with Get outside a listed prefix,
//     one per listed prefix, plus the fence), default 128, and at most
//     --max-request-bytes in all, default 1.5 MiB. The store knows these
//     bounds (Config.MaxTxnOps and Config.MaxRequestBytes, which must not
//     exceed the server's) and reports them as store.Limits: MaxOps is
//     MaxTxnOps less one (for the fence), and MaxBytes is MaxRequestBytes
//     less the most the encoding, the key prefix and the fence can take for
//     that many operations. An Update beyond its Limits fails before
//     anything is sent, with an error matching store.ErrTooLarge, and so
//     does one that etcd refuses for its size. An Update that sends nothing
//     (it only reads) is never too large.
//   - The commit itself is not abandoned when ctx ends while it is in
//     flight (so Update always knows whether it committed); it is bounded
//     by commitTimeout. A ctx that ends before the commit is sent rolls the
//     transaction back. If the commit itself fails (etcd unreachable until
//     commitTimeout, the client closed), Update returns that error and
//     cannot tell whether the transaction committed: the caller rereads.
//   - Watch is an etcd watch from afterRevision+1. A watch from a revision
//     etcd compacted ends with store.ErrCompacted; a watch that loses the
//     etcd leader ends with etcd's error, and the caller watches again.
//   - Compact compacts etcd's history, which is the whole cluster's, not
//     only the store's prefix.
//   - Close ends every watcher with store.ErrClosed; it closes the etcd
//     client only if Open created it.
package etcd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ecskit/ecs/store"
)

// Timeouts and retry bounds, in one place.
const (
	// DefaultPrefix is where records live when Config.Prefix is empty.
	DefaultPrefix = "/ecskit/"
	// DefaultMaxAttempts is how often Update runs fn before it reports
	// store.ErrConflict.
	DefaultMaxAttempts = 40
	// DefaultMaxTxnOps is etcd's default --max-txn-ops: the most writes,
	// and the most compares, of one Txn.
	DefaultMaxTxnOps = 128
	// DefaultMaxRequestBytes is etcd's default --max-request-bytes: the
	// largest request it accepts, 1.5 MiB.
	DefaultMaxRequestBytes = 3 << 19
	// grpcOverhead is what etcd's gRPC server accepts beyond
	// MaxRequestBytes; the client's send limit must cover both.
	grpcOverhead = 512 << 10
	// defaultDialTimeout bounds the first connection made by Open.
	defaultDialTimeout = 5 * time.Second
	// commitTimeout bounds one commit Txn, which runs to completion even
	// when the caller's context ends.
	commitTimeout = 10 * time.Second
	// compactTimeout bounds Compact.
	compactTimeout = 30 * time.Second
	// backoffBase and backoffMax shape the jittered pause between
	// attempts of a conflicting Update: attempt n waits a random time
	// below min(backoffBase<<n, backoffMax).
	backoffBase = time.Millisecond
	backoffMax  = 100 * time.Millisecond
)

var (
	errTxDone   = fmt.Errorf("store: transaction used after it ended: %w", store.ErrClosed)
	errEmptyKey = errors.New("store: key must not be empty")
	// errStale marks a read whose snapshot revision etcd has compacted, or
	// that the member serving it has not applied yet.
	errStale = fmt.Errorf("store/etcd: snapshot revision compacted or not yet on this member: %w", store.ErrConflict)
)

// Config says how Open reaches etcd and where the store lives in it.
type Config struct {
	// Endpoints are etcd client URLs, such as "http://127.0.0.1:2379".
	Endpoints []string
	// Prefix is where records live; DefaultPrefix if empty. A "/" is
	// appended if it does not end in one.
	Prefix string
	// DialTimeout bounds the first connection; 5s if zero.
	DialTimeout time.Duration
	// TLS, if set, secures the connection (https endpoints).
	TLS *tls.Config
	// Username and Password, if set, authenticate to etcd.
	Username, Password string
	// MaxAttempts bounds how often Update runs fn on conflicts;
	// DefaultMaxAttempts if zero.
	MaxAttempts int
	// MaxTxnOps is the server's --max-txn-ops; DefaultMaxTxnOps if zero.
	MaxTxnOps int
	// MaxRequestBytes is the server's --max-request-bytes;
	// DefaultMaxRequestBytes if zero.
	MaxRequestBytes int
}

// Store is a store.Store in etcd. Create it with Open or New.
type Store struct {
	client      *clientv3.Client
	ownsClient  bool
	prefix      string // data keys are prefix+key
	fence       string // written by every transaction that deletes
	maxAttempts int
	limits      store.Limits

	// life ends, with cause store.ErrClosed, when the store is closed.
	life     context.Context
	close    context.CancelCauseFunc
	watchers sync.WaitGroup
	once     sync.Once
}

// Open connects to etcd and returns a store under cfg.Prefix. Close closes
// the connection.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("store/etcd: Config.Endpoints: at least one endpoint is required")
	}
	dial := cfg.DialTimeout
	if dial == 0 {
		dial = defaultDialTimeout
	}
	if cfg.MaxTxnOps == 0 {
		cfg.MaxTxnOps = DefaultMaxTxnOps
	}
	if cfg.MaxRequestBytes == 0 {
		cfg.MaxRequestBytes = DefaultMaxRequestBytes
	}
	c, err := clientv3.New(clientv3.Config{
		Endpoints:   cfg.Endpoints,
		DialTimeout: dial,
		TLS:         cfg.TLS,
		Username:    cfg.Username,
		Password:    cfg.Password,
		Context:     context.WithoutCancel(ctx),
		// The client's default (2 MiB) is below what a server with a
		// raised --max-request-bytes accepts.
		MaxCallSendMsgSize: max(2<<20, cfg.MaxRequestBytes+grpcOverhead),
		// Failures reach the caller as errors; the client's own log of
		// its retries would only repeat them on stderr.
		Logger: zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("store/etcd: connect to %v: %w", cfg.Endpoints, err)
	}
	// clientv3.New does not wait for a server; one read checks that etcd
	// answers before Open returns.
	pctx, cancel := context.WithTimeout(ctx, dial)
	defer cancel()
	if _, err := c.Get(pctx, "health", clientv3.WithCountOnly()); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("store/etcd: reach %v: %w", cfg.Endpoints, err)
	}
	s := newStore(c, cfg)
	s.ownsClient = true
	return s, nil
}

// New returns a store under prefix (DefaultPrefix if empty) that uses
// client, for a server with etcd's default bounds on a transaction.
// Close leaves the client open.
func New(client *clientv3.Client, prefix string) *Store {
	return newStore(client, Config{Prefix: prefix, MaxTxnOps: DefaultMaxTxnOps, MaxRequestBytes: DefaultMaxRequestBytes})
}

func newStore(c *clientv3.Client, cfg Config) *Store {
	prefix, maxAttempts := cfg.Prefix, cfg.MaxAttempts
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	life, cancel := context.WithCancelCause(context.Background())
	fence := strings.TrimSuffix(prefix, "/") + ".deletions"
	return &Store{
		client:      c,
		prefix:      prefix,
		fence:       fence,
		maxAttempts: maxAttempts,
		limits:      limits(cfg.MaxTxnOps, cfg.MaxRequestBytes, len(prefix), len(fence), len(cfg.Username)),
		life:        life,
		close:       cancel,
	}
}

// Bytes that the encoding of a Txn adds, at most, to what store.Limits
// counts (the keys without the store's prefix, the values):
const (
	// putOverhead per write: the tags and lengths of the RequestOp and of
	// its PutRequest or DeleteRangeRequest, key and value.
	putOverhead = 20
	// compareOverhead per compare: tags, lengths, the result, the target
	// and the ModRevision; a prefix compare also carries its range end,
	// as long as the prefix (store.Limits counts listed prefixes twice).
	compareOverhead = 32
	// requestOverhead once: the raft request's header (its ID, the user
	// name and auth revision) and the tag and length of the Txn.
	requestOverhead = 128
)

// limits returns the store.Limits of a store whose data keys carry a
// prefix of prefixLen bytes, for a server with the given bounds.
func limits(maxTxnOps, maxRequestBytes, prefixLen, fenceLen, userLen int) store.Limits {
	ops := maxTxnOps - 1 // the fence takes a write and a compare
	reserve := requestOverhead + userLen +
		putOverhead + fenceLen + compareOverhead + fenceLen + // the fence
		ops*(putOverhead+prefixLen) + // every write
		ops*(compareOverhead+2*prefixLen) // every compare
	return store.Limits{MaxOps: max(ops, 0), MaxBytes: max(maxRequestBytes-reserve, 0)}
}

// Limits returns the bounds on one transaction; see the package
// documentation.
func (s *Store) Limits() store.Limits { return s.limits }

// Client returns the etcd client the store uses.
func (s *Store) Client() *clientv3.Client { return s.client }

// Prefix returns the etcd key prefix of the store's records.
func (s *Store) Prefix() string { return s.prefix }

// begin checks that the store and ctx are live and returns a context that
// also ends, with cause store.ErrClosed, when the store is closed.
func (s *Store) begin(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if s.life.Err() != nil {
		return nil, nil, store.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(s.life, func() { cancel(store.ErrClosed) })
	return ctx, func() { stop(); cancel(nil) }, nil
}

// wrap turns an etcd error into the store's vocabulary: store.ErrClosed
// after Close, the context's error when it ended, store.ErrCompacted for a
// compacted revision.
func (s *Store) wrap(ctx context.Context, err error) error {
	switch {
	case err == nil:
		return nil
	case s.life.Err() != nil:
		return store.ErrClosed
	case ctx.Err() != nil:
		return context.Cause(ctx)
	case errors.Is(err, rpctypes.ErrCompacted):
		return fmt.Errorf("store/etcd: %w: %w", store.ErrCompacted, err)
	case errors.Is(err, rpctypes.ErrTooManyOps), errors.Is(err, rpctypes.ErrRequestTooLarge),
		status.Code(err) == codes.ResourceExhausted:
		return fmt.Errorf("store/etcd: %w: %w", store.ErrTooLarge, err)
	}
	return fmt.Errorf("store/etcd: %w", err)
}

// View runs fn in a read-only transaction on one etcd revision.
func (s *Store) View(ctx context.Context, fn func(tx store.Tx) error) error {
	ctx, done, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer done()
	t := newTx(s, ctx, false)
	defer t.end()
	if err := fn(t); err != nil {
		return err
	}
	return t.err
}

// Update runs fn in a read-write transaction and commits its writes in one
// etcd Txn, running fn again on conflicts (see the package documentation).
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	caller := ctx
	ctx, done, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer done()
	for attempt := range s.maxAttempts {
		if attempt > 0 {
			if err := pause(ctx, attempt); err != nil {
				return s.wrap(ctx, err)
			}
		}
		committed, err := s.attempt(ctx, caller, fn)
		if errors.Is(err, errStale) {
			continue
		}
		if err != nil || committed {
			return err
		}
	}
	return fmt.Errorf("store/etcd: gave up after %d attempts: %w", s.maxAttempts, store.ErrConflict)
}

// attempt runs fn once and tries to commit. committed is false, with a nil
// error, when the commit lost a conflict.
func (s *Store) attempt(ctx, caller context.Context, fn func(tx store.Tx) error) (committed bool, err error) {
	t := newTx(s, ctx, true)
	defer t.end()
	if err := fn(t); err != nil {
		if t.err != nil && errors.Is(t.err, errStale) {
			return false, errStale // fn saw a broken snapshot; run it again
		}
		return false, err
	}
	if t.err != nil {
		return false, t.err
	}
	txn, err := t.prepare()
	if err != nil || txn == nil {
		return txn == nil && err == nil, err
	}
	if err := caller.Err(); err != nil {
		return false, err
	}
	if s.life.Err() != nil {
		return false, store.ErrClosed
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	resp, err := s.client.Txn(cctx).If(txn.cmps...).Then(txn.ops...).Commit()
	if err != nil {
		return false, s.wrap(cctx, err)
	}
	return resp.Succeeded, nil
}

// pause sleeps a random time below min(backoffBase<<attempt, backoffMax),
// or until ctx ends.
func pause(ctx context.Context, attempt int) error {
	limit := backoffMax
	if attempt < 20 && backoffBase<<attempt < limit {
		limit = backoffBase << attempt
	}
	t := time.NewTimer(rand.N(limit) + 1)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close ends every watcher with store.ErrClosed and, if Open created the
// client, closes it. Closing twice returns nil.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		s.close(store.ErrClosed)
		s.watchers.Wait()
		if s.ownsClient {
			err = s.client.Close()
		}
	})
	return err
}

// Compact makes etcd forget the history up to and including rev, so that
// watching after an older revision fails with store.ErrCompacted. etcd
// keeps the changes of the revision it compacts at, so Compact compacts at
// rev+1; when rev is the newest revision it compacts at rev, and a watch
// after rev-1 still works until the next compaction. The compaction is
// cluster-wide. Compacting a revision already compacted is not an error.
func (s *Store) Compact(rev int64) error {
	ctx, done, err := s.begin(context.Background())
	if err != nil {
		return err
	}
	defer done()
	ctx, cancel := context.WithTimeout(ctx, compactTimeout)
	defer cancel()
	resp, err := s.client.Get(ctx, s.fence, clientv3.WithCountOnly())
	if err != nil {
		return s.wrap(ctx, err)
	}
	at := min(rev+1, resp.Header.Revision)
	if _, err := s.client.Compact(ctx, at); err != nil && !errors.Is(err, rpctypes.ErrCompacted) {
		return s.wrap(ctx, err)
	}
	return nil
}

var (
	_ store.Store   = (*Store)(nil)
	_ store.Limiter = (*Store)(nil)
)
