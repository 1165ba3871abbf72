package logs

import (
	"cmp"
	"slices"
	"sync"
)

// key orders a stream's events: by timestamp, then by arrival.
type key struct {
	ts  int64
	seq uint64
}

func (a key) cmp(b key) int {
	if c := cmp.Compare(a.ts, b.ts); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

// next is the smallest key after k.
func (k key) next() key { return key{k.ts, k.seq + 1} }

type stored struct {
	key
	ingest int64
	msg    string
}

func (e stored) size() int64 { return int64(len(e.msg)) + EventOverhead }

// stream holds one stream's events in key order. Its mutex guards the
// events; the name, id and group never change.
type stream struct {
	group   string
	name    string
	id      uint64
	created int64

	mu         sync.RWMutex
	events     []stored // events[head:] are live, in key order
	head       int
	bytes      int64
	nextSeq    uint64
	lastIngest int64
	deleted    bool
}

func (st *stream) markDeleted() {
	st.mu.Lock()
	st.deleted = true
	st.events, st.head, st.bytes = nil, 0, 0
	st.mu.Unlock()
}

func (st *stream) live() []stored { return st.events[st.head:] }

// add inserts events (already given sequence numbers) keeping key order.
// Call with st.mu held.
func (st *stream) add(evs []stored) {
	l := st.live()
	inOrder := len(l) == 0 || l[len(l)-1].cmp(evs[0].key) < 0
	st.events = append(st.events, evs...)
	if !inOrder {
		slices.SortFunc(st.events[st.head:], func(a, b stored) int { return a.cmp(b.key) })
	}
	for _, e := range evs {
		st.bytes += e.size()
	}
}

// trim drops the oldest events until the stream is within maxBytes and
// holds nothing older than cutoff (0: no age limit). It returns the
// dropped keys. Call with st.mu held.
func (st *stream) trim(maxBytes, cutoff int64) []key {
	var dropped []key
	for st.head < len(st.events) {
		e := st.events[st.head]
		if st.bytes <= maxBytes && (cutoff == 0 || e.ts >= cutoff) {
			break
		}
		dropped = append(dropped, e.key)
		st.bytes -= e.size()
		st.events[st.head] = stored{}
		st.head++
	}
	if st.head > 1024 && st.head > len(st.events)/2 {
		st.events = append([]stored(nil), st.events[st.head:]...)
		st.head = 0
	}
	return dropped
}

// search is the index in live of the first event with key >= k.
func search(live []stored, k key) int {
	i, _ := slices.BinarySearchFunc(live, k, func(e stored, k key) int { return e.cmp(k) })
	return i
}

// info describes the stream as DescribeLogStreams does. Call with st.mu
// held for reading.
func (st *stream) info(arnPrefix string, cutoff int64) LogStream {
	ls := LogStream{
		LogStreamName: st.name,
		CreationTime:  st.created,
		Arn:           arnPrefix + ":log-stream:" + st.name,
		StoredBytes:   st.bytes,
	}
	l := st.live()
	if cutoff > 0 {
		l = l[search(l, key{ts: cutoff}):]
	}
	if len(l) > 0 {
		ls.FirstEventTimestamp = l[0].ts
		ls.LastEventTimestamp = l[len(l)-1].ts
		ls.LastIngestionTime = st.lastIngest
		ls.UploadSequenceToken = seqToken(st.nextSeq)
	}
	return ls
}
