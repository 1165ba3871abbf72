package record

// The primitives of the record codecs (see EncodeTask): varints, strings
// and lists with a length first, and a decoder whose first error sticks.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/ecskit/ecs/types"
)

// openRecord checks a record's format byte: isJSON for a record from
// before the codecs, else a decoder of the fields after the byte.
func openRecord(b []byte, kind string, version byte) (d recDecoder, isJSON bool, err error) {
	switch {
	case len(b) > 0 && b[0] == '{':
		return d, true, nil
	case len(b) == 0:
		return d, false, fmt.Errorf("empty %s record", kind)
	case b[0] != version:
		return d, false, fmt.Errorf("%s record format %d is unknown (this build reads %d)", kind, b[0], version)
	}
	return recDecoder{s: string(b[1:])}, false, nil
}

// close reports the first error of the decode, or bytes left unread.
func (d *recDecoder) close(kind string) error {
	if d.err == nil && len(d.s) > 0 {
		d.err = fmt.Errorf("%d bytes left over", len(d.s))
	}
	if d.err != nil {
		return fmt.Errorf("%s record: %w", kind, d.err)
	}
	return nil
}

type recEncoder struct{ b []byte }

func (e *recEncoder) attributes(v []types.Attribute) {
	e.list(v == nil, len(v))
	for _, a := range v {
		e.str(a.Name)
		e.str(a.Value)
		e.str(a.TargetType)
		e.str(a.TargetId)
	}
}

func (e *recEncoder) tags(v []types.Tag) {
	e.list(v == nil, len(v))
	for _, t := range v {
		e.str(t.Key)
		e.str(t.Value)
	}
}

func (d *recDecoder) attributes() []types.Attribute {
	n, ok := d.list()
	if !ok {
		return nil
	}
	v := make([]types.Attribute, n)
	for i := range v {
		v[i] = types.Attribute{Name: d.str(), Value: d.str(), TargetType: d.str(), TargetId: d.str()}
	}
	return v
}

func (d *recDecoder) tags() []types.Tag {
	n, ok := d.list()
	if !ok {
		return nil
	}
	v := make([]types.Tag, n)
	for i := range v {
		v[i] = types.Tag{Key: d.str(), Value: d.str()}
	}
	return v
}

func (e *recEncoder) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *recEncoder) int(v int64)   { e.b = binary.AppendVarint(e.b, v) }

func (e *recEncoder) str(s string) {
	e.uint(uint64(len(s)))
	e.b = append(e.b, s...)
}

// list writes a list's length, telling a nil list (0) from an empty one.
func (e *recEncoder) list(isNil bool, n int) {
	if isNil {
		e.uint(0)
		return
	}
	e.uint(uint64(n) + 1)
}

func (e *recEncoder) ints(v []int) {
	e.list(v == nil, len(v))
	for _, n := range v {
		e.int(int64(n))
	}
}

// bools packs up to 8 flags into one byte.
func (e *recEncoder) bools(v ...bool) {
	var f byte
	for i, b := range v {
		if b {
			f |= 1 << i
		}
	}
	e.b = append(e.b, f)
}

// time writes 0 for the zero time, else 1 and the epoch milliseconds.
func (e *recEncoder) time(t types.Time) {
	if t.IsZero() {
		e.uint(0)
		return
	}
	e.uint(1)
	e.int(t.UnixMilli())
}

// recDecoder reads what recEncoder wrote. The first error sticks; after
// it every read returns a zero value.
type recDecoder struct {
	s   string
	err error
}

var errTruncated = errors.New("truncated")

func (d *recDecoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	var v uint64
	var shift uint
	for i := 0; i < len(d.s) && i < binary.MaxVarintLen64; i++ {
		c := d.s[i]
		if c < 0x80 {
			d.s = d.s[i+1:]
			return v | uint64(c)<<shift
		}
		v |= uint64(c&0x7f) << shift
		shift += 7
	}
	d.err = errTruncated
	return 0
}

func (d *recDecoder) int() int64 {
	u := d.uint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (d *recDecoder) bytes(n uint64) string {
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.s)) {
		d.err = errTruncated
		return ""
	}
	v := d.s[:n]
	d.s = d.s[n:]
	return v
}

func (d *recDecoder) str() string { return d.bytes(d.uint()) }

// list reads a list's length; ok is false for a nil list. A length longer
// than the bytes left is an error, so a corrupt record cannot make the
// decoder allocate without bound.
func (d *recDecoder) list() (n int, ok bool) {
	v := d.uint()
	if v == 0 || d.err != nil {
		return 0, false
	}
	if v-1 > uint64(len(d.s)) {
		d.err = errTruncated
		return 0, false
	}
	return int(v - 1), true
}

func (d *recDecoder) ints() []int {
	n, ok := d.list()
	if !ok {
		return nil
	}
	v := make([]int, n)
	for i := range v {
		v[i] = int(d.int())
	}
	return v
}

func (d *recDecoder) bools(v ...*bool) {
	if d.err != nil {
		return
	}
	if len(d.s) == 0 {
		d.err = errTruncated
		return
	}
	f := d.s[0]
	d.s = d.s[1:]
	for i, b := range v {
		*b = f&(1<<i) != 0
	}
}

func (d *recDecoder) time() types.Time {
	if d.uint() == 0 {
		return types.Time{}
	}
	return types.Time{Time: time.UnixMilli(d.int()).UTC()}
}
