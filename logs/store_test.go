package logs_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecskit/ecs/logs"
	"github.com/stretchr/testify/require"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
func (c *clock) ms() int64 { return c.Now().UnixMilli() }

func code(err error) string {
	var e *logs.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return fmt.Sprintf("not a logs.Error: %v", err)
}

func newStream(t *testing.T, s *logs.Store, group, stream string) {
	t.Helper()
	if !s.GroupExists(group) {
		require.NoError(t, s.CreateLogGroup(logs.CreateLogGroupInput{LogGroupName: group}))
	}
	require.NoError(t, s.CreateLogStream(logs.CreateLogStreamInput{LogGroupName: group, LogStreamName: stream}))
}

func put(t *testing.T, s *logs.Store, group, stream string, ts int64, msgs ...string) {
	t.Helper()
	var evs []logs.InputLogEvent
	for i, m := range msgs {
		evs = append(evs, logs.InputLogEvent{Timestamp: ts + int64(i), Message: m})
	}
	out, err := s.PutLogEvents(logs.PutLogEventsInput{LogGroupName: group, LogStreamName: stream, LogEvents: evs})
	require.NoError(t, err)
	require.Nil(t, out.RejectedLogEventsInfo)
}

func messages(evs []logs.Event) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, e.Message)
	}
	return out
}

func TestGroupsAndStreams(t *testing.T) {
	c := newClock()
	s := logs.NewMemory(logs.WithClock(c.Now), logs.WithRegion("eu-west-1"), logs.WithAccount("123456789012"))
	require.NoError(t, s.CreateLogGroup(logs.CreateLogGroupInput{LogGroupName: "/ecs/web"}))
	require.Equal(t, logs.CodeResourceAlreadyExists, code(s.CreateLogGroup(logs.CreateLogGroupInput{LogGroupName: "/ecs/web"})))
	require.Equal(t, logs.CodeInvalidParameter, code(s.CreateLogGroup(logs.CreateLogGroupInput{LogGroupName: "bad name"})))
	require.Equal(t, logs.CodeInvalidParameter, code(s.CreateLogGroup(logs.CreateLogGroupInput{LogGroupName: ""})))
	require.NoError(t, s.CreateLogGroup(logs.CreateLogGroupInput{LogGroupName: "/ecs/api"}))
	require.NoError(t, s.CreateLogGroup(logs.CreateLogGroupInput{LogGroupName: "other"}))

	out, err := s.DescribeLogGroups(logs.DescribeLogGroupsInput{LogGroupNamePrefix: "/ecs/"})
	require.NoError(t, err)
	require.Len(t, out.LogGroups, 2)
	require.Equal(t, "/ecs/api", out.LogGroups[0].LogGroupName)
	require.Equal(t, "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/api:*", out.LogGroups[0].Arn)
	require.Equal(t, "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/api", out.LogGroups[0].LogGroupArn)
	require.Equal(t, c.ms(), out.LogGroups[0].CreationTime)

	page, err := s.DescribeLogGroups(logs.DescribeLogGroupsInput{Limit: 2})
	require.NoError(t, err)
	require.Len(t, page.LogGroups, 2)
	require.NotEmpty(t, page.NextToken)
	page, err = s.DescribeLogGroups(logs.DescribeLogGroupsInput{Limit: 2, NextToken: page.NextToken})
	require.NoError(t, err)
	require.Len(t, page.LogGroups, 1)
	require.Equal(t, "other", page.LogGroups[0].LogGroupName)
	require.Empty(t, page.NextToken)
	_, err = s.DescribeLogGroups(logs.DescribeLogGroupsInput{NextToken: "junk"})
	require.Equal(t, logs.CodeInvalidParameter, code(err))
	pat, err := s.DescribeLogGroups(logs.DescribeLogGroupsInput{LogGroupNamePattern: "WEB"})
	require.NoError(t, err)
	require.Len(t, pat.LogGroups, 1)

	require.Equal(t, logs.CodeResourceNotFound, code(s.CreateLogStream(logs.CreateLogStreamInput{LogGroupName: "nope", LogStreamName: "s"})))
	require.NoError(t, s.CreateLogStream(logs.CreateLogStreamInput{LogGroupName: "/ecs/web", LogStreamName: "web/app/1"}))
	require.Equal(t, logs.CodeResourceAlreadyExists, code(s.CreateLogStream(logs.CreateLogStreamInput{LogGroupName: "/ecs/web", LogStreamName: "web/app/1"})))
	require.Equal(t, logs.CodeInvalidParameter, code(s.CreateLogStream(logs.CreateLogStreamInput{LogGroupName: "/ecs/web", LogStreamName: "a:b"})))
	c.Add(time.Second)
	require.NoError(t, s.CreateLogStream(logs.CreateLogStreamInput{LogGroupName: "/ecs/web", LogStreamName: "web/app/2"}))
	put(t, s, "/ecs/web", "web/app/1", c.ms(), "hello")

	st, err := s.DescribeLogStreams(logs.DescribeLogStreamsInput{LogGroupName: "/ecs/web"})
	require.NoError(t, err)
	require.Len(t, st.LogStreams, 2)
	require.Equal(t, "web/app/1", st.LogStreams[0].LogStreamName)
	require.Equal(t, c.ms(), st.LogStreams[0].LastEventTimestamp)
	require.Equal(t, int64(len("hello")+logs.EventOverhead), st.LogStreams[0].StoredBytes)
	require.Equal(t, "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/web:log-stream:web/app/1", st.LogStreams[0].Arn)
	require.Zero(t, st.LogStreams[1].LastEventTimestamp)
	byTime, err := s.DescribeLogStreams(logs.DescribeLogStreamsInput{LogGroupIdentifier: "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/web:*", OrderBy: "LastEventTime", Descending: true})
	require.NoError(t, err)
	require.Equal(t, "web/app/1", byTime.LogStreams[0].LogStreamName)
	_, err = s.DescribeLogStreams(logs.DescribeLogStreamsInput{LogGroupName: "/ecs/web", OrderBy: "LastEventTime", LogStreamNamePrefix: "web"})
	require.Equal(t, logs.CodeInvalidParameter, code(err))
	_, err = s.DescribeLogStreams(logs.DescribeLogStreamsInput{LogGroupName: "/ecs/nope"})
	require.Equal(t, logs.CodeResourceNotFound, code(err))
	require.True(t, errors.Is(err, logs.ErrResourceNotFound))

	require.NoError(t, s.DeleteLogStream(logs.DeleteLogStreamInput{LogGroupName: "/ecs/web", LogStreamName: "web/app/2"}))
	require.Equal(t, logs.CodeResourceNotFound, code(s.DeleteLogStream(logs.DeleteLogStreamInput{LogGroupName: "/ecs/web", LogStreamName: "web/app/2"})))
	require.NoError(t, s.DeleteLogGroup(logs.DeleteLogGroupInput{LogGroupName: "/ecs/web"}))
	require.Equal(t, logs.CodeResourceNotFound, code(s.DeleteLogGroup(logs.DeleteLogGroupInput{LogGroupName: "/ecs/web"})))
	_, err = s.PutLogEvents(logs.PutLogEventsInput{LogGroupName: "/ecs/web", LogStreamName: "web/app/1", LogEvents: []logs.InputLogEvent{{Timestamp: c.ms(), Message: "x"}}})
	require.Equal(t, logs.CodeResourceNotFound, code(err))
}

func TestPutLogEventsRules(t *testing.T) {
	c := newClock()
	s := logs.NewMemory(logs.WithClock(c.Now))
	newStream(t, s, "g", "s")
	now := c.ms()
	cases := []struct {
		name string
		evs  []logs.InputLogEvent
		want string // substring of the message
	}{
		{"empty batch", nil, "length greater than or equal to 1"},
		{"out of order", []logs.InputLogEvent{{now, "b"}, {now - 1, "a"}}, "chronological order"},
		{"empty message", []logs.InputLogEvent{{now, ""}}, "logEvents.1.member.message"},
		{"event too large", []logs.InputLogEvent{{now, strings.Repeat("x", logs.MaxEventBytes)}}, "Log event too large"},
		{"span over a day", []logs.InputLogEvent{{now - 25*3600*1000, "a"}, {now, "b"}}, "span more than 24 hours"},
		{"batch too large", func() []logs.InputLogEvent {
			var evs []logs.InputLogEvent
			for range 5 {
				evs = append(evs, logs.InputLogEvent{Timestamp: now, Message: strings.Repeat("y", 250_000)})
			}
			return evs
		}(), "Upload too large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.PutLogEvents(logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: tc.evs})
			require.Equal(t, logs.CodeInvalidParameter, code(err))
			require.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := s.PutLogEvents(logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "missing", LogEvents: []logs.InputLogEvent{{now, "a"}}})
	require.Equal(t, logs.CodeResourceNotFound, code(err))

	// Too old, stored, too new: the ends are rejected, the middle stored.
	day := int64(24 * 3600 * 1000)
	out, err := s.PutLogEvents(logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: []logs.InputLogEvent{
		{now - 15*day + 1, "old1"}, {now - 14*day - 1, "old2"}, {now, "kept"}, {now + 3*3600*1000, "new"},
	}})
	require.EqualError(t, err, "InvalidParameterException: The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	out, err = s.PutLogEvents(logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: []logs.InputLogEvent{
		{now - 14*day - 2, "old1"}, {now - 14*day - 1, "old2"}, {now - 14*day + 1000, "kept"},
	}})
	require.NoError(t, err)
	require.NotNil(t, out.RejectedLogEventsInfo)
	require.Equal(t, 1, *out.RejectedLogEventsInfo.TooOldLogEventEndIndex)
	require.Nil(t, out.RejectedLogEventsInfo.TooNewLogEventStartIndex)
	require.NotEmpty(t, out.NextSequenceToken)
	out, err = s.PutLogEvents(logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: []logs.InputLogEvent{
		{now, "kept2"}, {now + 3*3600*1000, "new1"}, {now + 4*3600*1000, "new2"},
	}})
	require.NoError(t, err)
	require.Equal(t, 1, *out.RejectedLogEventsInfo.TooNewLogEventStartIndex)
	evs, err := s.Events("g", "s")
	require.NoError(t, err)
	require.Equal(t, []string{"kept", "kept2"}, messages(evs))
	require.Equal(t, now, evs[1].IngestionTime)
}

func TestStreamByteLimitKeepsNewest(t *testing.T) {
	c := newClock()
	s := logs.NewMemory(logs.WithClock(c.Now), logs.WithMaxStreamBytes(logs.MaxEventBytes))
	newStream(t, s, "g", "s")
	line := strings.Repeat("z", 1000-logs.EventOverhead) // 1000 bytes an event
	total := 0
	for batch := range 50 {
		var evs []logs.InputLogEvent
		for i := range 20 {
			evs = append(evs, logs.InputLogEvent{Timestamp: c.ms(), Message: fmt.Sprintf("%04d-%s", batch*20+i, line[5:])})
			total++
		}
		_, err := s.PutLogEvents(logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: evs})
		require.NoError(t, err)
		c.Add(time.Millisecond)
	}
	evs, err := s.Events("g", "s")
	require.NoError(t, err)
	keep := logs.MaxEventBytes / 1000
	require.Len(t, evs, keep)
	require.True(t, strings.HasPrefix(evs[len(evs)-1].Message, fmt.Sprintf("%04d-", total-1)), "newest event kept")
	require.True(t, strings.HasPrefix(evs[0].Message, fmt.Sprintf("%04d-", total-keep)), "oldest events dropped first")
	ds, err := s.DescribeLogStreams(logs.DescribeLogStreamsInput{LogGroupName: "g"})
	require.NoError(t, err)
	require.LessOrEqual(t, ds.LogStreams[0].StoredBytes, int64(logs.MaxEventBytes))
}

func TestRetention(t *testing.T) {
	c := newClock()
	s := logs.NewMemory(logs.WithClock(c.Now), logs.WithRetention(time.Hour))
	newStream(t, s, "g", "s")
	put(t, s, "g", "s", c.ms(), "first")
	c.Add(40 * time.Minute)
	put(t, s, "g", "s", c.ms(), "second")
	c.Add(30 * time.Minute)
	evs, err := s.Events("g", "s")
	require.NoError(t, err)
	require.Equal(t, []string{"second"}, messages(evs), "an event past the store's retention is not read")
	require.NoError(t, s.Sweep())
	ds, _ := s.DescribeLogStreams(logs.DescribeLogStreamsInput{LogGroupName: "g"})
	require.Equal(t, int64(len("second")+logs.EventOverhead), ds.LogStreams[0].StoredBytes, "swept")

	// A group's retentionInDays applies too; the shorter one wins.
	require.Equal(t, logs.CodeInvalidParameter, code(s.PutRetentionPolicy(logs.PutRetentionPolicyInput{LogGroupName: "g", RetentionInDays: 2})))
	require.Equal(t, logs.CodeResourceNotFound, code(s.PutRetentionPolicy(logs.PutRetentionPolicyInput{LogGroupName: "x", RetentionInDays: 1})))
	s2 := logs.NewMemory(logs.WithClock(c.Now))
	newStream(t, s2, "g", "s")
	require.NoError(t, s2.PutRetentionPolicy(logs.PutRetentionPolicyInput{LogGroupName: "g", RetentionInDays: 1}))
	put(t, s2, "g", "s", c.ms()-23*3600*1000, "a")
	out, err := s2.PutLogEvents(logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: []logs.InputLogEvent{{c.ms() - 24*3600*1000 - 1, "expired"}, {c.ms() - 1, "b"}}})
	require.NoError(t, err)
	require.Equal(t, 0, *out.RejectedLogEventsInfo.ExpiredLogEventEndIndex)
	c.Add(2 * time.Hour)
	evs, _ = s2.Events("g", "s")
	require.Equal(t, []string{"b"}, messages(evs))
	dg, _ := s2.DescribeLogGroups(logs.DescribeLogGroupsInput{})
	require.Equal(t, 1, dg.LogGroups[0].RetentionInDays)
	require.NoError(t, s2.Sweep())
	require.NoError(t, s2.DeleteRetentionPolicy(logs.DeleteRetentionPolicyInput{LogGroupName: "g"}))
	evs, _ = s2.Events("g", "s")
	require.Equal(t, []string{"b"}, messages(evs), "the swept event is gone for good")
}

func TestBoltKeepsEventsAcrossReopen(t *testing.T) {
	c := newClock()
	path := filepath.Join(t.TempDir(), "logs.db")
	s, err := logs.OpenBolt(path, logs.WithClock(c.Now), logs.WithMaxStreamBytes(logs.MaxEventBytes))
	require.NoError(t, err)
	newStream(t, s, "g", "s")
	newStream(t, s, "g", "gone")
	require.NoError(t, s.PutRetentionPolicy(logs.PutRetentionPolicyInput{LogGroupName: "g", RetentionInDays: 7}))
	big := strings.Repeat("q", 140_000)
	put(t, s, "g", "s", c.ms(), "one", "two")
	put(t, s, "g", "s", c.ms()+5, big, big, "three") // drops one and two, and the first big
	require.NoError(t, s.DeleteLogStream(logs.DeleteLogStreamInput{LogGroupName: "g", LogStreamName: "gone"}))
	before, err := s.Events("g", "s")
	require.NoError(t, err)
	require.Len(t, before, 2)
	require.NoError(t, s.Close())

	s, err = logs.OpenBolt(path, logs.WithClock(c.Now), logs.WithMaxStreamBytes(logs.MaxEventBytes))
	require.NoError(t, err)
	after, err := s.Events("g", "s")
	require.NoError(t, err)
	require.Equal(t, len(before), len(after))
	for i := range before {
		require.True(t, before[i] == after[i], "event %d read back unchanged", i)
	}
	require.Equal(t, "three", after[1].Message)
	ds, err := s.DescribeLogStreams(logs.DescribeLogStreamsInput{LogGroupName: "g"})
	require.NoError(t, err)
	require.Len(t, ds.LogStreams, 1)
	dg, _ := s.DescribeLogGroups(logs.DescribeLogGroupsInput{})
	require.Equal(t, 7, dg.LogGroups[0].RetentionInDays)
	// New events continue after the old ones, and a new stream gets a new id.
	put(t, s, "g", "s", c.ms()+10, "four")
	newStream(t, s, "g", "fresh")
	after, _ = s.Events("g", "s")
	require.Equal(t, "four", after[len(after)-1].Message)
	require.NoError(t, s.DeleteLogGroup(logs.DeleteLogGroupInput{LogGroupName: "g"}))
	require.NoError(t, s.Close())

	s, err = logs.OpenBolt(path, logs.WithClock(c.Now))
	require.NoError(t, err)
	defer s.Close()
	require.False(t, s.GroupExists("g"))
}

// TestConcurrentWriters puts from many goroutines into a few streams
// while readers page through them; run with -race.
func TestConcurrentWriters(t *testing.T) {
	c := newClock()
	s := logs.NewMemory(logs.WithClock(c.Now))
	for i := range 4 {
		newStream(t, s, "g", fmt.Sprintf("s%d", i))
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				_, err := s.PutLogEvents(logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: fmt.Sprintf("s%d", w%4),
					LogEvents: []logs.InputLogEvent{{Timestamp: c.ms() + int64(i), Message: fmt.Sprintf("w%d-%d", w, i)}}})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 50 {
			if _, err := s.FilterLogEvents(logs.FilterLogEventsInput{LogGroupName: "g", FilterPattern: "w1"}); err != nil {
				t.Error(err)
			}
			if _, err := s.GetLogEvents(logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s1", StartFromHead: true}); err != nil {
				t.Error(err)
			}
		}
	}()
	wg.Wait()
	total := 0
	for i := range 4 {
		evs, err := s.Events("g", fmt.Sprintf("s%d", i))
		require.NoError(t, err)
		total += len(evs)
	}
	require.Equal(t, 800, total)
}
