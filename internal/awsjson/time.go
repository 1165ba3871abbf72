package awsjson

import (
	"bytes"
	"strconv"
	"time"
)

// Time travels as AWS JSON timestamps do: a number of seconds since the
// epoch, with a fraction. The zero Time is sent as null.
type Time struct{ time.Time }

// NewTime wraps t, rounded to milliseconds.
func NewTime(t time.Time) Time { return Time{t.Round(time.Millisecond)} }

// MarshalJSON writes epoch seconds.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)), nil
}

// UnmarshalJSON reads epoch seconds.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(bytes.TrimSpace(b), `"`)
	if string(b) == "null" || len(b) == 0 {
		*t = Time{}
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*t = Time{time.UnixMilli(int64(f*1000 + 0.5)).UTC()}
	return nil
}
