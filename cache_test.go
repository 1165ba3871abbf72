package ecs

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/placement"
	"github.com/ecskit/ecs/store"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// cacheView is a cache's content in comparable form.
type cacheView struct {
	Tasks    map[string]string   // cluster/id -> indexed fields
	Insts    map[string]string   // cluster/id -> record and version
	InstTask map[string][]string // cluster/instance -> task IDs
	Lists    map[string][]string // cluster|desired|kind|value -> IDs
	Counts   map[string][3]int64 // cluster -> running, pending, registered instances
	TaskDefs []string
	Sched    map[string]string // cluster/id -> placement view
}

func viewOf(t *testing.T, c *cache) cacheView {
	t.Helper()
	c.mu.RLock()
	defer c.mu.RUnlock()
	v := cacheView{Tasks: map[string]string{}, Insts: map[string]string{}, InstTask: map[string][]string{},
		Lists: map[string][]string{}, Counts: map[string][3]int64{}}
	for name, cl := range c.clusters {
		for id, te := range cl.tasks {
			v.Tasks[name+"/"+id] = fmt.Sprint(te.instanceID, te.family, te.service, te.startedBy, te.group, te.launchType, te.desired, te.last)
		}
		for id, in := range cl.insts {
			if in.rec != nil {
				v.Insts[name+"/"+id] = fmt.Sprintf("%+v@%d", *in.rec, in.version)
			}
			var ids []string
			for tid := range in.tasks {
				ids = append(ids, tid)
			}
			sort.Strings(ids)
			if len(ids) > 0 {
				v.InstTask[name+"/"+id] = ids
			}
		}
		for k, s := range cl.lists {
			var ids []string
			s.Ascend("", func(id string) bool { ids = append(ids, id); return true })
			v.Lists[name+"|"+k.desired+"|"+k.kind+"|"+k.value] = ids
		}
		if cl.running != 0 || cl.pending != 0 || cl.registered != 0 {
			v.Counts[name] = [3]int64{cl.running, cl.pending, cl.registered}
		}
	}
	for k := range c.taskDefs {
		v.TaskDefs = append(v.TaskDefs, k)
	}
	sort.Strings(v.TaskDefs)
	return v
}

// schedView is what each cluster's scheduler holds once synced, as a
// fresh build from the cache's records would.
func schedView(t *testing.T, c *cache) map[string]string {
	t.Helper()
	out := map[string]string{}
	c.mu.RLock()
	names := make([]string, 0, len(c.clusters))
	for name := range c.clusters {
		names = append(names, name)
	}
	c.mu.RUnlock()
	for _, name := range names {
		c.mu.RLock()
		cl := c.clusters[name]
		c.mu.RUnlock()
		cl.schedMu.Lock()
		sc := c.syncSched(cl)
		for i := range sc.s.Len() {
			pi := sc.s.Instance(i)
			if pi.Status == StatusInactive {
				continue
			}
			out[name+"/"+pi.ID] = fmt.Sprintf("%v %d %d %v %v %d %v %v", pi.Status, pi.RemainingCPU, pi.RemainingMemory,
				pi.UsedPorts, pi.UsedPortsUDP, pi.RunningTasksCount, pi.Groups, pi.AgentConnected)
		}
		cl.schedMu.Unlock()
	}
	return out
}

// rebuilt is a cache built afresh from the store.
func rebuilt(t *testing.T, cp *ControlPlane) *cache {
	t.Helper()
	c := newCache(cp)
	require.NoError(t, cp.store.View(context.Background(), func(tx store.Tx) error { return c.load(tx) }))
	return c
}

// TestCacheEqualsRebuild runs random operations (instances registering,
// draining and deregistering, tasks run, reported, stopped and forgotten)
// and checks that the caches kept by the watch equal caches rebuilt from
// the store, the schedulers included.
func TestCacheEqualsRebuild(t *testing.T) {
	for seed := range uint64(8) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) { cacheProperty(t, seed) })
	}
}

func cacheProperty(t *testing.T, seed uint64) {
	ctx := context.Background()
	cp, clk := testCP(t)
	r := rand.New(rand.NewPCG(seed, 99))
	_, err := cp.CreateCluster(ctx, &CreateClusterInput{ClusterName: "other"})
	require.NoError(t, err)
	registerTD(t, cp, "web", 128, 256, 0)
	registerTD(t, cp, "api", 256, 512, 8080)
	clusters := []string{"", "other"}
	var insts, tasks []string
	for range 300 {
		switch op := r.IntN(20); {
		case op < 3 || len(insts) < 2:
			cl := clusters[r.IntN(2)]
			insts = append(insts, registerInstance(t, cp, cl, 1024, 2048,
				Attribute{Name: "ecs.availability-zone", Value: fmt.Sprintf("us-east-1%c", 'a'+r.IntN(3))}))
		case op < 9:
			arn := insts[r.IntN(len(insts))]
			cl := clusterOfARN(arn)
			in := &RunTaskInput{Cluster: cl, TaskDefinition: []string{"web", "api"}[r.IntN(2)], Count: ptr(int64(1 + r.IntN(4))),
				StartedBy: []string{"", "me", "you"}[r.IntN(3)]}
			if r.IntN(2) == 0 {
				in.PlacementStrategy = []PlacementStrategy{{Type: "spread", Field: "attribute:ecs.availability-zone"}, {Type: "binpack", Field: "memory"}}
			}
			out, err := cp.RunTask(ctx, in)
			if err == nil {
				for _, tk := range out.Tasks {
					tasks = append(tasks, tk.TaskArn)
				}
			}
		case op < 13 && len(tasks) > 0:
			arn := tasks[r.IntN(len(tasks))]
			status := []string{TaskStatusRunning, TaskStatusRunning, TaskStatusStopped}[r.IntN(3)]
			changes := []SubmitTaskStateChangeInput{{Cluster: clusterOfARN(arn), Task: arn, Status: status}}
			if r.IntN(2) == 0 && len(tasks) > 1 {
				other := tasks[r.IntN(len(tasks))]
				changes = append(changes, SubmitTaskStateChangeInput{Cluster: clusterOfARN(other), Task: other, Status: TaskStatusRunning})
			}
			_, err := cp.SubmitTaskStateChanges(ctx, &SubmitTaskStateChangesInput{Changes: changes})
			require.NoError(t, err)
		case op < 15 && len(tasks) > 0:
			arn := tasks[r.IntN(len(tasks))]
			_, _ = cp.StopTask(ctx, &StopTaskInput{Cluster: clusterOfARN(arn), Task: arn})
		case op < 17:
			arn := insts[r.IntN(len(insts))]
			status := []string{StatusDraining, StatusActive}[r.IntN(2)]
			_, _ = cp.UpdateContainerInstancesState(ctx, &UpdateContainerInstancesStateInput{Cluster: clusterOfARN(arn), ContainerInstances: []string{arn}, Status: status})
		case op < 18:
			arn := insts[r.IntN(len(insts))]
			_, _ = cp.DeregisterContainerInstance(ctx, &DeregisterContainerInstanceInput{Cluster: clusterOfARN(arn), ContainerInstance: arn, Force: ptr(r.IntN(2) == 0)})
		case op < 19:
			clk.Advance(StoppedTaskRetention + time.Minute)
			require.NoError(t, cp.housekeepOnce(ctx))
		default:
			// A poll moves the instance's answered revision, and with it
			// the versions the cache gives later changes.
			arn := insts[r.IntN(len(insts))]
			_, _ = cp.PollTasks(ctx, &PollTasksInput{Cluster: clusterOfARN(arn), ContainerInstance: arn, Incremental: true})
		}
	}
	cp.waitApplied(ctx, t)
	fresh := rebuilt(t, cp)
	if diff := cmp.Diff(viewOf(t, fresh), viewOf(t, cp.cache)); diff != "" {
		t.Fatalf("cache differs from a rebuild (-rebuild +cache):\n%s", diff)
	}
	if diff := cmp.Diff(schedView(t, fresh), schedView(t, cp.cache)); diff != "" {
		t.Fatalf("scheduler differs from a rebuild (-rebuild +cache):\n%s", diff)
	}
}

func clusterOfARN(arn string) string {
	cl, _, _ := clusterOfKey(arn[len("arn:aws:ecs:us-east-1:000000000000:"):])
	return cl
}

// TestLaggingCacheNeverOverCommits pauses the cache's watch and fills an
// instance behind its back, with a write committed straight to the store:
// RunTask still proposes the instance the cache believes empty, and its
// transaction must find it full and refuse, not over-commit it.
func TestLaggingCacheNeverOverCommits(t *testing.T) {
	ctx := context.Background()
	cp, _ := testCP(t)
	arn := registerInstance(t, cp, "", 1024, 1024)
	registerTD(t, cp, "web", 0, 512, 0)
	out, err := cp.RunTask(ctx, &RunTaskInput{TaskDefinition: "web"})
	require.NoError(t, err)
	require.Len(t, out.Tasks, 1)
	cp.waitApplied(ctx, t)

	cp.cache.hold.Lock() // the cache now lags
	held := true
	defer func() {
		if held {
			cp.cache.hold.Unlock()
		}
	}()
	_, id, err := cp.leafID("container-instance", arn)
	require.NoError(t, err)
	require.NoError(t, cp.store.Update(ctx, func(tx store.Tx) error {
		var rec record.Instance
		if _, err := record.Get(tx, record.InstanceKey(DefaultCluster, id), &rec); err != nil {
			return err
		}
		rec.UsedMemory = rec.Memory // another writer took what was left
		return record.Put(tx, record.InstanceKey(DefaultCluster, id), &rec)
	}))
	prop, err := cp.cache.place(DefaultCluster, placement.Request{Group: "family:web", Count: 1, Memory: 512})
	require.NoError(t, err)
	require.Equal(t, []string{id}, prop.instances, "the lagging cache still sees room")

	out, err = cp.RunTask(ctx, &RunTaskInput{TaskDefinition: "web"})
	require.NoError(t, err)
	require.Empty(t, out.Tasks)
	require.Len(t, out.Failures, 1)
	require.Equal(t, "RESOURCE:MEMORY", out.Failures[0].Reason)
	cp.cache.hold.Unlock()
	held = false

	cp.waitApplied(ctx, t)
	in := describeInstance(t, cp, arn)
	require.Equal(t, int64(1), in.RunningTasksCount)
	for _, res := range in.RemainingResources {
		if res.Name == ResourceMemory {
			require.Equal(t, int64(0), res.IntegerValue)
		}
	}
}

// TestPollWakesOnlyForItsInstance: a poll after a revision answers when a
// task of its own instance changes, not when another instance's does, and
// times out otherwise; the other instance's change does not even wake it.
func TestPollWakesOnlyForItsInstance(t *testing.T) {
	ctx := context.Background()
	cp, clk := testCP(t)
	a := registerInstance(t, cp, "", 1024, 4096)
	b := registerInstance(t, cp, "", 1024, 4096)
	registerTD(t, cp, "web", 0, 256, 0)
	_, err := cp.StartTask(ctx, &StartTaskInput{TaskDefinition: "web", ContainerInstances: []string{a}})
	require.NoError(t, err)
	sb, err := cp.StartTask(ctx, &StartTaskInput{TaskDefinition: "web", ContainerInstances: []string{b}})
	require.NoError(t, err)
	cp.waitApplied(ctx, t)
	first, err := cp.PollTasks(ctx, &PollTasksInput{ContainerInstance: a, Incremental: true})
	require.NoError(t, err)
	require.Len(t, first.Tasks, 1)
	require.False(t, first.Incremental, "a first poll gets the whole list")

	_, idA, _ := cp.leafID("container-instance", a)
	_, wakeA := cp.cache.pollQuery(DefaultCluster, idA, first.Revision, true)
	answer := make(chan *PollTasksOutput, 1)
	poll := func(after int64) {
		out, err := cp.PollTasks(ctx, &PollTasksInput{ContainerInstance: a, AfterRevision: after, WaitSeconds: 60, Incremental: true})
		if err != nil {
			panic(err)
		}
		answer <- out
	}
	go poll(first.Revision)
	report(t, cp, sb.Tasks[0].TaskArn, TaskStatusRunning) // instance b's task
	cp.waitApplied(ctx, t)
	select {
	case <-wakeA:
		t.Fatal("a change on instance b woke instance a's polls")
	default:
	}
	select {
	case out := <-answer:
		t.Fatalf("a change on another instance answered the poll: %+v", out)
	case <-time.After(50 * time.Millisecond):
	}
	out := awaitAnswer(t, clk, answer)
	require.True(t, out.Incremental)
	require.Empty(t, out.Tasks, "the poll timed out with nothing new")
	require.Empty(t, out.Removed)

	go poll(out.Revision)
	_, err = cp.StopTask(ctx, &StopTaskInput{Task: first.Tasks[0].Task.TaskArn})
	require.NoError(t, err)
	select {
	case <-wakeA:
	case <-time.After(10 * time.Second):
		t.Fatal("a change on instance a did not wake its polls")
	}
	out = <-answer
	require.True(t, out.Incremental)
	require.Len(t, out.Tasks, 1)
	require.Equal(t, TaskStatusStopped, out.Tasks[0].Task.DesiredStatus)
	require.Greater(t, out.Revision, first.Revision)

	go poll(out.Revision)
	report(t, cp, first.Tasks[0].Task.TaskArn, TaskStatusStopped)
	out = <-answer
	require.Empty(t, out.Tasks)
	require.Equal(t, []string{first.Tasks[0].Task.TaskArn}, out.Removed, "a STOPPED task leaves the list")
}

// awaitAnswer advances the fake clock past a poll's wait until it
// answers (the poll may not have started its timer yet).
func awaitAnswer(t *testing.T, clk interface{ Advance(time.Duration) }, answer <-chan *PollTasksOutput) *PollTasksOutput {
	t.Helper()
	for range 100 {
		select {
		case out := <-answer:
			return out
		case <-time.After(100 * time.Millisecond):
			clk.Advance(61 * time.Second)
		}
	}
	t.Fatal("the poll never answered")
	return nil
}
