package ecs

import (
	"context"
	"testing"

	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/store"
	"github.com/stretchr/testify/require"
)

// DescribeClusters counts from the cache; the counts must equal a count
// from the store at every step.
func TestClusterCountsFromCacheEqualStore(t *testing.T) {
	ctx := context.Background()
	cp, _ := testCP(t)
	a := registerInstance(t, cp, "", 4096, 8192)
	b := registerInstance(t, cp, "", 4096, 8192)
	registerTD(t, cp, "web", 128, 256, 0)

	check := func(step string) {
		t.Helper()
		// The instances' pendingTasksCount adds up to the cluster's.
		di, err := cp.DescribeContainerInstances(ctx, &DescribeContainerInstancesInput{ContainerInstances: []string{a, b}})
		require.NoError(t, err)
		var pending int64
		for _, ci := range di.ContainerInstances {
			pending += ci.PendingTasksCount
		}
		d, err := cp.DescribeClusters(ctx, &DescribeClustersInput{})
		require.NoError(t, err)
		require.Len(t, d.Clusters, 1)
		var scanned *Cluster
		require.NoError(t, cp.store.View(ctx, func(tx store.Tx) error {
			rec, err := cp.activeCluster(tx, DefaultCluster)
			if err != nil {
				return err
			}
			scanned, err = cp.describeCluster(tx, rec, nil, 0)
			return err
		}))
		got := d.Clusters[0]
		require.Equal(t, [3]int64{scanned.RegisteredContainerInstancesCount, scanned.RunningTasksCount, scanned.PendingTasksCount},
			[3]int64{got.RegisteredContainerInstancesCount, got.RunningTasksCount, got.PendingTasksCount}, step)
		require.Equal(t, scanned.PendingTasksCount, pending, step+": pendingTasksCount of the instances")
	}
	check("empty")
	run, err := cp.RunTask(ctx, &RunTaskInput{TaskDefinition: "web", Count: ptr(int64(6))})
	require.NoError(t, err)
	require.Len(t, run.Tasks, 6)
	check("six pending")
	d, err := cp.DescribeClusters(ctx, &DescribeClustersInput{})
	require.NoError(t, err)
	require.EqualValues(t, 6, d.Clusters[0].PendingTasksCount)
	for _, tk := range run.Tasks[:4] {
		_, err := cp.SubmitTaskStateChange(ctx, &SubmitTaskStateChangeInput{Task: tk.TaskArn, Status: TaskStatusRunning})
		require.NoError(t, err)
	}
	check("four running")
	_, err = cp.StopTask(ctx, &StopTaskInput{Task: run.Tasks[0].TaskArn})
	require.NoError(t, err)
	_, err = cp.SubmitTaskStateChange(ctx, &SubmitTaskStateChangeInput{Task: run.Tasks[0].TaskArn, Status: TaskStatusStopped})
	require.NoError(t, err)
	check("one stopped")
	_, err = cp.UpdateContainerInstancesState(ctx, &UpdateContainerInstancesStateInput{ContainerInstances: []string{a}, Status: StatusDraining})
	require.NoError(t, err)
	check("one draining")
	// Forced deregistration stops exactly the instance's live tasks, which
	// the cache names.
	on := map[string]bool{}
	for _, tk := range run.Tasks[1:] {
		if tk.ContainerInstanceArn == b {
			on[tk.TaskArn] = true
		}
	}
	require.NotEmpty(t, on, "no task landed on the second instance")
	_, err = cp.DeregisterContainerInstance(ctx, &DeregisterContainerInstanceInput{ContainerInstance: b, Force: ptr(true)})
	require.NoError(t, err)
	check("one deregistered")
	var arns []string
	for _, tk := range run.Tasks {
		arns = append(arns, tk.TaskArn)
	}
	dt, err := cp.DescribeTasks(ctx, &DescribeTasksInput{Tasks: arns})
	require.NoError(t, err)
	for _, tk := range dt.Tasks {
		if on[tk.TaskArn] {
			require.Equal(t, TaskStatusStopped, tk.LastStatus, "task on the deregistered instance")
		} else if tk.TaskArn != run.Tasks[0].TaskArn {
			require.NotEqual(t, TaskStatusStopped, tk.LastStatus, "task elsewhere")
		}
	}
}

// An instance's tasks come from the cache while it holds the instance's
// record at the version the transaction reads, even when it lags behind
// other writes; a task placed on the instance since makes it read the
// store instead, so none is missed.
func TestInstanceTasksNeverMissesATaskOnALaggingCache(t *testing.T) {
	ctx := context.Background()
	cp, _ := testCP(t)
	a := registerInstance(t, cp, "", 4096, 8192)
	b := registerInstance(t, cp, "", 4096, 8192)
	registerTD(t, cp, "web", 128, 256, 0)
	start := func(inst string) string {
		t.Helper()
		out, err := cp.StartTask(ctx, &StartTaskInput{TaskDefinition: "web", ContainerInstances: []string{inst}})
		require.NoError(t, err)
		require.Len(t, out.Tasks, 1)
		return out.Tasks[0].TaskArn
	}
	onA := []string{start(a), start(a)}
	require.NoError(t, cp.cache.await(ctx))

	tasksOf := func(inst string) (arns []string, fromCache bool) {
		t.Helper()
		require.NoError(t, cp.store.View(ctx, func(tx store.Tx) error {
			rec, err := cp.lookupInstance(tx, DefaultCluster, inst)
			if err != nil {
				return err
			}
			r, err := tx.Get(record.InstanceKey(rec.Cluster, rec.ID))
			if err != nil {
				return err
			}
			_, fromCache = cp.cache.instanceTaskIDs(rec.Cluster, rec.ID, tx.Revision(), r.Version)
			tasks, err := cp.instanceTasks(tx, rec)
			for _, tk := range tasks {
				arns = append(arns, tk.Task.TaskArn)
			}
			return err
		}))
		return arns, fromCache
	}

	cp.cache.hold.Lock() // the cache now lags
	held := true
	defer func() {
		if held {
			cp.cache.hold.Unlock()
		}
	}()
	start(b) // a write the cache has not applied, on another instance
	got, fromCache := tasksOf(a)
	require.True(t, fromCache, "the cache holds a's record at the version the transaction reads")
	require.ElementsMatch(t, onA, got)

	onA = append(onA, start(a)) // placed on a while the cache lags
	got, fromCache = tasksOf(a)
	require.False(t, fromCache, "a's record moved since the cache applied it")
	require.ElementsMatch(t, onA, got, "a task placed on a lagging cache's instance is missed")
	cp.cache.hold.Unlock()
	held = false
}
