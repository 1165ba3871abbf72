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

func TestTaskCodecCoversEveryField(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var in Task
		fillRandom(r, reflect.ValueOf(&in).Elem())
		b, err := EncodeTask(&in)
		if err != nil {
			t.Fatal(err)
		}
		var out Task
		if err := DecodeTask(b, &out); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(in, out); d != "" {
			t.Fatalf("round trip differs (-in +out):\n%s", d)
		}
	}
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

// A task record written as JSON (before the codec) reads the same.
func TestTaskCodecReadsJSONRecords(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var in Task
	fillRandom(r, reflect.ValueOf(&in).Elem())
	b, err := json.Marshal(&in)
	if err != nil {
		t.Fatal(err)
	}
	var out Task
	if err := DecodeTask(b, &out); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(in, out); d != "" {
		t.Fatalf("JSON record reads differently (-in +out):\n%s", d)
	}
}

func TestTaskCodecRejectsDamage(t *testing.T) {
	var in Task
	fillRandom(rand.New(rand.NewPCG(5, 6)), reflect.ValueOf(&in).Elem())
	b, _ := EncodeTask(&in)
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"unknown format", append([]byte{99}, b[1:]...)},
		{"truncated", b[:len(b)/2]},
		{"trailing bytes", append(append([]byte{}, b...), 0)},
	} {
		var out Task
		if err := DecodeTask(c.b, &out); err == nil {
			t.Errorf("%s: decoded without error", c.name)
		}
	}
}

func FuzzDecodeTask(f *testing.F) {
	var in Task
	fillRandom(rand.New(rand.NewPCG(7, 8)), reflect.ValueOf(&in).Elem())
	b, _ := EncodeTask(&in)
	f.Add(b)
	f.Add([]byte{taskCodecVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		var out Task
		if DecodeTask(b, &out) != nil {
			return
		}
		// What decodes encodes again to bytes that decode the same.
		b2, err := EncodeTask(&out)
		if err != nil {
			return // overrides that JSON cannot encode
		}
		var again Task
		if err := DecodeTask(b2, &again); err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if !reflect.DeepEqual(out, again) {
			t.Fatal("re-encoded record decodes differently")
		}
	})
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
	r := rand.New(rand.NewPCG(11, 12))
	for range 200 {
		var in Instance
		fillRandom(r, reflect.ValueOf(&in).Elem())
		var out Instance
		if err := DecodeInstance(EncodeInstance(&in), &out); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(in, out); d != "" {
			t.Fatalf("round trip differs (-in +out):\n%s", d)
		}
		js, _ := json.Marshal(&in)
		var fromJSON Instance
		if err := DecodeInstance(js, &fromJSON); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(in, fromJSON); d != "" {
			t.Fatalf("JSON record reads differently (-in +out):\n%s", d)
		}
	}
}

func TestInstanceCodecRejectsDamage(t *testing.T) {
	var in Instance
	fillRandom(rand.New(rand.NewPCG(13, 14)), reflect.ValueOf(&in).Elem())
	b := EncodeInstance(&in)
	for _, bad := range [][]byte{nil, append([]byte{99}, b[1:]...), b[:len(b)/2], append(append([]byte{}, b...), 0)} {
		var out Instance
		if err := DecodeInstance(bad, &out); err == nil {
			t.Errorf("%q: decoded without error", bad)
		}
	}
}

func FuzzDecodeInstance(f *testing.F) {
	var in Instance
	fillRandom(rand.New(rand.NewPCG(15, 16)), reflect.ValueOf(&in).Elem())
	f.Add(EncodeInstance(&in))
	f.Fuzz(func(t *testing.T, b []byte) {
		var out Instance
		if DecodeInstance(b, &out) != nil {
			return
		}
		var again Instance
		if err := DecodeInstance(EncodeInstance(&out), &again); err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if !reflect.DeepEqual(out, again) {
			t.Fatal("re-encoded record decodes differently")
		}
	})
}
