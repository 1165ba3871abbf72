package types

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Time is a time.Time that travels as ECS sends timestamps: a JSON number
// of seconds since the epoch, with a fraction. It also reads the ISO 8601
// strings found in saved describe output. The zero Time is omitted from
// JSON by fields tagged omitzero.
type Time struct{ time.Time }

// NewTime wraps t, rounded to milliseconds as ECS reports times.
func NewTime(t time.Time) Time { return Time{t.Round(time.Millisecond)} }

// MarshalJSON writes epoch seconds.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	ms := t.UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)), nil
}

// UnmarshalJSON reads epoch seconds (number or numeric string) or an ISO
// 8601 / RFC 3339 string.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*t = Time{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			*t = fromEpoch(f)
			return nil
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-0700", "2006-01-02T15:04:05"} {
			if v, err := time.Parse(layout, s); err == nil {
				*t = Time{v}
				return nil
			}
		}
		return fmt.Errorf("invalid timestamp %q", s)
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("invalid timestamp %s", b)
	}
	*t = fromEpoch(f)
	return nil
}

func fromEpoch(f float64) Time {
	sec, frac := math.Modf(f)
	return Time{time.Unix(int64(sec), int64(math.Round(frac*1e3))*int64(time.Millisecond)).UTC()}
}
