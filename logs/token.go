package logs

import (
	"fmt"
	"strconv"
)

// GetLogEvents tokens are "f/" or "b/" and 56 digits: the timestamp (20)
// and sequence number (36) of a position in the stream. Forward from P
// means events at or after P; backward from P means events before P.
func posToken(dir byte, k key) string {
	return fmt.Sprintf("%c/%020d%036d", dir, k.ts, k.seq)
}

func parsePosToken(tok string) (byte, key, error) {
	if len(tok) != 58 || (tok[0] != 'f' && tok[0] != 'b') || tok[1] != '/' {
		return 0, key{}, invalid(msgBadToken)
	}
	ts, err1 := strconv.ParseInt(tok[2:22], 10, 64)
	seq, err2 := strconv.ParseUint(tok[22:], 10, 64)
	if err1 != nil || err2 != nil || ts < 0 {
		return 0, key{}, invalid(msgBadToken)
	}
	return tok[0], key{ts, seq}, nil
}

// eventID names an event across its group: 56 digits of timestamp (20),
// stream (16) and sequence number (20). FilterLogEvents' nextToken is the
// eventID of the last event returned.
func eventID(ts int64, sid, seq uint64) string {
	return fmt.Sprintf("%020d%016d%020d", ts, sid, seq)
}

type filterPos struct {
	ts       int64
	sid, seq uint64
}

func parseEventID(tok string) (filterPos, error) {
	if len(tok) != 56 {
		return filterPos{}, invalid(msgBadToken)
	}
	ts, err1 := strconv.ParseInt(tok[:20], 10, 64)
	sid, err2 := strconv.ParseUint(tok[20:36], 10, 64)
	seq, err3 := strconv.ParseUint(tok[36:], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || ts < 0 {
		return filterPos{}, invalid(msgBadToken)
	}
	return filterPos{ts, sid, seq}, nil
}

// seqToken is a stream's upload sequence token, still sent for old
// clients although CloudWatch no longer checks it.
func seqToken(n uint64) string { return fmt.Sprintf("%056d", n) }
