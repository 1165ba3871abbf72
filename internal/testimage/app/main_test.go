package main

import (
	"os"
	"path/filepath"
	"testing"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestRunExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want int
	}{
		{"exit after a while", []string{"-run", "1ms", "-exit", "7"}, nil, 7},
		{"exit code from env", []string{"-run", "1ms"}, map[string]string{"TESTAPP_EXIT": "5"}, 5},
		{"args override env", []string{"-run", "1ms", "-exit", "1"}, map[string]string{"TESTAPP_EXIT": "5"}, 1},
		{"bad flag", []string{"-nope"}, nil, 2},
		{"write fails", []string{"-write", "/proc/nope/x=1", "-run", "1ms"}, nil, 3},
		{"fake runtime script", nil, map[string]string{"ECSKIT_FAKE_RUN_FOR": "1ms", "ECSKIT_FAKE_EXIT_CODE": "4"}, 4},
		{"TESTAPP beats the fake script", nil, map[string]string{"ECSKIT_FAKE_RUN_FOR": "1ms", "ECSKIT_FAKE_EXIT_CODE": "4", "TESTAPP_EXIT": "6"}, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := run(tc.args, env(tc.env)); got != tc.want {
				t.Errorf("run(%q) = %d, want %d", tc.args, got, tc.want)
			}
		})
	}
}

func TestWriteAndCopy(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a", "b", "f"), filepath.Join(dir, "c", "g")
	if code := run([]string{"-write", a + "=hello", "-copy", a + "=" + b, "-run", "1ms"}, env(nil)); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if got, err := os.ReadFile(b); string(got) != "hello" {
		t.Errorf("copied file = %q, %v", got, err)
	}
}

func TestHealth(t *testing.T) {
	dir := t.TempDir()
	present := filepath.Join(dir, "healthy")
	if err := os.WriteFile(present, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want int
	}{
		{"default healthy", []string{"health"}, nil, 0},
		{"env unhealthy", []string{"health"}, map[string]string{"TESTAPP_HEALTHY": "0"}, 1},
		{"fake script unhealthy", []string{"health"}, map[string]string{"ECSKIT_FAKE_HEALTH": "unhealthy"}, 1},
		{"fake script healthy", []string{"health"}, map[string]string{"ECSKIT_FAKE_HEALTH": "healthy"}, 0},
		{"file present", []string{"health", "-file", present}, nil, 0},
		{"file missing", []string{"health", "-file", filepath.Join(dir, "none")}, nil, 1},
		{"url unreachable", []string{"health", "-url", "http://127.0.0.1:1/"}, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := run(tc.args, env(tc.env)); got != tc.want {
				t.Errorf("run(%q) = %d, want %d", tc.args, got, tc.want)
			}
		})
	}
}
