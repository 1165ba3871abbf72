package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/ecskit/ecs"
)

// TestSmoke runs the harness at a tiny size on each store, clock and mode,
// and checks that its report adds up: every task RUNNING, as many
// described (and listed) as asked for, calls enough to place them, and a
// growth curve that reached 100 %.
func TestSmoke(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"memory", []string{"-instances", "10", "-tasks", "60"}},
		{"bolt", []string{"-instances", "6", "-tasks", "30", "-store", "bolt"}},
		{"fake clock", []string{"-instances", "6", "-tasks", "30", "-clock", "fake", "-fake-speed", "10"}},
		{"services", []string{"-instances", "6", "-tasks", "30", "-services", "3"}},
		{"etcd", []string{"-instances", "3", "-tasks", "12", "-batch", "4", "-store", "etcd", "-etcd-no-fsync"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			var out bytes.Buffer
			err := run(ctx, append(tc.args, "-progress", "0", "-timeout", "90s"), &out, io.Discard)
			require.NoError(t, err, out.String())
			cfg, err := parseFlags(tc.args, io.Discard)
			require.NoError(t, err)
			checkReport(t, cfg, out.String())
		})
	}
}

func checkReport(t *testing.T, cfg config, report string) {
	t.Helper()
	n := strconv.Itoa(cfg.tasks)
	find := func(re string) []string {
		t.Helper()
		m := regexp.MustCompile(re).FindStringSubmatch(report)
		require.NotNil(t, m, "no match for %q in:\n%s", re, report)
		return m
	}
	find(`(?m)^startup: ` + strconv.Itoa(cfg.instances) + ` agents registered in `)
	find(`(?m)^run: ` + n + ` of ` + n + ` tasks RUNNING in \S+: [0-9.]+ tasks/s \(all RUNNING\)$`)
	calls, err := strconv.Atoi(find(`(?m)^latency: \S+ (\d+) calls, p50 \S+, p99 \S+, max \S+, errors \d+, unplaced tasks \d+$`)[1])
	require.NoError(t, err)
	if cfg.services > 0 {
		require.GreaterOrEqual(t, calls, cfg.services)
		find(`(?m)^verify: DescribeTasks ` + n + ` tasks: RUNNING=` + n + `; services runningCount ` + n + `; in `)
	} else {
		require.GreaterOrEqual(t, calls, (cfg.tasks+cfg.batch-1)/cfg.batch)
		find(`(?m)^verify: DescribeTasks ` + n + ` tasks: RUNNING=` + n + `; ListTasks ` + n + `; in `)
	}
	find(`(?m)^growth: 100% \(` + n + ` tasks\) at \S+: [0-9.]+ tasks/s since start`)
	require.Len(t, regexp.MustCompile(`(?m)^growth: .* at `).FindAllString(report, -1), 3, report)
	find(`(?m)^heap: [0-9.]+ MiB in use after GC`)
	find(`(?m)^shutdown: `)
}

// TestTimeoutReportsHowFar gives a run no time at all: it must fail, and
// still report, rather than hang.
func TestTimeoutReportsHowFar(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-instances", "3", "-tasks", "12000", "-timeout", "150ms", "-progress", "0"}, &out, io.Discard)
	require.Error(t, err)
	if out.Len() > 0 { // the agents may not even have registered in time
		require.Regexp(t, `(?m)^run: \d+ of 12000 tasks RUNNING in .*\(INCOMPLETE: \d+ of 12000 created\)$`, out.String())
	}
}

func TestParseStrategy(t *testing.T) {
	cases := []struct {
		in   string
		want []ecs.PlacementStrategy
		err  bool
	}{
		{in: defaultStrategy, want: []ecs.PlacementStrategy{{Type: "spread", Field: "attribute:ecs.availability-zone"}, {Type: "binpack", Field: "memory"}}},
		{in: "random", want: []ecs.PlacementStrategy{{Type: "random"}}},
		{in: "none"},
		{in: ""},
		{in: "binpack(cpu", err: true},
		{in: "spread(x),", err: true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseStrategy(tc.in)
			if tc.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(tc.want, got))
			if len(tc.want) > 0 {
				require.Equal(t, tc.in, formatStrategy(got))
			}
		})
	}
}

func TestFlagsRejected(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"no instances", []string{"-instances", "0"}},
		{"batch over RunTask's limit", []string{"-batch", "11"}},
		{"more services than tasks", []string{"-tasks", "2", "-services", "3"}},
		{"unknown clock", []string{"-clock", "sundial"}},
		{"tasks that cannot fit", []string{"-instances", "1", "-tasks", "5000"}},
		{"stray argument", []string{"extra"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFlags(tc.args, io.Discard)
			require.Error(t, err)
		})
	}
	err := run(context.Background(), []string{"-store", "carrier-pigeon", "-instances", "1", "-tasks", "1"}, io.Discard, io.Discard)
	require.ErrorContains(t, err, "-store")
}
