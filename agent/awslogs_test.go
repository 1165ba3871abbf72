package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/logs"
	"github.com/ecskit/ecs/secrets"
)

// withLogsAndSecrets wires a log store and a secrets store into the agent.
func withLogsAndSecrets(ls *logs.Store, ss *secrets.Store) func(*agent.Config) {
	return func(c *agent.Config) {
		c.Logs = ls
		if ss != nil {
			c.Secrets = ss
		}
	}
}

func awslogs(cd ecs.ContainerDefinition, opts map[string]string) ecs.ContainerDefinition {
	cd.LogConfiguration = &ecs.LogConfiguration{LogDriver: "awslogs", Options: opts}
	return cd
}

func taskID(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

func TestAwslogsShipsOutputWithSecrets(t *testing.T) {
	ctx := context.Background()
	ss := secrets.NewStore()
	_, err := ss.PutParameter(ctx, secrets.PutParameterInput{Name: "/app/token", Value: "tok-123", Type: secrets.TypeSecureString})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := ss.CreateSecret(ctx, secrets.CreateSecretInput{Name: "db", SecretString: ptr(`{"password":"pw-456"}`)})
	if err != nil {
		t.Fatal(err)
	}
	ls := logs.NewMemory(logs.WithClock(func() time.Time { return t0 }))
	h := newHarness(t, withLogsAndSecrets(ls, ss))
	cd := awslogs(ctr("app", `ECSKIT_FAKE_OUTPUT=token=$TOKEN\npassword=${DB_PASSWORD}`), map[string]string{
		"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web", "awslogs-create-group": "true",
	})
	cd.Secrets = []ecs.Secret{{Name: "TOKEN", ValueFrom: "/app/token"}, {Name: "DB_PASSWORD", ValueFrom: sec.ARN + ":password::"}}
	arn := h.runTask(taskDef("web", cd))
	h.taskIs(arn, ecs.TaskStatusRunning)
	stream := "web/app/" + taskID(arn)
	var got []string
	h.advanceUntil("output shipped", 100*time.Millisecond, time.Minute, func() bool {
		evs, err := ls.Events("/ecs/web", stream)
		got = got[:0]
		for _, e := range evs {
			got = append(got, e.Message)
		}
		return err == nil && len(got) == 2
	})
	if got[0] != "token=tok-123" || got[1] != "password=pw-456" {
		t.Errorf("shipped %q", got)
	}
	ct := h.cp.get(arn)
	for _, r := range ct.reports {
		if strings.Contains(r.Reason, "tok-123") {
			t.Error("a secret value reached the control plane")
		}
	}
}

func TestMissingSecretStopsTheTaskBeforeItStarts(t *testing.T) {
	ss := secrets.NewStore()
	h := newHarness(t, withLogsAndSecrets(logs.NewMemory(logs.WithClock(func() time.Time { return t0 })), ss))
	cd := ctr("app")
	cd.Secrets = []ecs.Secret{{Name: "TOKEN", ValueFrom: "arn:aws:ssm:us-east-1:000000000000:parameter/app/missing"}}
	arn := h.runTask(taskDef("web", cd))
	ct := h.taskIs(arn, ecs.TaskStatusStopped)
	want := "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid parameters: arn:aws:ssm:us-east-1:000000000000:parameter/app/missing"
	if ct.task.StopCode != ecs.StopCodeTaskFailedToStart || ct.task.StoppedReason != want {
		t.Errorf("stop code/reason = %q/%q", ct.task.StopCode, ct.task.StoppedReason)
	}
	if id := h.containerID(arn, "app"); id != "" {
		t.Errorf("a container was created: %s", id)
	}
	list, err := h.rt.List(context.Background(), nil)
	if err != nil || len(list) != 0 {
		t.Errorf("engine holds %d containers (err %v), want none", len(list), err)
	}

	// Without a provider at all, a task with secrets does not start either.
	h2 := newHarness(t)
	arn = h2.runTask(taskDef("web", cd))
	ct = h2.taskIs(arn, ecs.TaskStatusStopped)
	if ct.task.StopCode != ecs.StopCodeTaskFailedToStart || !strings.HasPrefix(ct.task.StoppedReason, "ResourceInitializationError: ") {
		t.Errorf("without a provider: %q/%q", ct.task.StopCode, ct.task.StoppedReason)
	}
}

func TestAwslogsMissingGroupWithoutCreateGroup(t *testing.T) {
	ls := logs.NewMemory(logs.WithClock(func() time.Time { return t0 }))
	h := newHarness(t, withLogsAndSecrets(ls, nil))
	arn := h.runTask(taskDef("web", awslogs(ctr("app"), map[string]string{"awslogs-group": "/ecs/none", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web"})))
	ct := h.taskIs(arn, ecs.TaskStatusStopped)
	want := "CannotStartContainerError: Error response from daemon: failed to initialize logging driver: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist."
	if ct.task.StopCode != ecs.StopCodeTaskFailedToStart || ct.container("app").Reason != want {
		t.Errorf("stop code %q, container reason %q", ct.task.StopCode, ct.container("app").Reason)
	}
	if ls.GroupExists("/ecs/none") {
		t.Error("the group was created without awslogs-create-group")
	}
	// An existing group needs no create-group; without a prefix the stream
	// is the container's ID.
	if err := ls.CreateLogGroup(logs.CreateLogGroupInput{LogGroupName: "/ecs/there"}); err != nil {
		t.Fatal(err)
	}
	arn = h.runTask(taskDef("api", awslogs(ctr("app", "ECSKIT_FAKE_OUTPUT=hello"), map[string]string{"awslogs-group": "/ecs/there", "awslogs-region": "us-east-1"})))
	h.taskIs(arn, ecs.TaskStatusRunning)
	id := h.containerID(arn, "app")
	h.advanceUntil("hello shipped", 100*time.Millisecond, time.Minute, func() bool {
		evs, _ := ls.Events("/ecs/there", id)
		return len(evs) == 1 && evs[0].Message == "hello"
	})
}
