package fake_test

import (
	"context"
	"testing"
	"time"

	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/runtime/fake"
)

func TestStreamLogsPrintsTheScriptedOutput(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	r := fake.New(fake.WithClock(clk), fake.WithImages("busybox"))
	defer r.Close()
	id := run(t, r, runtime.ContainerSpec{Name: "a", Image: "busybox", Env: []string{
		"SECRET=s3", `ECSKIT_FAKE_OUTPUT=first\nsecret is ${SECRET} and $SECRET`, "ECSKIT_FAKE_RUN_FOR=5s",
	}})
	got := make(chan runtime.LogLine, 10)
	done := make(chan error, 1)
	go func() { done <- r.StreamLogs(context.Background(), id, func(l runtime.LogLine) { got <- l }) }()
	for _, want := range []string{"first", "secret is s3 and s3"} {
		l := <-got
		if l.Text != want || !l.Time.Equal(clk.Now()) || l.Stderr {
			t.Errorf("line %+v, want %q at start", l, want)
		}
	}
	select {
	case err := <-done:
		t.Fatalf("StreamLogs returned (%v) while the container runs", err)
	case <-time.After(20 * time.Millisecond):
	}
	clk.Advance(5 * time.Second)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("StreamLogs did not end when the container exited")
	}
	if err := r.StreamLogs(context.Background(), "nope", func(runtime.LogLine) {}); err == nil {
		t.Error("StreamLogs of an unknown container succeeded")
	}
}
