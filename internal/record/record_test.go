package record

import (
	"context"
	"testing"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/memory"
	"github.com/ecskit/ecs/types"
	"github.com/stretchr/testify/require"
)

func TestSettleGivesBackWhatReserveTook(t *testing.T) {
	inst := &Instance{CPU: 1024, Memory: 2048, TaskPorts: []int{22}}
	task := &Task{CPU: 256, Memory: 512, Ports: []int{80}, PortsUDP: []int{53},
		Task: types.Task{Group: "service:web", LastStatus: types.TaskStatusPending, DesiredStatus: types.TaskStatusRunning}}
	inst.Reserve(task)
	Settle(inst, task)
	require.Equal(t, int64(256), inst.UsedCPU)
	require.Equal(t, []int{22, 80}, inst.TaskPorts)
	require.Equal(t, map[string]int{"service:web": 1}, inst.Groups)
	require.True(t, Settled(task))

	steps := []struct {
		name          string
		last, desired string
		running       int64
		usedCPU       int64
	}{
		{"running", types.TaskStatusRunning, types.TaskStatusRunning, 1, 256},
		{"stop requested", types.TaskStatusRunning, types.TaskStatusStopped, 0, 256},
		{"stopped", types.TaskStatusStopped, types.TaskStatusStopped, 0, 0},
		{"stopped again", types.TaskStatusStopped, types.TaskStatusStopped, 0, 0},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			task.Task.LastStatus, task.Task.DesiredStatus = st.last, st.desired
			Settle(inst, task)
			require.True(t, Settled(task))
			require.Equal(t, st.running, inst.RunningTasks)
			require.Equal(t, st.usedCPU, inst.UsedCPU)
		})
	}
	require.Equal(t, []int{22}, inst.TaskPorts)
	require.Empty(t, inst.Groups)
}

func TestCloneIsDeep(t *testing.T) {
	code := int64(1)
	a := &Task{Ports: []int{80}, Task: types.Task{Containers: []types.Container{{Name: "app", ExitCode: &code}}}}
	b := a.Clone()
	b.Ports[0] = 81
	*b.Task.Containers[0].ExitCode = 2
	b.Task.Containers[0].Name = "other"
	require.Equal(t, 80, a.Ports[0])
	require.Equal(t, int64(1), *a.Task.Containers[0].ExitCode)
	require.Equal(t, "app", a.Task.Containers[0].Name)
}

func TestGetPutListRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	task := &Task{Cluster: "c", ID: "t1", CPU: 128, Task: types.Task{TaskArn: "arn"}}
	inst := &Instance{Cluster: "c", ID: "i1", Status: types.StatusActive}
	require.NoError(t, st.Update(ctx, func(tx store.Tx) error {
		if err := Put(tx, TaskKey("c", "t1"), task); err != nil {
			return err
		}
		return Put(tx, InstanceKey("c", "i1"), inst)
	}))
	require.NoError(t, st.View(ctx, func(tx store.Tx) error {
		var got Task
		found, err := Get(tx, TaskKey("c", "t1"), &got)
		require.NoError(t, err)
		require.True(t, found)
		require.Equal(t, *task, got)
		found, err = Get(tx, TaskKey("c", "missing"), &got)
		require.NoError(t, err)
		require.False(t, found)
		insts, err := List[Instance](tx, InstancePrefix("c"))
		require.NoError(t, err)
		require.Equal(t, []Instance{*inst}, insts)
		return nil
	}))
}

func TestTaskDefinitionKeysSortByRevision(t *testing.T) {
	require.Less(t, TaskDefinitionKey("web", 9), TaskDefinitionKey("web", 10))
	require.Equal(t, "taskdefs/web/0000000010", TaskDefinitionKey("web", 10))
}
