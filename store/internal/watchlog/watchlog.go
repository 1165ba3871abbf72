// Package watchlog is the bounded, in-memory change history behind the
// Watch of store/memory and store/bolt.
//
// The writer appends the events of each committed revision; it never waits
// for a watcher. Each watcher is one goroutine that walks the history at its
// own pace, so a slow watcher costs nothing but memory the history already
// holds. When the history drops revisions a watcher has not delivered yet
// (it fell more than the history bound behind, or Compact went past it), the
// watcher ends with store.ErrCompacted: it never skips an event silently.
package watchlog

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/ecskit/ecs/store"
)

// Default history bounds, used when none is given.
const (
	DefaultMaxEvents = 100_000
	DefaultMaxBytes  = 64 << 20
)

// eventOverhead is the size charged for an event besides its key and value.
const eventOverhead = 64

// maxBatch bounds how many revisions a watcher takes from the history at a
// time, so that a stalled watcher notices compaction soon after it resumes.
const maxBatch = 128

type revision struct {
	rev    int64
	events []store.Event // immutable once appended; values are never changed
	bytes  int
}

// Log is a bounded history of committed revisions. Revisions must be
// appended in order without gaps. It is safe for concurrent use.
type Log struct {
	mu        sync.Mutex
	revs      []revision // contiguous: revs[i].rev == compacted+1+i
	compacted int64      // the newest revision no longer held
	last      int64      // the newest revision appended (or the start)
	nevents   int
	nbytes    int
	maxEvents int
	maxBytes  int
	notify    chan struct{} // closed and replaced on every Append
	closed    bool

	done chan struct{} // closed by Close
	wg   sync.WaitGroup
}

// New returns a Log that remembers nothing up to and including revision
// start, and after it at most maxEvents events whose keys and values take
// at most about maxBytes (but always the newest revision). A bound <= 0
// selects its default.
func New(start int64, maxEvents, maxBytes int) *Log {
	if maxEvents <= 0 {
		maxEvents = DefaultMaxEvents
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return &Log{
		compacted: start,
		last:      start,
		maxEvents: maxEvents,
		maxBytes:  maxBytes,
		notify:    make(chan struct{}),
		done:      make(chan struct{}),
	}
}

// Append records the events of revision rev, which must be one more than
// the previous revision. The Log takes ownership of events.
func (l *Log) Append(rev int64, events []store.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if rev != l.last+1 {
		panic(fmt.Sprintf("watchlog: append of revision %d after %d", rev, l.last))
	}
	size := 0
	for _, ev := range events {
		size += eventOverhead + len(ev.Record.Key) + len(ev.Record.Value)
	}
	l.revs = append(l.revs, revision{rev: rev, events: events, bytes: size})
	l.last = rev
	l.nevents += len(events)
	l.nbytes += size
	drop, nevents, nbytes := 0, l.nevents, l.nbytes
	for (nevents > l.maxEvents || nbytes > l.maxBytes) && drop < len(l.revs)-1 {
		nevents -= len(l.revs[drop].events)
		nbytes -= l.revs[drop].bytes
		drop++
	}
	l.dropLocked(drop)
	close(l.notify)
	l.notify = make(chan struct{})
}

// Compact forgets every revision up to and including rev (at most the
// newest one). Watchers that have not delivered them end with
// store.ErrCompacted. After Close it fails with store.ErrClosed. It is the
// Compact of the stores that keep their history in a Log.
func (l *Log) Compact(rev int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return store.ErrClosed
	}
	rev = min(rev, l.last)
	if rev > l.compacted {
		l.dropLocked(int(rev - l.compacted))
	}
	return nil
}

// dropLocked forgets the oldest n revisions.
func (l *Log) dropLocked(n int) {
	if n == 0 {
		return
	}
	for _, r := range l.revs[:n] {
		l.nevents -= len(r.events)
		l.nbytes -= r.bytes
	}
	l.compacted = l.revs[n-1].rev
	clear(l.revs[:n])
	l.revs = l.revs[n:]
}

// Compacted returns the newest revision the Log no longer holds.
func (l *Log) Compacted() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.compacted
}

// Close ends every watcher with store.ErrClosed and waits for their
// goroutines to return. Watch fails with store.ErrClosed afterwards.
func (l *Log) Close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	close(l.done)
	l.mu.Unlock()
	l.wg.Wait()
}

// Watch starts a watcher of the keys under prefix for revisions after
// afterRevision. It fails with store.ErrCompacted if the Log no longer holds
// the revision after afterRevision, and with store.ErrClosed after Close.
// It is the Watch of the stores that keep their history in a Log.
func (l *Log) Watch(ctx context.Context, prefix string, afterRevision int64) (store.Watcher, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if afterRevision < 0 {
		return nil, fmt.Errorf("store: watch: afterRevision must not be negative, got %d", afterRevision)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, store.ErrClosed
	}
	if afterRevision < l.compacted {
		return nil, compactedError(afterRevision, l.compacted)
	}
	w := &watcher{log: l, ctx: ctx, prefix: prefix, next: afterRevision + 1, ch: make(chan store.Event)}
	l.wg.Add(1)
	go w.run()
	return w, nil
}

func compactedError(after, compacted int64) error {
	return fmt.Errorf("watch after revision %d: history starts after revision %d: %w", after, compacted, store.ErrCompacted)
}

// read returns up to maxBatch revisions from next on, or, when there are
// none yet, a channel closed by the next Append.
func (l *Log) read(next int64) ([]revision, <-chan struct{}, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if next <= l.compacted {
		return nil, nil, compactedError(next-1, l.compacted)
	}
	i := next - l.compacted - 1
	if i >= int64(len(l.revs)) {
		return nil, l.notify, nil
	}
	end := min(int64(len(l.revs)), i+maxBatch)
	return append([]revision(nil), l.revs[i:end]...), nil, nil
}

// watcher is one running watch. Its goroutine is the only sender on ch.
type watcher struct {
	log    *Log
	ctx    context.Context
	prefix string
	next   int64 // the first revision not yet delivered
	ch     chan store.Event

	mu  sync.Mutex
	err error
}

func (w *watcher) Events() <-chan store.Event { return w.ch }

func (w *watcher) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *watcher) run() {
	err := w.deliver()
	w.mu.Lock()
	w.err = err
	w.mu.Unlock()
	close(w.ch)
	w.log.wg.Done()
}

// deliver sends events until the watch ends and returns why: nil when the
// context is done.
func (w *watcher) deliver() error {
	for {
		revs, wait, err := w.log.read(w.next)
		if err != nil {
			return err
		}
		if wait != nil {
			select {
			case <-wait:
				continue
			case <-w.ctx.Done():
				return nil
			case <-w.log.done:
				return store.ErrClosed
			}
		}
		for _, r := range revs {
			for _, ev := range r.events {
				if !strings.HasPrefix(ev.Record.Key, w.prefix) {
					continue
				}
				if ev.Record.Value != nil {
					ev.Record.Value = append([]byte{}, ev.Record.Value...)
				}
				select {
				case w.ch <- ev:
				case <-w.ctx.Done():
					return nil
				case <-w.log.done:
					return store.ErrClosed
				}
			}
			w.next = r.rev + 1
		}
	}
}
