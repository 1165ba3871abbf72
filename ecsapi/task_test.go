package ecsapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecssdk "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestTaskDefinitionActions(t *testing.T) {
	e := newEnv(t)
	c := e.client

	t.Run("RegisterTaskDefinition", func(t *testing.T) {
		td := e.registerTaskDef("web")
		if aws.ToString(td.TaskDefinitionArn) != "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1" || td.Revision != 1 {
			t.Fatalf("arn %q revision %d", aws.ToString(td.TaskDefinitionArn), td.Revision)
		}
		if td.RegisteredAt == nil || td.RegisteredAt.IsZero() {
			t.Fatal("registeredAt missing")
		}
		e.registerTaskDef("web")
		e.registerTaskDef("worker")
		_, err := c.RegisterTaskDefinition(ctx, &ecssdk.RegisterTaskDefinitionInput{
			Family: aws.String("bad"),
			ContainerDefinitions: []types.ContainerDefinition{{
				Name: aws.String("app"), Image: aws.String("busybox"), Memory: aws.Int32(4),
			}},
		})
		requireCode(t, err, "ClientException")
	})

	t.Run("DescribeTaskDefinition", func(t *testing.T) {
		out := must[*ecssdk.DescribeTaskDefinitionOutput](t)(c.DescribeTaskDefinition(ctx, &ecssdk.DescribeTaskDefinitionInput{TaskDefinition: aws.String("web")}))
		if out.TaskDefinition.Revision != 2 || aws.ToString(out.TaskDefinition.ContainerDefinitions[0].Image) != "busybox" {
			t.Fatalf("latest web = revision %d", out.TaskDefinition.Revision)
		}
		_, err := c.DescribeTaskDefinition(ctx, &ecssdk.DescribeTaskDefinitionInput{TaskDefinition: aws.String("nope:1")})
		requireCode(t, err, "ClientException")
	})

	t.Run("ListTaskDefinitions", func(t *testing.T) {
		var arns []string
		pages := ecssdk.NewListTaskDefinitionsPaginator(c, &ecssdk.ListTaskDefinitionsInput{MaxResults: aws.Int32(2)})
		for pages.HasMorePages() {
			arns = append(arns, must[*ecssdk.ListTaskDefinitionsOutput](t)(pages.NextPage(ctx)).TaskDefinitionArns...)
		}
		if len(arns) != 3 {
			t.Fatalf("listed %v", arns)
		}
		_, err := c.ListTaskDefinitions(ctx, &ecssdk.ListTaskDefinitionsInput{Status: "BOGUS"})
		requireCode(t, err, "InvalidParameterException")
	})

	t.Run("ListTaskDefinitionFamilies", func(t *testing.T) {
		out := must[*ecssdk.ListTaskDefinitionFamiliesOutput](t)(c.ListTaskDefinitionFamilies(ctx, &ecssdk.ListTaskDefinitionFamiliesInput{}))
		if len(out.Families) != 2 || out.Families[0] != "web" && out.Families[1] != "web" {
			t.Fatalf("families %v", out.Families)
		}
		_, err := c.ListTaskDefinitionFamilies(ctx, &ecssdk.ListTaskDefinitionFamiliesInput{Status: "BOGUS"})
		requireCode(t, err, "InvalidParameterException")
	})

	t.Run("DeregisterTaskDefinition", func(t *testing.T) {
		out := must[*ecssdk.DeregisterTaskDefinitionOutput](t)(c.DeregisterTaskDefinition(ctx, &ecssdk.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("web:1")}))
		if out.TaskDefinition.Status != types.TaskDefinitionStatusInactive {
			t.Fatalf("status %q", out.TaskDefinition.Status)
		}
		_, err := c.DeregisterTaskDefinition(ctx, &ecssdk.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("nope:1")})
		requireCode(t, err, "ClientException")
	})

	t.Run("DeleteTaskDefinitions", func(t *testing.T) {
		out := must[*ecssdk.DeleteTaskDefinitionsOutput](t)(c.DeleteTaskDefinitions(ctx, &ecssdk.DeleteTaskDefinitionsInput{TaskDefinitions: []string{"web:1"}}))
		if len(out.TaskDefinitions) != 1 || out.TaskDefinitions[0].Status != types.TaskDefinitionStatusDeleteInProgress {
			t.Fatalf("deleted %+v, failures %+v", out.TaskDefinitions, out.Failures)
		}
		_, err := c.DeleteTaskDefinitions(ctx, &ecssdk.DeleteTaskDefinitionsInput{TaskDefinitions: eleven("web:2")})
		requireCode(t, err, "InvalidParameterException")
	})
}

func TestTaskActions(t *testing.T) {
	e := newEnv(t)
	c := e.client
	e.createCluster("prod")
	inst := e.registerInstance("prod", "i-0000000000000000a")
	e.registerTaskDef("web")
	var taskArn string

	t.Run("RunTask", func(t *testing.T) {
		out := must[*ecssdk.RunTaskOutput](t)(c.RunTask(ctx, &ecssdk.RunTaskInput{
			Cluster: aws.String("prod"), TaskDefinition: aws.String("web"), StartedBy: aws.String("test"),
		}))
		if len(out.Tasks) != 1 || len(out.Failures) != 0 {
			t.Fatalf("tasks %d failures %+v", len(out.Tasks), out.Failures)
		}
		task := out.Tasks[0]
		taskArn = aws.ToString(task.TaskArn)
		if aws.ToString(task.ContainerInstanceArn) != aws.ToString(inst.ContainerInstanceArn) ||
			aws.ToString(task.DesiredStatus) != "RUNNING" || task.CreatedAt == nil {
			t.Fatalf("task %+v", task)
		}
		// Too big for the only instance: a placement failure, not an error.
		big := must[*ecssdk.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, &ecssdk.RegisterTaskDefinitionInput{
			Family: aws.String("big"),
			ContainerDefinitions: []types.ContainerDefinition{{
				Name: aws.String("app"), Image: aws.String("busybox"), Memory: aws.Int32(100000),
			}},
		}))
		out = must[*ecssdk.RunTaskOutput](t)(c.RunTask(ctx, &ecssdk.RunTaskInput{Cluster: aws.String("prod"), TaskDefinition: big.TaskDefinition.TaskDefinitionArn}))
		if len(out.Tasks) != 0 || len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "RESOURCE:MEMORY" {
			t.Fatalf("tasks %d failures %+v", len(out.Tasks), out.Failures)
		}
		_, err := c.RunTask(ctx, &ecssdk.RunTaskInput{Cluster: aws.String("nope"), TaskDefinition: aws.String("web")})
		requireCode(t, err, "ClusterNotFoundException")
	})

	t.Run("StartTask", func(t *testing.T) {
		out := must[*ecssdk.StartTaskOutput](t)(c.StartTask(ctx, &ecssdk.StartTaskInput{
			Cluster: aws.String("prod"), TaskDefinition: aws.String("web"), ContainerInstances: []string{aws.ToString(inst.ContainerInstanceArn)},
		}))
		if len(out.Tasks) != 1 || len(out.Failures) != 0 {
			t.Fatalf("tasks %d failures %+v", len(out.Tasks), out.Failures)
		}
		_, err := c.StartTask(ctx, &ecssdk.StartTaskInput{Cluster: aws.String("prod"), TaskDefinition: aws.String("web"),
			ContainerInstances: eleven(aws.ToString(inst.ContainerInstanceArn))})
		requireCode(t, err, "InvalidParameterException")
	})

	t.Run("DescribeTasks", func(t *testing.T) {
		out := must[*ecssdk.DescribeTasksOutput](t)(c.DescribeTasks(ctx, &ecssdk.DescribeTasksInput{
			Cluster: aws.String("prod"), Tasks: []string{taskArn, "0123456789abcdef0123456789abcdef"},
		}))
		if len(out.Tasks) != 1 || aws.ToString(out.Tasks[0].TaskArn) != taskArn {
			t.Fatalf("tasks %+v", out.Tasks)
		}
		if len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "MISSING" {
			t.Fatalf("failures %+v", out.Failures)
		}
		_, err := c.DescribeTasks(ctx, &ecssdk.DescribeTasksInput{Cluster: aws.String("nope"), Tasks: []string{taskArn}})
		requireCode(t, err, "ClusterNotFoundException")
	})

	t.Run("ListTasks", func(t *testing.T) {
		out := must[*ecssdk.ListTasksOutput](t)(c.ListTasks(ctx, &ecssdk.ListTasksInput{Cluster: aws.String("prod"), StartedBy: aws.String("test")}))
		if len(out.TaskArns) != 1 || out.TaskArns[0] != taskArn {
			t.Fatalf("tasks %v", out.TaskArns)
		}
		all := must[*ecssdk.ListTasksOutput](t)(c.ListTasks(ctx, &ecssdk.ListTasksInput{Cluster: aws.String("prod")}))
		if len(all.TaskArns) != 2 {
			t.Fatalf("tasks %v", all.TaskArns)
		}
		_, err := c.ListTasks(ctx, &ecssdk.ListTasksInput{Cluster: aws.String("nope")})
		requireCode(t, err, "ClusterNotFoundException")
	})

	t.Run("StopTask", func(t *testing.T) {
		out := must[*ecssdk.StopTaskOutput](t)(c.StopTask(ctx, &ecssdk.StopTaskInput{Cluster: aws.String("prod"), Task: aws.String(taskArn), Reason: aws.String("done")}))
		if aws.ToString(out.Task.DesiredStatus) != "STOPPED" || aws.ToString(out.Task.StoppedReason) != "done" {
			t.Fatalf("task desired %q reason %q", aws.ToString(out.Task.DesiredStatus), aws.ToString(out.Task.StoppedReason))
		}
		_, err := c.StopTask(ctx, &ecssdk.StopTaskInput{Cluster: aws.String("prod"), Task: aws.String("0123456789abcdef0123456789abcdef")})
		requireCode(t, err, "InvalidParameterException")
	})

	t.Run("SubmitStateChanges", func(t *testing.T) {
		task := e.runTask("prod", "web")
		sc := must[*ecssdk.SubmitContainerStateChangeOutput](t)(c.SubmitContainerStateChange(ctx, &ecssdk.SubmitContainerStateChangeInput{
			Cluster: aws.String("prod"), Task: aws.String(task), ContainerName: aws.String("app"), Status: aws.String("RUNNING"),
		}))
		if aws.ToString(sc.Acknowledgment) == "" {
			t.Fatal("no acknowledgment")
		}
		st := must[*ecssdk.SubmitTaskStateChangeOutput](t)(c.SubmitTaskStateChange(ctx, &ecssdk.SubmitTaskStateChangeInput{
			Cluster: aws.String("prod"), Task: aws.String(task), Status: aws.String("RUNNING"),
		}))
		if aws.ToString(st.Acknowledgment) == "" {
			t.Fatal("no acknowledgment")
		}
		d := must[*ecssdk.DescribeTasksOutput](t)(c.DescribeTasks(ctx, &ecssdk.DescribeTasksInput{Cluster: aws.String("prod"), Tasks: []string{task}}))
		if aws.ToString(d.Tasks[0].LastStatus) != "RUNNING" {
			t.Fatalf("lastStatus %q after the agent reported RUNNING", aws.ToString(d.Tasks[0].LastStatus))
		}
		_, err := c.SubmitTaskStateChange(ctx, &ecssdk.SubmitTaskStateChangeInput{
			Cluster: aws.String("prod"), Task: aws.String("0123456789abcdef0123456789abcdef"), Status: aws.String("RUNNING"),
		})
		requireCode(t, err, "InvalidParameterException")
		_, err = c.SubmitContainerStateChange(ctx, &ecssdk.SubmitContainerStateChangeInput{
			Cluster: aws.String("prod"), Task: aws.String("0123456789abcdef0123456789abcdef"), ContainerName: aws.String("app"), Status: aws.String("RUNNING"),
		})
		requireCode(t, err, "InvalidParameterException")
	})
}

// eleven is one item more than the batch limit of 10.
func eleven(s string) []string {
	out := make([]string, 11)
	for i := range out {
		out[i] = s
	}
	return out
}
