package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// TestSmoke loads an in-process ecsd briefly and checks that the report
// adds up: every call sent was answered and placed its task.
func TestSmoke(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := run(ctx, []string{"-instances", "20", "-rate", "40", "-duration", "1s", "-progress", "0"}, env(), &out, io.Discard)
	require.NoError(t, err, out.String())
	report := out.String()
	require.Regexp(t, `(?m)^setup: 20 instances and a task definition registered through the API in `, report)
	require.Regexp(t, `(?m)^load: RunTask \(count 1\) at 40/s for 1s: 40 due, 40 sent, 40 answered, 40 ok, 0 errors; `, report)
	require.Regexp(t, `(?m)^latency: p50 \S+, p90 \S+, p99 \S+, max \S+$`, report)
	require.Regexp(t, `(?m)^tasks: 40 placed, 0 not placed$`, report)
}

// TestSignedRequests loads a server that requires one key: signed with
// it, the calls succeed; signed with another, the first is refused and
// no load is sent.
func TestSignedRequests(t *testing.T) {
	srv, err := startServer("memory", "us-east-1", "AKIDRIGHT", "right-secret", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer srv.close()
	args := []string{"-endpoint", srv.URL, "-instances", "3", "-rate", "20", "-duration", "500ms", "-progress", "0"}

	var out bytes.Buffer
	err = run(context.Background(), args, env("ECSD_ACCESS_KEY_ID", "AKIDRIGHT", "ECSD_SECRET_ACCESS_KEY", "right-secret"), &out, io.Discard)
	require.NoError(t, err, out.String())
	require.Regexp(t, `10 due, 10 sent, 10 answered, 10 ok, 0 errors`, out.String())

	out.Reset()
	err = run(context.Background(), append(args, "-instances", "0"), env("ECSD_ACCESS_KEY_ID", "AKIDRIGHT", "ECSD_SECRET_ACCESS_KEY", "wrong"), &out, io.Discard)
	require.ErrorContains(t, err, "InvalidSignatureException")
	require.NotContains(t, out.String(), "load:")
}

// TestBoundedWhenServerHangs loads a server that never answers RunTask:
// the tool must still stop on time, report the calls it could not send,
// and cancel those it did after -drain.
func TestBoundedWhenServerHangs(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body lets the server see the client go away.
		_, _ = io.Copy(io.Discard, r.Body)
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".RunTask") {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, "{}")
	}))
	defer hang.Close()
	var out bytes.Buffer
	t0 := time.Now()
	err := run(context.Background(), []string{"-endpoint", hang.URL, "-instances", "0", "-rate", "100", "-duration", "500ms",
		"-inflight", "2", "-drain", "200ms", "-progress", "0"}, env(), &out, io.Discard)
	require.Error(t, err)
	require.Less(t, time.Since(t0), 30*time.Second, "not bounded in time")
	require.Regexp(t, `50 due, 2 sent, 2 answered, 0 ok, 2 errors; .* 48 never sent`, out.String())
	require.Regexp(t, `(?m)^errors: canceled=2$`, out.String())
}

func TestFlagsRejected(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"not loopback", []string{"-endpoint", "http://192.0.2.1:4566"}},
		{"a host name", []string{"-endpoint", "http://example.com"}},
		{"no rate", []string{"-rate", "0"}},
		{"count over RunTask's limit", []string{"-count", "11"}},
		{"bad strategy", []string{"-strategy", "binpack(cpu"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFlags(tc.args, io.Discard)
			require.Error(t, err)
		})
	}
	c, err := parseFlags([]string{"-endpoint", "http://127.0.0.1:4566", "-rate", "500", "-duration", "60s"}, io.Discard)
	require.NoError(t, err)
	require.Equal(t, int64(30000), c.requests)
}
