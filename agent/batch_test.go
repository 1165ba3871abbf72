package agent

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/stretchr/testify/require"
)

// batchCP records the batches it receives; the first call blocks until
// release is closed.
type batchCP struct {
	ControlPlane // nil: only the submit calls are used
	mu           sync.Mutex
	batches      [][]string
	singles      []string
	entered      chan struct{}
	release      chan struct{}
	unknown      bool // answer the batch call as an older ecsd would
	missing      string
}

func (cp *batchCP) SubmitTaskStateChanges(_ context.Context, in *ecs.SubmitTaskStateChangesInput) (*ecs.SubmitTaskStateChangesOutput, error) {
	if cp.unknown {
		return nil, &ecs.Error{Code: "UnknownOperationException", Message: "Unknown operation: SubmitTaskStateChanges"}
	}
	cp.mu.Lock()
	first := len(cp.batches) == 0
	var tasks []string
	out := &ecs.SubmitTaskStateChangesOutput{Acknowledgment: "true"}
	for _, c := range in.Changes {
		tasks = append(tasks, c.Task)
		if c.Task == cp.missing {
			out.Failures = append(out.Failures, ecs.Failure{Arn: c.Task, Reason: "InvalidParameterException", Detail: "The referenced task was not found."})
		}
	}
	cp.batches = append(cp.batches, tasks)
	cp.mu.Unlock()
	if first && cp.entered != nil {
		close(cp.entered)
		<-cp.release
	}
	return out, nil
}

func (cp *batchCP) SubmitTaskStateChange(_ context.Context, in *ecs.SubmitTaskStateChangeInput) (*ecs.SubmitTaskStateChangeOutput, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	cp.singles = append(cp.singles, in.Task)
	return &ecs.SubmitTaskStateChangeOutput{Acknowledgment: "true"}, nil
}

// TestBatcherCoalesces holds the first batch on its way: the changes that
// come in meanwhile leave together in the second, and each caller gets its
// own answer.
func TestBatcherCoalesces(t *testing.T) {
	cp := &batchCP{entered: make(chan struct{}), release: make(chan struct{}), missing: "t3"}
	a := New(Config{ControlPlane: cp})
	ctx := context.Background()
	errs := make(chan error, 4)
	go func() { errs <- a.submit(ctx, &ecs.SubmitTaskStateChangeInput{Task: "t0"}) }()
	<-cp.entered
	results := map[string]chan error{}
	for i := 1; i <= 3; i++ {
		id := fmt.Sprintf("t%d", i)
		res := make(chan error, 1)
		results[id] = res
		go func() { res <- a.submit(ctx, &ecs.SubmitTaskStateChangeInput{Task: id}) }()
	}
	require.Eventually(t, func() bool {
		a.batch.mu.Lock()
		defer a.batch.mu.Unlock()
		return len(a.batch.queue) == 3
	}, 10*time.Second, time.Millisecond)
	close(cp.release)
	require.NoError(t, <-errs)
	require.NoError(t, <-results["t1"])
	require.NoError(t, <-results["t2"])
	var e *ecs.Error
	require.ErrorAs(t, <-results["t3"], &e)
	require.Equal(t, ecs.Code("InvalidParameterException"), e.Code)
	require.Len(t, cp.batches, 2)
	require.Equal(t, []string{"t0"}, cp.batches[0])
	require.ElementsMatch(t, []string{"t1", "t2", "t3"}, cp.batches[1])
}

// TestBatcherFallsBack sends changes one by one to a control plane that
// does not know the batch call.
func TestBatcherFallsBack(t *testing.T) {
	cp := &batchCP{unknown: true}
	a := New(Config{ControlPlane: cp})
	require.NoError(t, a.submit(context.Background(), &ecs.SubmitTaskStateChangeInput{Task: "t0"}))
	require.NoError(t, a.submit(context.Background(), &ecs.SubmitTaskStateChangeInput{Task: "t1"}))
	require.Equal(t, []string{"t0", "t1"}, cp.singles)
	require.True(t, a.batch.single.Load())
}
