package logs_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ecskit/ecs/logs"
	"github.com/stretchr/testify/require"
)

func TestGetLogEventsTokens(t *testing.T) {
	c := newClock()
	s := logs.NewMemory(logs.WithClock(c.Now))
	newStream(t, s, "g", "s")
	get := func(in logs.GetLogEventsInput) logs.GetLogEventsOutput {
		t.Helper()
		in.LogGroupName, in.LogStreamName = "g", "s"
		out, err := s.GetLogEvents(in)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(out.NextForwardToken, "f/"), out.NextForwardToken)
		require.True(t, strings.HasPrefix(out.NextBackwardToken, "b/"), out.NextBackwardToken)
		return out
	}

	// An empty stream: no events; reading forward later sees new ones.
	empty := get(logs.GetLogEventsInput{})
	require.Empty(t, empty.Events)
	base := c.ms()
	put(t, s, "g", "s", base, "e0", "e1", "e2", "e3", "e4")
	later := get(logs.GetLogEventsInput{NextToken: empty.NextForwardToken})
	require.Equal(t, []string{"e0", "e1", "e2", "e3", "e4"}, messages(later.Events))

	// From the head in pages of two, then the end: the same token comes back.
	p1 := get(logs.GetLogEventsInput{StartFromHead: true, Limit: 2})
	require.Equal(t, []string{"e0", "e1"}, messages(p1.Events))
	p2 := get(logs.GetLogEventsInput{StartFromHead: true, Limit: 2, NextToken: p1.NextForwardToken})
	require.Equal(t, []string{"e2", "e3"}, messages(p2.Events))
	p3 := get(logs.GetLogEventsInput{StartFromHead: true, Limit: 2, NextToken: p2.NextForwardToken})
	require.Equal(t, []string{"e4"}, messages(p3.Events))
	end := get(logs.GetLogEventsInput{StartFromHead: true, Limit: 2, NextToken: p3.NextForwardToken})
	require.Empty(t, end.Events)
	require.Equal(t, p3.NextForwardToken, end.NextForwardToken, "no newer events: the same forward token")
	again := get(logs.GetLogEventsInput{NextToken: end.NextForwardToken})
	require.Equal(t, end.NextForwardToken, again.NextForwardToken)
	// New events appear from that token.
	put(t, s, "g", "s", base+10, "e5")
	tail := get(logs.GetLogEventsInput{StartFromHead: true, NextToken: end.NextForwardToken})
	require.Equal(t, []string{"e5"}, messages(tail.Events))

	// Backward from the tail: the newest page first, in ascending order.
	b1 := get(logs.GetLogEventsInput{Limit: 2})
	require.Equal(t, []string{"e4", "e5"}, messages(b1.Events))
	b2 := get(logs.GetLogEventsInput{Limit: 2, NextToken: b1.NextBackwardToken})
	require.Equal(t, []string{"e2", "e3"}, messages(b2.Events))
	b3 := get(logs.GetLogEventsInput{Limit: 2, NextToken: b2.NextBackwardToken})
	require.Equal(t, []string{"e0", "e1"}, messages(b3.Events))
	b4 := get(logs.GetLogEventsInput{Limit: 2, NextToken: b3.NextBackwardToken})
	require.Empty(t, b4.Events)
	require.Equal(t, b3.NextBackwardToken, b4.NextBackwardToken, "nothing older: the same backward token")
	// Forward from a backward page continues after it.
	f := get(logs.GetLogEventsInput{NextToken: b2.NextForwardToken})
	require.Equal(t, []string{"e4", "e5"}, messages(f.Events))

	// A time window: startTime inclusive, endTime exclusive.
	w := get(logs.GetLogEventsInput{StartFromHead: true, StartTime: base + 1, EndTime: base + 3})
	require.Equal(t, []string{"e1", "e2"}, messages(w.Events))
	wt := get(logs.GetLogEventsInput{StartTime: base + 1, EndTime: base + 3})
	require.Equal(t, []string{"e1", "e2"}, messages(wt.Events))

	for _, tok := range []string{"x", "f/123", "g/00000000000000000000000000000000000000000000000000000000"} {
		_, err := s.GetLogEvents(logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", NextToken: tok})
		require.Equal(t, logs.CodeInvalidParameter, code(err), tok)
	}
	_, err := s.GetLogEvents(logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", Limit: 10001})
	require.Equal(t, logs.CodeInvalidParameter, code(err))
	_, err = s.GetLogEvents(logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "nope"})
	require.Equal(t, logs.CodeResourceNotFound, code(err))
	_, err = s.GetLogEvents(logs.GetLogEventsInput{LogGroupName: "nope", LogStreamName: "s"})
	require.EqualError(t, err, "ResourceNotFoundException: The specified log group does not exist.")
	_, err = s.GetLogEvents(logs.GetLogEventsInput{LogGroupIdentifier: "arn:aws:logs:us-east-1:000000000000:log-group:g", LogStreamName: "s"})
	require.NoError(t, err)
}

func TestGetLogEventsOutOfOrderBatches(t *testing.T) {
	c := newClock()
	s := logs.NewMemory(logs.WithClock(c.Now))
	newStream(t, s, "g", "s")
	put(t, s, "g", "s", c.ms()+100, "late")
	put(t, s, "g", "s", c.ms(), "early")
	out, err := s.GetLogEvents(logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", StartFromHead: true})
	require.NoError(t, err)
	require.Equal(t, []string{"early", "late"}, messages(out.Events), "events are ordered by timestamp")
}

func TestFilterLogEvents(t *testing.T) {
	c := newClock()
	s := logs.NewMemory(logs.WithClock(c.Now))
	newStream(t, s, "g", "app/web/1")
	newStream(t, s, "g", "app/web/2")
	newStream(t, s, "g", "other")
	base := c.ms()
	put(t, s, "g", "app/web/1", base, "GET /a 200", "ERROR db down", "GET /b 500")
	put(t, s, "g", "app/web/2", base, "POST /c 201", "WARN slow", "ERROR disk full")
	put(t, s, "g", "other", base+1, "ERROR elsewhere")

	filter := func(in logs.FilterLogEventsInput) logs.FilterLogEventsOutput {
		t.Helper()
		in.LogGroupName = "g"
		out, err := s.FilterLogEvents(in)
		require.NoError(t, err)
		return out
	}
	msgs := func(out logs.FilterLogEventsOutput) []string {
		r := []string{}
		for _, e := range out.Events {
			r = append(r, e.Message)
		}
		return r
	}
	all := filter(logs.FilterLogEventsInput{})
	require.Equal(t, []string{"GET /a 200", "POST /c 201", "ERROR db down", "WARN slow", "ERROR elsewhere", "GET /b 500", "ERROR disk full"}, msgs(all), "interleaved by timestamp")
	require.Empty(t, all.NextToken)
	ids := map[string]bool{}
	for _, e := range all.Events {
		require.Len(t, e.EventID, 56)
		require.False(t, ids[e.EventID], "event ids are unique")
		ids[e.EventID] = true
	}
	require.Equal(t, "app/web/1", all.Events[0].LogStreamName)

	cases := []struct {
		name string
		in   logs.FilterLogEventsInput
		want []string
	}{
		{"one term", logs.FilterLogEventsInput{FilterPattern: "ERROR"}, []string{"ERROR db down", "ERROR elsewhere", "ERROR disk full"}},
		{"terms are ANDed", logs.FilterLogEventsInput{FilterPattern: "ERROR disk"}, []string{"ERROR disk full"}},
		{"case-sensitive", logs.FilterLogEventsInput{FilterPattern: "error"}, []string{}},
		{"quoted phrase", logs.FilterLogEventsInput{FilterPattern: `"db down"`}, []string{"ERROR db down"}},
		{"optional terms", logs.FilterLogEventsInput{FilterPattern: "?WARN ?500"}, []string{"WARN slow", "GET /b 500"}},
		{"excluded term", logs.FilterLogEventsInput{FilterPattern: "ERROR -disk -elsewhere"}, []string{"ERROR db down"}},
		{"stream names", logs.FilterLogEventsInput{LogStreamNames: []string{"app/web/2", "missing"}, FilterPattern: "ERROR"}, []string{"ERROR disk full"}},
		{"stream prefix", logs.FilterLogEventsInput{LogStreamNamePrefix: "app/", FilterPattern: "ERROR"}, []string{"ERROR db down", "ERROR disk full"}},
		{"time window, both ends inclusive", logs.FilterLogEventsInput{StartTime: base + 1, EndTime: base + 1}, []string{"ERROR db down", "WARN slow", "ERROR elsewhere"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, msgs(filter(tc.in)))
		})
	}

	// Pages of two chain through nextToken to the same events.
	var paged []string
	tok := ""
	for range 10 {
		out := filter(logs.FilterLogEventsInput{Limit: 2, NextToken: tok})
		require.LessOrEqual(t, len(out.Events), 2)
		paged = append(paged, msgs(out)...)
		if tok = out.NextToken; tok == "" {
			break
		}
	}
	require.Equal(t, msgs(all), paged)

	for _, in := range []logs.FilterLogEventsInput{
		{LogGroupName: "g", LogStreamNames: []string{"a"}, LogStreamNamePrefix: "a"},
		{LogGroupName: "g", FilterPattern: `{ $.level = "ERROR" }`},
		{LogGroupName: "g", FilterPattern: `"unbalanced`},
		{LogGroupName: "g", NextToken: "bogus"},
		{LogGroupName: "g", Limit: -1},
	} {
		_, err := s.FilterLogEvents(in)
		require.Equal(t, logs.CodeInvalidParameter, code(err), fmt.Sprintf("%+v", in))
	}
	_, err := s.FilterLogEvents(logs.FilterLogEventsInput{LogGroupName: "nope"})
	require.Equal(t, logs.CodeResourceNotFound, code(err))
}

func TestAWSLogsOptions(t *testing.T) {
	c, err := logs.ParseAWSLogsOptions(map[string]string{"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web"})
	require.NoError(t, err)
	require.Equal(t, logs.ModeNonBlocking, c.Mode)
	require.False(t, c.CreateGroup)
	require.Equal(t, int64(logs.DefaultMaxBufferSize), c.MaxBufferSize)
	require.Equal(t, "web/app/0123abcd", c.StreamName("app", "0123abcd", "d0cker1d"))
	c.StreamPrefix = ""
	require.Equal(t, "d0cker1d", c.StreamName("app", "0123abcd", "d0cker1d"), "without a prefix the stream is the container ID")

	c, err = logs.ParseAWSLogsOptions(map[string]string{"awslogs-group": "g", "awslogs-create-group": "true", "mode": "blocking", "max-buffer-size": "4m"})
	require.NoError(t, err)
	require.True(t, c.CreateGroup)
	require.Equal(t, logs.ModeBlocking, c.Mode)
	require.Equal(t, int64(4<<20), c.MaxBufferSize)

	for _, opts := range []map[string]string{
		{},
		{"awslogs-group": "g", "mode": "sometimes"},
		{"awslogs-group": "g", "awslogs-create-group": "yes please"},
		{"awslogs-group": "g", "max-buffer-size": "lots"},
	} {
		_, err := logs.ParseAWSLogsOptions(opts)
		require.Error(t, err, "%v", opts)
	}
	for in, want := range map[string]int64{"25000": 25000, "512k": 512 << 10, "1m": 1 << 20, "2MiB": 2 << 20, "1g": 1 << 30, "10MB": 10 << 20} {
		n, err := logs.ParseSize(in)
		require.NoError(t, err, in)
		require.Equal(t, want, n, in)
	}
}
