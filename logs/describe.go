package logs

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

const describeLimit = 50

// DescribeLogGroups lists groups by name, optionally those with a prefix
// or containing a pattern (case-insensitive).
func (s *Store) DescribeLogGroups(in DescribeLogGroupsInput) (DescribeLogGroupsOutput, error) {
	out := DescribeLogGroupsOutput{LogGroups: []LogGroup{}}
	if in.LogGroupNamePrefix != "" && in.LogGroupNamePattern != "" {
		return out, invalid("LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.")
	}
	limit, err := checkLimit(in.Limit, describeLimit)
	if err != nil {
		return out, err
	}
	offset, err := parseOffset(in.NextToken)
	if err != nil {
		return out, err
	}
	pattern := strings.ToLower(in.LogGroupNamePattern)
	s.mu.RLock()
	var names []string
	for name := range s.groups {
		if strings.HasPrefix(name, in.LogGroupNamePrefix) && strings.Contains(strings.ToLower(name), pattern) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if offset > len(names) {
		offset = len(names)
	}
	end := min(offset+limit, len(names))
	for _, name := range names[offset:end] {
		out.LogGroups = append(out.LogGroups, s.describeGroup(s.groups[name]))
	}
	s.mu.RUnlock()
	if end < len(names) {
		out.NextToken = offsetToken(end)
	}
	return out, nil
}

// describeGroup; call with s.mu held.
func (s *Store) describeGroup(g *group) LogGroup {
	arn := s.groupArn(g.name)
	lg := LogGroup{
		LogGroupName:    g.name,
		CreationTime:    g.created,
		RetentionInDays: g.retentionDays,
		Arn:             arn + ":*",
		LogGroupArn:     arn,
		LogGroupClass:   g.class,
	}
	for _, st := range g.streams {
		st.mu.RLock()
		lg.StoredBytes += st.bytes
		st.mu.RUnlock()
	}
	return lg
}

// DescribeLogStreams lists a group's streams by name or by the time of
// their last event.
func (s *Store) DescribeLogStreams(in DescribeLogStreamsInput) (DescribeLogStreamsOutput, error) {
	out := DescribeLogStreamsOutput{LogStreams: []LogStream{}}
	groupName, err := resolveGroup(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return out, err
	}
	byTime := false
	switch in.OrderBy {
	case "", "LogStreamName":
	case "LastEventTime":
		byTime = true
		if in.LogStreamNamePrefix != "" {
			return out, invalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
		}
	default:
		return out, invalid("1 validation error detected: Value '%s' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]", in.OrderBy)
	}
	limit, err := checkLimit(in.Limit, describeLimit)
	if err != nil {
		return out, err
	}
	offset, err := parseOffset(in.NextToken)
	if err != nil {
		return out, err
	}
	s.mu.RLock()
	g, ok := s.groups[groupName]
	if !ok {
		s.mu.RUnlock()
		return out, groupNotFound()
	}
	cutoff := s.cutoff(g, s.nowMillis())
	arn := s.groupArn(g.name)
	var all []LogStream
	for name, st := range g.streams {
		if strings.HasPrefix(name, in.LogStreamNamePrefix) {
			st.mu.RLock()
			all = append(all, st.info(arn, cutoff))
			st.mu.RUnlock()
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(all, func(a, b LogStream) int {
		if byTime && a.LastEventTimestamp != b.LastEventTimestamp {
			if a.LastEventTimestamp < b.LastEventTimestamp {
				return -1
			}
			return 1
		}
		return strings.Compare(a.LogStreamName, b.LogStreamName)
	})
	if in.Descending {
		slices.Reverse(all)
	}
	if offset > len(all) {
		offset = len(all)
	}
	end := min(offset+limit, len(all))
	out.LogStreams = append(out.LogStreams, all[offset:end]...)
	if end < len(all) {
		out.NextToken = offsetToken(end)
	}
	return out, nil
}

func offsetToken(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o/" + strconv.Itoa(n)))
}

func parseOffset(tok string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), "o/") {
		return 0, invalid(msgBadToken)
	}
	n, err := strconv.Atoi(string(b[2:]))
	if err != nil || n < 0 {
		return 0, invalid(msgBadToken)
	}
	return n, nil
}
