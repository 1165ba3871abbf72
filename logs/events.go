package logs

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Limits of PutLogEvents on event age, as CloudWatch has them.
const (
	maxFuture = 2 * time.Hour
	maxPast   = 14 * 24 * time.Hour
	maxSpan   = 24 * time.Hour
	// maxResponseBytes bounds the events of one read, as CloudWatch's 1 MB.
	maxResponseBytes = 1 << 20
	defaultLimit     = 10000
)

// PutLogEvents appends a batch to a stream. The events must be in
// chronological order and span at most 24 hours; events more than two
// hours ahead, more than 14 days old, or older than the group's retention
// are not stored and are reported in RejectedLogEventsInfo. Storing never
// waits for room: the stream's oldest events are dropped instead.
func (s *Store) PutLogEvents(in PutLogEventsInput) (PutLogEventsOutput, error) {
	var out PutLogEventsOutput
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return out, err
	}
	if err := checkStreamName(in.LogStreamName); err != nil {
		return out, err
	}
	if err := checkBatch(in.LogEvents); err != nil {
		return out, err
	}
	st, cutoff, err := s.lookup(in.LogGroupName, in.LogStreamName)
	if err != nil {
		return out, err
	}
	now := s.nowMillis()
	lo, hi := 0, len(in.LogEvents)
	info := &RejectedLogEventsInfo{}
	for i, e := range in.LogEvents {
		switch {
		case e.Timestamp > now+maxFuture.Milliseconds():
			if info.TooNewLogEventStartIndex == nil {
				info.TooNewLogEventStartIndex = ptr(i)
				hi = i
			}
		case e.Timestamp < now-maxPast.Milliseconds():
			info.TooOldLogEventEndIndex = ptr(i)
			lo = max(lo, i+1)
		case cutoff > 0 && e.Timestamp < cutoff:
			info.ExpiredLogEventEndIndex = ptr(i)
			lo = max(lo, i+1)
		}
	}
	if *info != (RejectedLogEventsInfo{}) {
		out.RejectedLogEventsInfo = info
	}

	st.mu.Lock()
	defer st.mu.Unlock()
	if st.deleted {
		return PutLogEventsOutput{}, streamNotFound()
	}
	if lo < hi {
		evs := make([]stored, 0, hi-lo)
		for _, e := range in.LogEvents[lo:hi] {
			evs = append(evs, stored{key: key{e.Timestamp, st.nextSeq}, ingest: now, msg: e.Message})
			st.nextSeq++
		}
		st.add(evs)
		st.lastIngest = now
		dropped := st.trim(s.maxStreamBytes, cutoff)
		if err := s.persistEvents(st, evs, dropped); err != nil {
			s.log.Error("logs: write events to the store file", "group", st.group, "stream", st.name, "err", err)
			return PutLogEventsOutput{}, &Error{Code: CodeServiceUnavailable, Message: "The service cannot complete the request."}
		}
	}
	out.NextSequenceToken = seqToken(st.nextSeq)
	return out, nil
}

func ptr(i int) *int { return &i }

func checkBatch(evs []InputLogEvent) error {
	if len(evs) == 0 {
		return invalid("1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(evs) > MaxBatchEvents {
		return invalid("1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to %d", MaxBatchEvents)
	}
	total := 0
	for i, e := range evs {
		if e.Message == "" {
			return invalid("1 validation error detected: Value '' at 'logEvents.%d.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1", i+1)
		}
		n := len(e.Message) + EventOverhead
		if n > MaxEventBytes {
			return invalid("Log event too large: %d bytes exceeds limit of %d", n, MaxEventBytes)
		}
		total += n
		if i > 0 && e.Timestamp < evs[i-1].Timestamp {
			return invalid("Log events in a single PutLogEvents request must be in chronological order.")
		}
	}
	if total > MaxBatchBytes {
		return invalid("Upload too large: %d bytes exceeds limit of %d", total, MaxBatchBytes)
	}
	if evs[len(evs)-1].Timestamp-evs[0].Timestamp > maxSpan.Milliseconds() {
		return invalid("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	}
	return nil
}

func checkLimit(limit, most int) (int, error) {
	switch {
	case limit == 0:
		return most, nil
	case limit < 1 || limit > most:
		return 0, invalid("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and %d", limit, most)
	}
	return limit, nil
}

// GetLogEvents reads one stream, CloudWatch's way: without a token from
// the head (StartFromHead) or the tail; with one, forward or backward
// from where the previous call stopped. When nothing newer exists the
// forward token returned is the one passed in.
func (s *Store) GetLogEvents(in GetLogEventsInput) (GetLogEventsOutput, error) {
	out := GetLogEventsOutput{Events: []Event{}}
	groupName, err := resolveGroup(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return out, err
	}
	if err := checkStreamName(in.LogStreamName); err != nil {
		return out, err
	}
	limit, err := checkLimit(in.Limit, defaultLimit)
	if err != nil {
		return out, err
	}
	st, cutoff, err := s.lookup(groupName, in.LogStreamName)
	if err != nil {
		return out, err
	}
	lo := key{ts: max(in.StartTime, cutoff)}
	hi := key{ts: math.MaxInt64}
	if in.EndTime > 0 {
		hi = key{ts: in.EndTime}
	}
	dir, pos, hasToken := byte('f'), lo, in.NextToken != ""
	switch {
	case hasToken:
		if dir, pos, err = parsePosToken(in.NextToken); err != nil {
			return out, err
		}
	case !in.StartFromHead:
		dir, pos = 'b', hi
	}

	st.mu.RLock()
	defer st.mu.RUnlock()
	live := st.live()
	var page []stored
	if dir == 'f' {
		from := pos
		if from.cmp(lo) < 0 {
			from = lo
		}
		i, j := search(live, from), search(live, hi)
		n, size := 0, 0
		for k := i; k < j && n < limit; k++ {
			if size += int(live[k].size()); size > maxResponseBytes && n > 0 {
				break
			}
			n++
		}
		page = live[i : i+n]
	} else {
		to := pos
		if to.cmp(hi) > 0 {
			to = hi
		}
		i, j := search(live, lo), search(live, to)
		if j < i {
			j = i
		}
		n, size := 0, 0
		for k := j - 1; k >= i && n < limit; k-- {
			if size += int(live[k].size()); size > maxResponseBytes && n > 0 {
				break
			}
			n++
		}
		page = live[j-n : j]
	}
	for _, e := range page {
		out.Events = append(out.Events, Event{Timestamp: e.ts, Message: e.msg, IngestionTime: e.ingest})
	}
	if len(page) > 0 {
		out.NextForwardToken = posToken('f', page[len(page)-1].key.next())
		out.NextBackwardToken = posToken('b', page[0].key)
		return out, nil
	}
	switch {
	case dir == 'f':
		out.NextForwardToken, out.NextBackwardToken = posToken('f', pos), posToken('b', pos)
	case hasToken:
		out.NextForwardToken, out.NextBackwardToken = posToken('f', pos), posToken('b', pos)
	default: // an empty tail: read forward from the window's start next time
		out.NextForwardToken, out.NextBackwardToken = posToken('f', lo), posToken('b', lo)
	}
	return out, nil
}

// FilterLogEvents searches a group's streams (all, those named, or those
// with a prefix) for events matching a plain-text pattern between
// StartTime and EndTime (both inclusive), interleaved by timestamp.
func (s *Store) FilterLogEvents(in FilterLogEventsInput) (FilterLogEventsOutput, error) {
	out := FilterLogEventsOutput{Events: []FilteredLogEvent{}}
	groupName, err := resolveGroup(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return out, err
	}
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != "" {
		return out, invalid("Cannot specify both logStreamNames and logStreamNamePrefix.")
	}
	if len(in.LogStreamNames) > 100 {
		return out, invalid("1 validation error detected: Value at 'logStreamNames' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	limit, err := checkLimit(in.Limit, defaultLimit)
	if err != nil {
		return out, err
	}
	pat, err := compilePattern(in.FilterPattern)
	if err != nil {
		return out, err
	}
	var after *filterPos
	if in.NextToken != "" {
		p, err := parseEventID(in.NextToken)
		if err != nil {
			return out, err
		}
		after = &p
	}
	streams, cutoff, err := s.selectStreams(groupName, in.LogStreamNames, in.LogStreamNamePrefix)
	if err != nil {
		return out, err
	}
	end := int64(math.MaxInt64)
	if in.EndTime > 0 {
		end = in.EndTime
	}
	start := max(in.StartTime, cutoff)

	type hit struct {
		stored
		st *stream
	}
	var hits []hit
	for _, st := range streams {
		from := key{ts: start}
		if after != nil {
			var p key
			switch {
			case st.id > after.sid:
				p = key{ts: after.ts}
			case st.id < after.sid:
				p = key{ts: after.ts + 1}
			default:
				p = key{after.ts, after.seq + 1}
			}
			if p.cmp(from) > 0 {
				from = p
			}
		}
		st.mu.RLock()
		live := st.live()
		n := 0
		for i := search(live, from); i < len(live) && live[i].ts <= end && n <= limit; i++ {
			if pat.match(live[i].msg) {
				hits = append(hits, hit{live[i], st})
				n++
			}
		}
		st.mu.RUnlock()
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(a.ts, b.ts); c != 0 {
			return c
		}
		if c := cmp.Compare(a.st.id, b.st.id); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	size := 0
	for i, h := range hits {
		size += int(h.size())
		if i == limit || (size > maxResponseBytes && i > 0) {
			last := out.Events[len(out.Events)-1]
			out.NextToken = last.EventID
			break
		}
		out.Events = append(out.Events, FilteredLogEvent{
			LogStreamName: h.st.name,
			Timestamp:     h.ts,
			Message:       h.msg,
			IngestionTime: h.ingest,
			EventID:       eventID(h.ts, h.st.id, h.seq),
		})
	}
	return out, nil
}

// selectStreams returns the streams FilterLogEvents searches and the
// group's cutoff. Named streams that do not exist are skipped.
func (s *Store) selectStreams(groupName string, names []string, prefix string) ([]*stream, int64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, ok := s.groups[groupName]
	if !ok {
		return nil, 0, groupNotFound()
	}
	var out []*stream
	if len(names) > 0 {
		for _, n := range names {
			if st, ok := g.streams[n]; ok && !slices.Contains(out, st) {
				out = append(out, st)
			}
		}
	} else {
		for name, st := range g.streams {
			if strings.HasPrefix(name, prefix) {
				out = append(out, st)
			}
		}
	}
	return out, s.cutoff(g, s.nowMillis()), nil
}

// Events returns every event a stream keeps, oldest first: the Go way
// for a host program to read, say, one container's output.
func (s *Store) Events(groupName, streamName string) ([]Event, error) {
	st, cutoff, err := s.lookup(groupName, streamName)
	if err != nil {
		return nil, err
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	live := st.live()
	live = live[search(live, key{ts: cutoff}):]
	out := make([]Event, len(live))
	for i, e := range live {
		out[i] = Event{Timestamp: e.ts, Message: e.msg, IngestionTime: e.ingest}
	}
	return out, nil
}

// Sweep drops the events every group's retention no longer keeps. Reads
// never return them anyway; Sweep frees their memory (and file space).
func (s *Store) Sweep() error {
	s.mu.RLock()
	type job struct {
		st     *stream
		cutoff int64
	}
	var jobs []job
	now := s.nowMillis()
	for _, g := range s.groups {
		c := s.cutoff(g, now)
		if c == 0 {
			continue
		}
		for _, st := range g.streams {
			jobs = append(jobs, job{st, c})
		}
	}
	s.mu.RUnlock()
	for _, j := range jobs {
		j.st.mu.Lock()
		var err error
		if !j.st.deleted {
			if dropped := j.st.trim(s.maxStreamBytes, j.cutoff); len(dropped) > 0 {
				err = s.persistEvents(j.st, nil, dropped)
			}
		}
		j.st.mu.Unlock()
		if err != nil {
			return fmt.Errorf("logs: sweep %s/%s: %w", j.st.group, j.st.name, err)
		}
	}
	return nil
}
