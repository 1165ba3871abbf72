// Package testutil holds the helpers ecskit's tests share: a buffer that
// concurrent writers (loggers, child processes) may share with a reader,
// and the one rule for a test whose environment lacks something it needs
// (a Docker engine, root, a tool): skip with a message saying what is
// missing, unless ECSKIT_REQUIRE_DOCKER=1 (as CI sets) makes it a failure.
package testutil

import (
	"bytes"
	"os"
	"sync"
	"testing"
)

// RequireEnv is the environment variable that turns a missing engine
// (or other missing piece of the environment) from a skip into a failure
// when set to 1.
const RequireEnv = "ECSKIT_REQUIRE_DOCKER"

// SyncBuffer is a bytes.Buffer safe for concurrent writers and readers.
// The zero value is an empty buffer.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what has been written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Unavailable skips t, saying what is missing, or fails it when
// ECSKIT_REQUIRE_DOCKER=1.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf(format+" (%s=1 makes this a failure)", append(args, RequireEnv)...)
		return
	}
	t.Skipf(format+"; skipping (set %s=1 to fail instead)", append(args, RequireEnv)...)
}

// SkipShort skips t under go test -short, saying what it would do (for
// example "uses a Docker engine").
func SkipShort(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("%s; skipped with -short", what)
	}
}
