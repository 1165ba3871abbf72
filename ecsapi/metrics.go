package ecsapi

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ecskit/ecs"
)

// latencyBuckets are the upper bounds (seconds) of the request latency
// histogram.
var latencyBuckets = []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30}

// Metrics counts API calls and the placements they made. It is written in
// the Prometheus text exposition format by MetricsHandler.
type Metrics struct {
	mu         sync.Mutex
	requests   map[[2]string]uint64 // (action, code) -> count
	latency    map[string]*histogram
	placements uint64
	failures   map[string]uint64 // reason -> count
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; last is +Inf
	sum    float64
	count  uint64
}

func newMetrics() *Metrics {
	return &Metrics{requests: map[[2]string]uint64{}, latency: map[string]*histogram{}, failures: map[string]uint64{}}
}

// observe records one request; code is "" on success.
func (m *Metrics) observe(action, code string, d time.Duration) {
	if code == "" {
		code = "OK"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[2]string{action, code}]++
	h := m.latency[action]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets)+1)}
		m.latency[action] = h
	}
	s := d.Seconds()
	i := sort.SearchFloat64s(latencyBuckets, s)
	h.counts[i]++
	h.sum += s
	h.count++
}

// observePlacements counts the tasks placed and the failures reported by
// RunTask and StartTask.
func (m *Metrics) observePlacements(out any) {
	var tasks []ecs.Task
	var failures []ecs.Failure
	switch o := out.(type) {
	case *ecs.RunTaskOutput:
		tasks, failures = o.Tasks, o.Failures
	case *ecs.StartTaskOutput:
		tasks, failures = o.Tasks, o.Failures
	default:
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.placements += uint64(len(tasks))
	for _, f := range failures {
		m.failures[f.Reason]++
	}
}

// MetricsHandler serves the handler's metrics, and the control plane's
// tasks counted by cluster and lastStatus, in the Prometheus text format.
func (h *Handler) MetricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		counts, err := countTasks(r.Context(), h.cp)
		if err != nil {
			h.log.Warn("metrics: count tasks", "err", err)
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		bw := bufio.NewWriter(w)
		writeTaskGauge(bw, counts)
		h.metrics.write(bw)
		_ = bw.Flush()
	})
}

// write emits the API metrics.
func (m *Metrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()

	fmt.Fprintln(w, "# HELP ecsapi_requests_total ECS API requests by action and result (OK or the exception name).")
	fmt.Fprintln(w, "# TYPE ecsapi_requests_total counter")
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	for _, k := range keys {
		fmt.Fprintf(w, "ecsapi_requests_total{action=%s,code=%s} %d\n", quote(k[0]), quote(k[1]), m.requests[k])
	}

	fmt.Fprintln(w, "# HELP ecsapi_request_duration_seconds ECS API request latency by action.")
	fmt.Fprintln(w, "# TYPE ecsapi_request_duration_seconds histogram")
	for _, action := range sortedKeys(m.latency) {
		h := m.latency[action]
		var cum uint64
		for i, le := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "ecsapi_request_duration_seconds_bucket{action=%s,le=%s} %d\n", quote(action), quote(formatFloat(le)), cum)
		}
		fmt.Fprintf(w, "ecsapi_request_duration_seconds_bucket{action=%s,le=\"+Inf\"} %d\n", quote(action), h.count)
		fmt.Fprintf(w, "ecsapi_request_duration_seconds_sum{action=%s} %s\n", quote(action), formatFloat(h.sum))
		fmt.Fprintf(w, "ecsapi_request_duration_seconds_count{action=%s} %d\n", quote(action), h.count)
	}

	fmt.Fprintln(w, "# HELP ecsapi_placements_total Tasks placed by RunTask and StartTask calls.")
	fmt.Fprintln(w, "# TYPE ecsapi_placements_total counter")
	fmt.Fprintf(w, "ecsapi_placements_total %d\n", m.placements)
	fmt.Fprintln(w, "# HELP ecsapi_placement_failures_total Placement failures reported by RunTask and StartTask calls, by reason.")
	fmt.Fprintln(w, "# TYPE ecsapi_placement_failures_total counter")
	for _, reason := range sortedKeys(m.failures) {
		fmt.Fprintf(w, "ecsapi_placement_failures_total{reason=%s} %d\n", quote(reason), m.failures[reason])
	}
}

// taskCount is a number of tasks of one cluster in one lastStatus.
type taskCount struct {
	cluster, status string
	n               int
}

// countTasks counts every task the control plane still knows, by cluster
// and lastStatus.
func countTasks(ctx context.Context, cp *ecs.ControlPlane) ([]taskCount, error) {
	var clusters []string
	for next := ""; ; {
		out, err := cp.ListClusters(ctx, &ecs.ListClustersInput{NextToken: next})
		if err != nil {
			return nil, err
		}
		clusters = append(clusters, out.ClusterArns...)
		if next = out.NextToken; next == "" {
			break
		}
	}
	var counts []taskCount
	for _, arn := range clusters {
		byStatus := map[string]int{}
		for _, desired := range []string{ecs.TaskStatusRunning, ecs.TaskStatusStopped} {
			for next := ""; ; {
				out, err := cp.ListTasks(ctx, &ecs.ListTasksInput{Cluster: arn, DesiredStatus: desired, NextToken: next})
				if err != nil {
					return counts, err
				}
				if len(out.TaskArns) > 0 {
					d, err := cp.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: arn, Tasks: out.TaskArns})
					if err != nil {
						return counts, err
					}
					for _, t := range d.Tasks {
						byStatus[t.LastStatus]++
					}
				}
				if next = out.NextToken; next == "" {
					break
				}
			}
		}
		name := arn[strings.LastIndex(arn, "/")+1:]
		for _, s := range sortedKeys(byStatus) {
			counts = append(counts, taskCount{cluster: name, status: s, n: byStatus[s]})
		}
	}
	return counts, nil
}

func writeTaskGauge(w io.Writer, counts []taskCount) {
	fmt.Fprintln(w, "# HELP ecs_tasks Tasks known to the control plane, by cluster and lastStatus.")
	fmt.Fprintln(w, "# TYPE ecs_tasks gauge")
	for _, c := range counts {
		fmt.Fprintf(w, "ecs_tasks{cluster=%s,status=%s} %d\n", quote(c.cluster), quote(c.status), c.n)
	}
}

// quote writes a label value with the exposition format's escapes.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
