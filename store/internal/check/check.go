// Package check holds the few test assertions the store tests use. Each
// stops the test on failure; msg is an optional format string and its
// arguments.
package check

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
)

func fail(t testing.TB, what string, msg []any) {
	t.Helper()
	if len(msg) > 0 {
		if f, ok := msg[0].(string); ok {
			what = fmt.Sprintf(f, msg[1:]...) + ": " + what
		}
	}
	t.Fatal(what)
}

// NoError fails if err is not nil.
func NoError(t testing.TB, err error, msg ...any) {
	t.Helper()
	if err != nil {
		fail(t, fmt.Sprintf("unexpected error: %v", err), msg)
	}
}

// Error fails if err is nil.
func Error(t testing.TB, err error, msg ...any) {
	t.Helper()
	if err == nil {
		fail(t, "expected an error, got nil", msg)
	}
}

// ErrorIs fails unless errors.Is(err, target).
func ErrorIs(t testing.TB, err, target error, msg ...any) {
	t.Helper()
	if !errors.Is(err, target) {
		fail(t, fmt.Sprintf("error %v does not match %v", err, target), msg)
	}
}

// Equal fails if want and got differ, showing a go-cmp diff.
func Equal(t testing.TB, want, got any, msg ...any) {
	t.Helper()
	if diff := gocmp.Diff(want, got); diff != "" {
		fail(t, "mismatch (-want +got):\n"+diff, msg)
	}
}

// True fails if v is false.
func True(t testing.TB, v bool, msg ...any) {
	t.Helper()
	if !v {
		fail(t, "expected true", msg)
	}
}

// False fails if v is true.
func False(t testing.TB, v bool, msg ...any) {
	t.Helper()
	if v {
		fail(t, "expected false", msg)
	}
}

// Zero fails unless v is its type's zero value.
func Zero[T comparable](t testing.TB, v T, msg ...any) {
	t.Helper()
	var zero T
	if v != zero {
		fail(t, fmt.Sprintf("expected zero, got %v", v), msg)
	}
}

// Len fails unless the slice, map, string or channel v has length n.
func Len(t testing.TB, v any, n int, msg ...any) {
	t.Helper()
	if l := reflect.ValueOf(v).Len(); l != n {
		fail(t, fmt.Sprintf("length is %d, want %d", l, n), msg)
	}
}

// Empty fails unless v has length 0.
func Empty(t testing.TB, v any, msg ...any) {
	t.Helper()
	Len(t, v, 0, msg...)
}

// Less fails unless a < b.
func Less[T cmp.Ordered](t testing.TB, a, b T, msg ...any) {
	t.Helper()
	if !(a < b) {
		fail(t, fmt.Sprintf("expected %v < %v", a, b), msg)
	}
}

// GreaterOrEqual fails unless a >= b.
func GreaterOrEqual[T cmp.Ordered](t testing.TB, a, b T, msg ...any) {
	t.Helper()
	if !(a >= b) {
		fail(t, fmt.Sprintf("expected %v >= %v", a, b), msg)
	}
}

// PanicsWithValue fails unless fn panics with want.
func PanicsWithValue(t testing.TB, want any, fn func(), msg ...any) {
	t.Helper()
	got, panicked := func() (v any, panicked bool) {
		defer func() { v = recover() }()
		panicked = true
		fn()
		panicked = false
		return nil, false
	}()
	if !panicked || got != want {
		fail(t, fmt.Sprintf("expected a panic with %v, got %v (panicked: %v)", want, got, panicked), msg)
	}
}
