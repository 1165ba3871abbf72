package ecs

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/internal/agents"
	"github.com/ecskit/ecs/internal/services"
	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/memory"
)

// DefaultCluster is the cluster that calls naming no cluster use.
const DefaultCluster = "default"

// ControlPlane is the ECS control plane of one region and account: it holds
// the ECS operations as methods (CreateCluster, RunTask, …). All state
// lives in its Store; a ControlPlane is safe for concurrent use and several
// may share one Store.
type ControlPlane struct {
	region  string
	account string
	store   store.Store
	clock   clock.Clock
	log     *slog.Logger
	newID   func() string

	randMu sync.Mutex
	rand   *mrand.Rand

	agentTimeout time.Duration
	agents       *agents.Tracker
	elector      Elector
	cache        *cache
	// placementRev is the store revision after the newest change that a
	// placement must see (see awaitPlacement).
	placementRev atomic.Int64
	services     *services.Scheduler

	ownStore bool
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	closed   sync.Once
}

// Option configures Open.
type Option func(*ControlPlane)

// WithRegion sets the region (default us-east-1).
func WithRegion(region string) Option { return func(cp *ControlPlane) { cp.region = region } }

// WithAccount sets the 12-digit account ID in ARNs (default 000000000000).
func WithAccount(account string) Option { return func(cp *ControlPlane) { cp.account = account } }

// WithStore sets the Store (default: a new store/memory, closed by Close).
func WithStore(s store.Store) Option { return func(cp *ControlPlane) { cp.store = s } }

// WithClock sets the clock (default: the system clock).
func WithClock(c clock.Clock) Option { return func(cp *ControlPlane) { cp.clock = c } }

// WithRandSeed seeds the random source used for placement (default: a
// random seed).
func WithRandSeed(seed uint64) Option {
	return func(cp *ControlPlane) { cp.rand = mrand.New(mrand.NewPCG(seed, seed^0x5DEECE66D)) }
}

// WithIDGenerator sets the generator of task, instance and container IDs;
// it must return unique 32-character lowercase hex strings.
func WithIDGenerator(gen func() string) Option { return func(cp *ControlPlane) { cp.newID = gen } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(cp *ControlPlane) { cp.log = l } }

// WithAgentTimeout sets how long after its last poll an agent counts as
// disconnected (default 3 minutes).
func WithAgentTimeout(d time.Duration) Option { return func(cp *ControlPlane) { cp.agentTimeout = d } }

// Elector decides which of several control planes sharing one store runs
// the controllers (the service scheduler). Every control plane serves the
// API; only the leader acts on its own. The election package implements it
// on etcd.
type Elector interface {
	// Lead blocks until this control plane is the leader or ctx ends. The
	// returned context is cancelled the moment leadership is lost.
	Lead(ctx context.Context) (context.Context, error)
}

// WithElector makes the controllers run only while e says this control
// plane leads (default: always, for a single process).
func WithElector(e Elector) Option { return func(cp *ControlPlane) { cp.elector = e } }

// lead runs the controllers for as long as this control plane leads, and
// campaigns again whenever leadership is lost.
func (cp *ControlPlane) lead(ctx context.Context) {
	if cp.elector == nil {
		cp.startControllers(ctx)
		cp.housekeep(ctx)
		return
	}
	for ctx.Err() == nil {
		lctx, err := cp.elector.Lead(ctx)
		if err != nil {
			if ctx.Err() == nil {
				cp.log.Warn("leader election failed", "err", err)
				_ = clock.Sleep(ctx, cp.clock, time.Second)
			}
			continue
		}
		cp.log.Info("leading: controllers started")
		cp.startControllers(lctx)
		cp.housekeep(lctx)
		cp.log.Info("leadership lost: controllers stopped")
	}
}

// Open opens a control plane. Close it to stop its background work.
func Open(opts ...Option) (*ControlPlane, error) {
	cp := &ControlPlane{
		region:       "us-east-1",
		account:      "000000000000",
		agentTimeout: 3 * time.Minute,
	}
	for _, o := range opts {
		o(cp)
	}
	if cp.store == nil {
		cp.store = memory.New()
		cp.ownStore = true
	}
	if cp.clock == nil {
		cp.clock = clock.Real()
	}
	if cp.log == nil {
		cp.log = slog.New(slog.DiscardHandler)
	}
	if cp.newID == nil {
		cp.newID = randomID
	}
	if cp.rand == nil {
		var b [8]byte
		_, _ = rand.Read(b[:])
		seed := binary.LittleEndian.Uint64(b[:])
		cp.rand = mrand.New(mrand.NewPCG(seed, seed^0x5DEECE66D))
	}
	if len(cp.account) != 12 {
		return nil, fmt.Errorf("ecs: account must be 12 digits, got %q", cp.account)
	}
	cp.agents = agents.New(cp.clock, cp.agentTimeout)
	cp.cache = newCache(cp)
	cp.services = newScheduler(cp)
	ctx, cancel := context.WithCancel(context.Background())
	cp.cancel = cancel
	if _, err := cp.cache.reload(ctx); err != nil {
		cancel()
		return nil, fmt.Errorf("ecs: open store: %w", err)
	}
	cp.wg.Add(1)
	go func() {
		defer cp.wg.Done()
		cp.cache.run(ctx)
	}()
	cp.wg.Add(1)
	go func() {
		defer cp.wg.Done()
		cp.lead(ctx)
	}()
	return cp, nil
}

// Close stops the control plane's background work and, if Open created
// the store, closes it.
func (cp *ControlPlane) Close() error {
	var err error
	cp.closed.Do(func() {
		cp.cancel()
		cp.wg.Wait()
		if cp.ownStore {
			err = cp.store.Close()
		}
	})
	return err
}

// Region is the control plane's region.
func (cp *ControlPlane) Region() string { return cp.region }

// Account is the control plane's account ID.
func (cp *ControlPlane) Account() string { return cp.account }

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// randInt63 returns a placement seed.
func (cp *ControlPlane) seed() int64 {
	cp.randMu.Lock()
	defer cp.randMu.Unlock()
	return cp.rand.Int64()
}

func (cp *ControlPlane) now() Time { return NewTime(cp.clock.Now()) }

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
