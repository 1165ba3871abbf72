package record

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/ecskit/ecs/types"
	"github.com/google/go-cmp/cmp"
)

// fillRandom sets every field reachable from v to a random non-zero value
// (lists get one to three elements), so a field the codec forgets comes
// back zero and the round trip differs.
func fillRandom(r *rand.Rand, v reflect.Value) {
	if v.Type() == reflect.TypeFor[types.Time]() {
		v.Set(reflect.ValueOf(types.Time{Time: time.UnixMilli(r.Int64N(4e12) + 1).UTC()}))
		return
	}
	switch v.Kind() {
	case reflect.String:
		b := make([]byte, 1+r.IntN(12))
		for i := range b {
			b[i] = byte(' ' + r.IntN(95))
		}
		v.SetString(string(b))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(r.Int64N(1<<40) - 1<<39 | 1)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillRandom(r, v.Elem())
	case reflect.Slice:
		n := 1 + r.IntN(3)
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := range n {
			fillRandom(r, v.Index(i))
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 1 + r.IntN(3) {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fillRandom(r, k)
			fillRandom(r, e)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillRandom(r, v.Field(i))
			}
		}
	default:
		panic("fillRandom: " + v.Type().String())
	}
}

// codec is a record type's pair of codec functions.
type codec[T any] struct {
	encode func(*T) ([]byte, error)
	decode func([]byte, *T) error
}

var (
	taskCodec     = codec[Task]{EncodeTask, DecodeTask}
	instanceCodec = codec[Instance]{func(r *Instance) ([]byte, error) { return EncodeInstance(r), nil }, DecodeInstance}
)

// random returns a record with every field set (see fillRandom).
func random[T any](r *rand.Rand) T {
	var v T
	fillRandom(r, reflect.ValueOf(&v).Elem())
	return v
}

// roundTrips checks that n random records come back whole through the
// codec, and through JSON (records from before the codecs).
func (c codec[T]) roundTrips(t *testing.T, r *rand.Rand, n int) {
	t.Helper()
	for range n {
		in := random[T](r)
		b, err := c.encode(&in)
		if err != nil {
			t.Fatal(err)
		}
		var out T
		if err := c.decode(b, &out); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(in, out); d != "" {
			t.Fatalf("round trip differs (-in +out):\n%s", d)
		}
		js, err := json.Marshal(&in)
		if err != nil {
			t.Fatal(err)
		}
		var fromJSON T
		if err := c.decode(js, &fromJSON); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(in, fromJSON); d != "" {
			t.Fatalf("JSON record reads differently (-in +out):\n%s", d)
		}
	}
}

// rejectsDamage checks that an empty, unknown, truncated or overlong
// encoding of a random record fails to decode.
func (c codec[T]) rejectsDamage(t *testing.T, r *rand.Rand) {
	t.Helper()
	in := random[T](r)
	b, err := c.encode(&in)
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"empty":          nil,
		"unknown format": append([]byte{99}, b[1:]...),
		"truncated":      b[:len(b)/2],
		"trailing bytes": append(append([]byte{}, b...), 0),
	} {
		var out T
		if err := c.decode(bad, &out); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

// fuzz checks that whatever decodes encodes again to bytes that decode
// the same.
func (c codec[T]) fuzz(f *testing.F, r *rand.Rand) {
	in := random[T](r)
	b, _ := c.encode(&in)
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		var out T
		if c.decode(b, &out) != nil {
			return
		}
		b2, err := c.encode(&out)
		if err != nil {
			return // overrides that JSON cannot encode
		}
		var again T
		if err := c.decode(b2, &again); err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if !reflect.DeepEqual(out, again) {
			t.Fatal("re-encoded record decodes differently")
		}
	})
}

func TestTaskCodecCoversEveryField(t *testing.T) {
	taskCodec.roundTrips(t, rand.New(rand.NewPCG(1, 2)), 200)
}

func TestTaskCodecKeepsNilApartFromEmpty(t *testing.T) {
	in := Task{Ports: []int{}, Task: types.Task{Containers: []types.Container{{NetworkBindings: []types.NetworkBinding{}}}, Tags: []types.Tag{}}}
	b, err := EncodeTask(&in)
	if err != nil {
		t.Fatal(err)
	}
	var out Task
	if err := DecodeTask(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Ports == nil || out.Task.Tags == nil || out.Task.Containers[0].NetworkBindings == nil || out.PortsUDP != nil || out.Task.Attributes != nil {
		t.Fatalf("nil and empty lists not kept apart: %+v", out)
	}
}

func TestTaskCodecRejectsDamage(t *testing.T) {
	taskCodec.rejectsDamage(t, rand.New(rand.NewPCG(5, 6)))
}

func FuzzDecodeTask(f *testing.F) {
	f.Add([]byte{taskCodecVersion})
	taskCodec.fuzz(f, rand.New(rand.NewPCG(7, 8)))
}

func BenchmarkTaskCodec(b *testing.B) {
	var in Task
	fillRandom(rand.New(rand.NewPCG(9, 10)), reflect.ValueOf(&in).Elem())
	in.Task.Overrides = nil
	enc, _ := EncodeTask(&in)
	js, _ := json.Marshal(&in)
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			_, _ = EncodeTask(&in)
		}
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			var out Task
			_ = DecodeTask(enc, &out)
		}
	})
	b.Run("encode-json", func(b *testing.B) {
		for b.Loop() {
			_, _ = json.Marshal(&in)
		}
	})
	b.Run("decode-json", func(b *testing.B) {
		for b.Loop() {
			var out Task
			_ = json.Unmarshal(js, &out)
		}
	})
	b.Logf("size: codec %d bytes, JSON %d bytes", len(enc), len(js))
}

func TestInstanceCodecCoversEveryField(t *testing.T) {
	instanceCodec.roundTrips(t, rand.New(rand.NewPCG(11, 12)), 200)
}

func TestInstanceCodecRejectsDamage(t *testing.T) {
	instanceCodec.rejectsDamage(t, rand.New(rand.NewPCG(13, 14)))
}

func FuzzDecodeInstance(f *testing.F) {
	instanceCodec.fuzz(f, rand.New(rand.NewPCG(15, 16)))
}
