package ecs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecskit/ecs/clock"
	"github.com/stretchr/testify/require"
)

// testCP opens a control plane on a fake clock with predictable IDs.
func testCP(t *testing.T) (*ControlPlane, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	var n atomic.Int64
	cp, err := Open(WithClock(clk), WithRandSeed(1), WithIDGenerator(func() string {
		return fmt.Sprintf("%032x", n.Add(1))
	}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = cp.Close() })
	return cp, clk
}

func registerInstance(t *testing.T, cp *ControlPlane, cluster string, cpu, mem int64, attrs ...Attribute) string {
	t.Helper()
	out, err := cp.RegisterContainerInstance(context.Background(), &RegisterContainerInstanceInput{
		Cluster: cluster,
		TotalResources: []Resource{
			{Name: "CPU", Type: "INTEGER", IntegerValue: cpu},
			{Name: "MEMORY", Type: "INTEGER", IntegerValue: mem},
		},
		Attributes: attrs,
	})
	require.NoError(t, err)
	return out.ContainerInstance.ContainerInstanceArn
}

func registerTD(t *testing.T, cp *ControlPlane, family string, cpu, mem int64, hostPort int64) *TaskDefinition {
	t.Helper()
	cd := ContainerDefinition{Name: "app", Image: "busybox", Cpu: cpu, Memory: ptr(mem)}
	if hostPort > 0 {
		cd.PortMappings = []PortMapping{{ContainerPort: ptr(int64(80)), HostPort: ptr(hostPort)}}
	}
	out, err := cp.RegisterTaskDefinition(context.Background(), &RegisterTaskDefinitionInput{
		Family:               family,
		ContainerDefinitions: []ContainerDefinition{cd},
	})
	require.NoError(t, err)
	return out.TaskDefinition
}

func code(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestClusters(t *testing.T) {
	ctx := context.Background()
	cp, _ := testCP(t)

	a, err := cp.CreateCluster(ctx, &CreateClusterInput{ClusterName: "prod"})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:ecs:us-east-1:000000000000:cluster/prod", a.Cluster.ClusterArn)
	require.Equal(t, StatusActive, a.Cluster.Status)
	b, err := cp.CreateCluster(ctx, &CreateClusterInput{ClusterName: "prod"})
	require.NoError(t, err, "CreateCluster is idempotent")
	require.Equal(t, a.Cluster.ClusterArn, b.Cluster.ClusterArn)

	_, err = cp.CreateCluster(ctx, &CreateClusterInput{ClusterName: "bad name!"})
	require.Equal(t, InvalidParameterException, code(err))

	d, err := cp.DescribeClusters(ctx, &DescribeClustersInput{Clusters: []string{"prod", "nope", a.Cluster.ClusterArn}})
	require.NoError(t, err)
	require.Len(t, d.Clusters, 2)
	require.Equal(t, []Failure{{Arn: "arn:aws:ecs:us-east-1:000000000000:cluster/nope", Reason: "MISSING"}}, d.Failures)

	d, err = cp.DescribeClusters(ctx, &DescribeClustersInput{})
	require.NoError(t, err)
	require.Len(t, d.Failures, 1, "default is not created by DescribeClusters")

	inst := registerInstance(t, cp, "prod", 1024, 1024)
	_, err = cp.DeleteCluster(ctx, &DeleteClusterInput{Cluster: "prod"})
	require.True(t, errors.Is(err, ErrClusterContainsInstances), "got %v", err)
	_, err = cp.DeregisterContainerInstance(ctx, &DeregisterContainerInstanceInput{Cluster: "prod", ContainerInstance: inst})
	require.NoError(t, err)

	del, err := cp.DeleteCluster(ctx, &DeleteClusterInput{Cluster: "prod"})
	require.NoError(t, err)
	require.Equal(t, StatusInactive, del.Cluster.Status)
	d, err = cp.DescribeClusters(ctx, &DescribeClustersInput{Clusters: []string{"prod"}})
	require.NoError(t, err)
	require.Equal(t, StatusInactive, d.Clusters[0].Status)
	l, err := cp.ListClusters(ctx, &ListClustersInput{})
	require.NoError(t, err)
	require.Empty(t, l.ClusterArns)
	_, err = cp.DeleteCluster(ctx, &DeleteClusterInput{Cluster: "prod"})
	require.True(t, errors.Is(err, ErrClusterNotFound))

	_, err = cp.ListTasks(ctx, &ListTasksInput{Cluster: "prod"})
	require.Equal(t, ClusterNotFoundException, code(err))
}

func TestListClustersPagination(t *testing.T) {
	ctx := context.Background()
	cp, _ := testCP(t)
	for i := range 5 {
		_, err := cp.CreateCluster(ctx, &CreateClusterInput{ClusterName: fmt.Sprintf("c%d", i)})
		require.NoError(t, err)
	}
	var all []string
	token := ""
	for {
		out, err := cp.ListClusters(ctx, &ListClustersInput{MaxResults: ptr(int64(2)), NextToken: token})
		require.NoError(t, err)
		require.LessOrEqual(t, len(out.ClusterArns), 2)
		all = append(all, out.ClusterArns...)
		if out.NextToken == "" {
			break
		}
		token = out.NextToken
	}
	require.Len(t, all, 5)
	_, err := cp.ListClusters(ctx, &ListClustersInput{MaxResults: ptr(int64(101))})
	require.Equal(t, InvalidParameterException, code(err))
}

func TestRegisterContainerInstance(t *testing.T) {
	ctx := context.Background()
	cp, _ := testCP(t)

	arn := registerInstance(t, cp, "", 2048, 4096, Attribute{Name: "stack", Value: "prod"})
	d, err := cp.DescribeClusters(ctx, &DescribeClustersInput{})
	require.NoError(t, err)
	require.Len(t, d.Clusters, 1, "registering into default creates it")
	require.EqualValues(t, 1, d.Clusters[0].RegisteredContainerInstancesCount)

	di, err := cp.DescribeContainerInstances(ctx, &DescribeContainerInstancesInput{ContainerInstances: []string{arn, "ffff"}})
	require.NoError(t, err)
	require.Len(t, di.ContainerInstances, 1)
	require.Equal(t, "MISSING", di.Failures[0].Reason)
	ci := di.ContainerInstances[0]
	require.True(t, ci.AgentConnected)
	require.Equal(t, StatusActive, ci.Status)
	require.Equal(t, []string{"22", "2375", "2376", "51678", "51679"}, ci.RemainingResources[2].StringSetValue)
	require.EqualValues(t, 2048, ci.RemainingResources[0].IntegerValue)

	// Re-registration by ARN keeps the instance.
	again, err := cp.RegisterContainerInstance(ctx, &RegisterContainerInstanceInput{
		ContainerInstanceArn: arn,
		TotalResources:       []Resource{{Name: "CPU", IntegerValue: 2048}, {Name: "MEMORY", IntegerValue: 4096}},
	})
	require.NoError(t, err)
	require.Equal(t, arn, again.ContainerInstance.ContainerInstanceArn)
	l, err := cp.ListContainerInstances(ctx, &ListContainerInstancesInput{})
	require.NoError(t, err)
	require.Len(t, l.ContainerInstanceArns, 1)

	_, err = cp.RegisterContainerInstance(ctx, &RegisterContainerInstanceInput{Cluster: "missing"})
	require.True(t, errors.Is(err, ErrClusterNotFound))
}

func TestContainerInstanceStateAndAttributes(t *testing.T) {
	ctx := context.Background()
	cp, _ := testCP(t)
	arn := registerInstance(t, cp, "", 1024, 1024)
	u, err := cp.UpdateContainerInstancesState(ctx, &UpdateContainerInstancesStateInput{ContainerInstances: []string{arn}, Status: StatusDraining})
	require.NoError(t, err)
	require.Equal(t, StatusDraining, u.ContainerInstances[0].Status)
	_, err = cp.UpdateContainerInstancesState(ctx, &UpdateContainerInstancesStateInput{ContainerInstances: []string{arn}, Status: "INACTIVE"})
	require.Equal(t, InvalidParameterException, code(err))
	l, err := cp.ListContainerInstances(ctx, &ListContainerInstancesInput{Status: StatusActive})
	require.NoError(t, err)
	require.Empty(t, l.ContainerInstanceArns)

	_, err = cp.PutAttributes(ctx, &PutAttributesInput{Attributes: []Attribute{{Name: "stack", Value: "prod", TargetId: arn}}})
	require.NoError(t, err)
	la, err := cp.ListAttributes(ctx, &ListAttributesInput{TargetType: "container-instance", AttributeName: "stack"})
	require.NoError(t, err)
	require.Equal(t, []Attribute{{Name: "stack", Value: "prod", TargetType: "container-instance", TargetId: arn}}, la.Attributes)
	_, err = cp.PutAttributes(ctx, &PutAttributesInput{Attributes: []Attribute{{Name: "x", TargetId: "arn:aws:ecs:us-east-1:000000000000:container-instance/default/ffff"}}})
	require.True(t, errors.Is(err, ErrTargetNotFound), "got %v", err)
	var many []Attribute
	for i := range 10 {
		many = append(many, Attribute{Name: fmt.Sprintf("a%d", i), TargetId: arn})
	}
	_, err = cp.PutAttributes(ctx, &PutAttributesInput{Attributes: many})
	require.True(t, errors.Is(err, ErrAttributeLimitExceeded), "got %v", err)
	_, err = cp.DeleteAttributes(ctx, &DeleteAttributesInput{Attributes: []Attribute{{Name: "stack", TargetId: arn}}})
	require.NoError(t, err)
	la, err = cp.ListAttributes(ctx, &ListAttributesInput{TargetType: "container-instance", AttributeName: "stack"})
	require.NoError(t, err)
	require.Empty(t, la.Attributes)
}

func TestTaskDefinitionRevisions(t *testing.T) {
	ctx := context.Background()
	cp, _ := testCP(t)
	td1 := registerTD(t, cp, "web", 128, 128, 0)
	td2 := registerTD(t, cp, "web", 256, 128, 0)
	require.EqualValues(t, 1, td1.Revision)
	require.EqualValues(t, 2, td2.Revision)
	require.Equal(t, "arn:aws:ecs:us-east-1:000000000000:task-definition/web:2", td2.TaskDefinitionArn)

	for _, ref := range []string{"web", "web:2", td2.TaskDefinitionArn} {
		d, err := cp.DescribeTaskDefinition(ctx, &DescribeTaskDefinitionInput{TaskDefinition: ref})
		require.NoError(t, err, ref)
		require.EqualValues(t, 2, d.TaskDefinition.Revision, ref)
	}
	_, err := cp.DeregisterTaskDefinition(ctx, &DeregisterTaskDefinitionInput{TaskDefinition: "web:2"})
	require.NoError(t, err)
	d, err := cp.DescribeTaskDefinition(ctx, &DescribeTaskDefinitionInput{TaskDefinition: "web"})
	require.NoError(t, err)
	require.EqualValues(t, 1, d.TaskDefinition.Revision, "family means latest ACTIVE")
	td3 := registerTD(t, cp, "web", 128, 128, 0)
	require.EqualValues(t, 3, td3.Revision, "revisions are never reused")

	l, err := cp.ListTaskDefinitions(ctx, &ListTaskDefinitionsInput{FamilyPrefix: "web", Sort: "DESC"})
	require.NoError(t, err)
	require.Equal(t, []string{td3.TaskDefinitionArn, td1.TaskDefinitionArn}, l.TaskDefinitionArns)
	l, err = cp.ListTaskDefinitions(ctx, &ListTaskDefinitionsInput{Status: "INACTIVE"})
	require.NoError(t, err)
	require.Equal(t, []string{td2.TaskDefinitionArn}, l.TaskDefinitionArns)

	del, err := cp.DeleteTaskDefinitions(ctx, &DeleteTaskDefinitionsInput{TaskDefinitions: []string{"web:2", "web:1"}})
	require.NoError(t, err)
	require.Equal(t, TaskDefinitionStatusDeleteInProgress, del.TaskDefinitions[0].Status)
	require.Len(t, del.Failures, 1, "an ACTIVE revision cannot be deleted")

	_, err = cp.DescribeTaskDefinition(ctx, &DescribeTaskDefinitionInput{TaskDefinition: "nope"})
	require.Equal(t, ClientException, code(err))
	f, err := cp.ListTaskDefinitionFamilies(ctx, &ListTaskDefinitionFamiliesInput{FamilyPrefix: "w"})
	require.NoError(t, err)
	require.Equal(t, []string{"web"}, f.Families)
}

// report moves a task to a status the way an agent would.
func report(t *testing.T, cp *ControlPlane, taskArn, status string) {
	t.Helper()
	_, err := cp.SubmitTaskStateChange(context.Background(), &SubmitTaskStateChangeInput{Task: taskArn, Status: status})
	require.NoError(t, err)
}

func TestRunTaskLifecycle(t *testing.T) {
	ctx := context.Background()
	cp, _ := testCP(t)
	_, err := cp.CreateCluster(ctx, &CreateClusterInput{})
	require.NoError(t, err)
	td := registerTD(t, cp, "web", 512, 512, 8080)

	_, err = cp.RunTask(ctx, &RunTaskInput{TaskDefinition: "web"})
	require.Equal(t, InvalidParameterException, code(err), "no instances")
	require.Contains(t, ErrorMessage(err), "No Container Instances were found in your cluster.")

	inst := registerInstance(t, cp, "", 1024, 1024)
	_, err = cp.RunTask(ctx, &RunTaskInput{TaskDefinition: "web", Count: ptr(int64(11))})
	require.Equal(t, InvalidParameterException, code(err))
	_, err = cp.RunTask(ctx, &RunTaskInput{TaskDefinition: "nope"})
	require.Equal(t, ClientException, code(err))

	out, err := cp.RunTask(ctx, &RunTaskInput{TaskDefinition: td.TaskDefinitionArn, Count: ptr(int64(2))})
	require.NoError(t, err)
	require.Len(t, out.Tasks, 1, "the static port fits once")
	require.Equal(t, []Failure{{Arn: inst, Reason: "RESOURCE:PORTS"}}, stripDetail(out.Failures))
	task := out.Tasks[0]
	require.Equal(t, TaskStatusPending, task.LastStatus)
	require.Equal(t, TaskStatusRunning, task.DesiredStatus)
	require.Equal(t, "family:web", task.Group)
	require.Equal(t, inst, task.ContainerInstanceArn)

	ci := describeInstance(t, cp, inst)
	require.EqualValues(t, 512, ci.RemainingResources[0].IntegerValue)
	require.Contains(t, ci.RemainingResources[2].StringSetValue, "8080")
	require.EqualValues(t, 1, ci.RunningTasksCount)
	require.EqualValues(t, 1, ci.PendingTasksCount)

	report(t, cp, task.TaskArn, TaskStatusRunning)
	dt, err := cp.DescribeTasks(ctx, &DescribeTasksInput{Tasks: []string{task.TaskArn, "0123"}})
	require.NoError(t, err)
	require.Equal(t, TaskStatusRunning, dt.Tasks[0].LastStatus)
	require.False(t, dt.Tasks[0].StartedAt.IsZero())
	require.Equal(t, "MISSING", dt.Failures[0].Reason)

	st, err := cp.StopTask(ctx, &StopTaskInput{Task: task.TaskArn})
	require.NoError(t, err)
	require.Equal(t, TaskStatusStopped, st.Task.DesiredStatus)
	require.Equal(t, StopCodeUserInitiated, st.Task.StopCode)
	require.Equal(t, "Task stopped by user", st.Task.StoppedReason)
	ci = describeInstance(t, cp, inst)
	require.EqualValues(t, 512, ci.RemainingResources[0].IntegerValue, "resources are held until STOPPED")
	require.EqualValues(t, 0, ci.RunningTasksCount)

	report(t, cp, task.TaskArn, TaskStatusStopped)
	ci = describeInstance(t, cp, inst)
	require.EqualValues(t, 1024, ci.RemainingResources[0].IntegerValue)
	require.NotContains(t, ci.RemainingResources[2].StringSetValue, "8080")
	dt, err = cp.DescribeTasks(ctx, &DescribeTasksInput{Tasks: []string{task.TaskArn}})
	require.NoError(t, err)
	require.Equal(t, StopCodeUserInitiated, dt.Tasks[0].StopCode, "the agent's report keeps the user's stop code")

	lt, err := cp.ListTasks(ctx, &ListTasksInput{DesiredStatus: "STOPPED"})
	require.NoError(t, err)
	require.Equal(t, []string{task.TaskArn}, lt.TaskArns)
	lt, err = cp.ListTasks(ctx, &ListTasksInput{})
	require.NoError(t, err)
	require.Empty(t, lt.TaskArns)
}

func TestEssentialExitStopCode(t *testing.T) {
	ctx := context.Background()
	cp, _ := testCP(t)
	registerInstance(t, cp, "", 1024, 1024)
	registerTD(t, cp, "batch", 0, 64, 0)
	out, err := cp.RunTask(ctx, &RunTaskInput{TaskDefinition: "batch"})
	require.NoError(t, err)
	arn := out.Tasks[0].TaskArn
	report(t, cp, arn, TaskStatusRunning)
	_, err = cp.SubmitTaskStateChange(ctx, &SubmitTaskStateChangeInput{Task: arn, Status: TaskStatusStopped, StopCode: StopCodeEssentialContainerExited,
		Containers: []ContainerStateChange{{ContainerName: "app", Status: TaskStatusStopped, ExitCode: ptr(int64(3))}}})
	require.NoError(t, err)
	dt, err := cp.DescribeTasks(ctx, &DescribeTasksInput{Tasks: []string{arn}})
	require.NoError(t, err)
	got := dt.Tasks[0]
	require.Equal(t, StopCodeEssentialContainerExited, got.StopCode)
	require.Equal(t, "Essential container in task exited", got.StoppedReason)
	require.EqualValues(t, 3, *got.Containers[0].ExitCode)
	require.Equal(t, TaskStatusStopped, got.Containers[0].LastStatus)
}

func stripDetail(fs []Failure) []Failure {
	out := make([]Failure, len(fs))
	for i, f := range fs {
		out[i] = Failure{Arn: f.Arn, Reason: f.Reason}
	}
	return out
}

func describeInstance(t *testing.T, cp *ControlPlane, arn string) ContainerInstance {
	t.Helper()
	d, err := cp.DescribeContainerInstances(context.Background(), &DescribeContainerInstancesInput{ContainerInstances: []string{arn}})
	require.NoError(t, err)
	require.Len(t, d.ContainerInstances, 1)
	return d.ContainerInstances[0]
}

// TestConcurrentRunTask runs RunTask from 32 goroutines against 5 small
// instances: no instance may be over-committed and every returned task
// must exist exactly once.
func TestConcurrentRunTask(t *testing.T) {
	ctx := context.Background()
	cp, _ := testCP(t)
	var insts []string
	for range 5 {
		insts = append(insts, registerInstance(t, cp, "", 1024, 1024))
	}
	registerTD(t, cp, "small", 256, 200, 0)
	registerTD(t, cp, "ported", 0, 64, 9000)

	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fam := "small"
			if g%4 == 0 {
				fam = "ported"
			}
			for range 3 {
				out, err := cp.RunTask(ctx, &RunTaskInput{TaskDefinition: fam, Count: ptr(int64(2))})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, tk := range out.Tasks {
					seen[tk.TaskArn]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for arn, n := range seen {
		require.Equal(t, 1, n, arn)
	}
	lt, err := cp.ListTasks(ctx, &ListTasksInput{})
	require.NoError(t, err)
	require.Len(t, lt.TaskArns, len(seen), "every returned task exists, and no other")

	var cpu, mem int64
	ports := map[string]int{}
	dt, err := cp.DescribeTasks(ctx, &DescribeTasksInput{Tasks: lt.TaskArns})
	require.NoError(t, err)
	perInst := map[string][2]int64{}
	for _, tk := range dt.Tasks {
		c, m := int64(256), int64(200)
		if tk.Group == "family:ported" {
			c, m = 0, 64
			ports[tk.ContainerInstanceArn]++
		}
		v := perInst[tk.ContainerInstanceArn]
		perInst[tk.ContainerInstanceArn] = [2]int64{v[0] + c, v[1] + m}
		cpu += c
		mem += m
	}
	for _, arn := range insts {
		v := perInst[arn]
		require.LessOrEqual(t, v[0], int64(1024), "cpu over-committed on %s", arn)
		require.LessOrEqual(t, v[1], int64(1024), "memory over-committed on %s", arn)
		require.LessOrEqual(t, ports[arn], 1, "port 9000 used twice on %s", arn)
		ci := describeInstance(t, cp, arn)
		require.Equal(t, 1024-v[0], ci.RemainingResources[0].IntegerValue, "remaining cpu is exact")
		require.Equal(t, 1024-v[1], ci.RemainingResources[1].IntegerValue, "remaining memory is exact")
	}
	require.Positive(t, cpu)
}

func TestHousekeepingForgetsStoppedTasks(t *testing.T) {
	ctx := context.Background()
	cp, clk := testCP(t)
	registerInstance(t, cp, "", 1024, 1024)
	registerTD(t, cp, "web", 0, 64, 0)
	out, err := cp.RunTask(ctx, &RunTaskInput{TaskDefinition: "web", Count: ptr(int64(2))})
	require.NoError(t, err)
	stopped, kept := out.Tasks[0].TaskArn, out.Tasks[1].TaskArn
	_, err = cp.StopTask(ctx, &StopTaskInput{Task: stopped})
	require.NoError(t, err)
	report(t, cp, stopped, TaskStatusStopped)

	clk.Advance(30 * time.Minute)
	require.NoError(t, cp.housekeepOnce(ctx))
	d, err := cp.DescribeTasks(ctx, &DescribeTasksInput{Tasks: []string{stopped}})
	require.NoError(t, err)
	require.Len(t, d.Tasks, 1, "a stopped task stays visible for an hour")

	clk.Advance(31 * time.Minute)
	require.NoError(t, cp.housekeepOnce(ctx))
	d, err = cp.DescribeTasks(ctx, &DescribeTasksInput{Tasks: []string{stopped, kept}})
	require.NoError(t, err)
	require.Len(t, d.Tasks, 1)
	require.Equal(t, kept, d.Tasks[0].TaskArn, "running tasks are never forgotten")
	require.Equal(t, "MISSING", d.Failures[0].Reason)

	// A revision whose deletion was requested goes once nothing runs it.
	_, err = cp.DeregisterTaskDefinition(ctx, &DeregisterTaskDefinitionInput{TaskDefinition: "web:1"})
	require.NoError(t, err)
	_, err = cp.DeleteTaskDefinitions(ctx, &DeleteTaskDefinitionsInput{TaskDefinitions: []string{"web:1"}})
	require.NoError(t, err)
	require.NoError(t, cp.housekeepOnce(ctx))
	_, err = cp.DescribeTaskDefinition(ctx, &DescribeTaskDefinitionInput{TaskDefinition: "web:1"})
	require.NoError(t, err, "still used by a running task")
	_, err = cp.StopTask(ctx, &StopTaskInput{Task: kept})
	require.NoError(t, err)
	report(t, cp, kept, TaskStatusStopped)
	require.NoError(t, cp.housekeepOnce(ctx))
	_, err = cp.DescribeTaskDefinition(ctx, &DescribeTaskDefinitionInput{TaskDefinition: "web:1"})
	require.Equal(t, ClientException, code(err))
}

func TestTagResource(t *testing.T) {
	ctx := context.Background()
	cp, _ := testCP(t)
	c, err := cp.CreateCluster(ctx, &CreateClusterInput{ClusterName: "tagged"})
	require.NoError(t, err)
	registerInstance(t, cp, "tagged", 1024, 1024)
	registerTD(t, cp, "web", 0, 64, 0)
	svc, err := cp.CreateService(ctx, &CreateServiceInput{Cluster: "tagged", ServiceName: "web", TaskDefinition: "web", DesiredCount: ptr(int64(0))})
	require.NoError(t, err)
	td, err := cp.DescribeTaskDefinition(ctx, &DescribeTaskDefinitionInput{TaskDefinition: "web"})
	require.NoError(t, err)

	for _, arn := range []string{c.Cluster.ClusterArn, svc.Service.ServiceArn, td.TaskDefinition.TaskDefinitionArn} {
		t.Run(arn, func(t *testing.T) {
			_, err := cp.TagResource(ctx, &TagResourceInput{ResourceArn: arn, Tags: []Tag{{Key: "team", Value: "a"}, {Key: "env", Value: "dev"}}})
			require.NoError(t, err)
			_, err = cp.TagResource(ctx, &TagResourceInput{ResourceArn: arn, Tags: []Tag{{Key: "team", Value: "b"}}})
			require.NoError(t, err)
			_, err = cp.UntagResource(ctx, &UntagResourceInput{ResourceArn: arn, TagKeys: []string{"env"}})
			require.NoError(t, err)
			l, err := cp.ListTagsForResource(ctx, &ListTagsForResourceInput{ResourceArn: arn})
			require.NoError(t, err)
			require.Equal(t, []Tag{{Key: "team", Value: "b"}}, l.Tags)
		})
	}
	_, err = cp.ListTagsForResource(ctx, &ListTagsForResourceInput{ResourceArn: "arn:aws:ecs:us-east-1:000000000000:cluster/nope"})
	require.Equal(t, InvalidParameterException, code(err))
}

func TestStartTask(t *testing.T) {
	ctx := context.Background()
	cp, _ := testCP(t)
	a := registerInstance(t, cp, "", 1024, 1024)
	b := registerInstance(t, cp, "", 1024, 1024)
	registerTD(t, cp, "web", 0, 600, 0)
	_, err := cp.DeregisterContainerInstance(ctx, &DeregisterContainerInstanceInput{ContainerInstance: b})
	require.NoError(t, err)

	out, err := cp.StartTask(ctx, &StartTaskInput{TaskDefinition: "web", ContainerInstances: []string{a, a, b, "ffff"}, StartedBy: "me"})
	require.NoError(t, err)
	require.Len(t, out.Tasks, 1, "the second task does not fit")
	require.Equal(t, a, out.Tasks[0].ContainerInstanceArn)
	require.Equal(t, "me", out.Tasks[0].StartedBy)
	require.Equal(t, []Failure{{Arn: a, Reason: "RESOURCE:MEMORY"}, {Arn: b, Reason: "INACTIVE"}, {Arn: "ffff", Reason: "MISSING"}}, stripDetail(out.Failures))

	_, err = cp.StartTask(ctx, &StartTaskInput{TaskDefinition: "web", ContainerInstances: []string{a}, StartedBy: strings.Repeat("x", 37)})
	require.Equal(t, InvalidParameterException, code(err), "startedBy is at most 36 characters for StartTask")
}
