package fake_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ecskit/ecs/clock"
	"github.com/ecskit/ecs/runtime"
	"github.com/ecskit/ecs/runtime/fake"
)

// Example scripts a container through its environment and drives it with
// a fake clock.
func Example() {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rt := fake.New(fake.WithClock(clk), fake.WithRegistry("busybox"))
	defer rt.Close()

	if err := rt.PullImage(ctx, "busybox"); err != nil {
		panic(err)
	}
	id, err := rt.Create(ctx, runtime.ContainerSpec{
		Name: "job", Image: "busybox",
		Env:          []string{"ECSKIT_FAKE_RUN_FOR=10s", "ECSKIT_FAKE_EXIT_CODE=3"},
		PortBindings: []runtime.PortBinding{{ContainerPort: 80}},
	})
	if err != nil {
		panic(err)
	}
	if err := rt.Start(ctx, id); err != nil {
		panic(err)
	}
	st, _ := rt.Inspect(ctx, id)
	fmt.Println(st.State, st.Ports[0].HostPort)

	clk.Advance(10 * time.Second)
	for st.State != runtime.StateExited {
		time.Sleep(time.Millisecond) // the exit happens on the runtime's goroutine
		st, _ = rt.Inspect(ctx, id)
	}
	fmt.Println(st.State, st.ExitCode, st.FinishedAt.Format(time.TimeOnly))
	// Output:
	// running 49153
	// exited 3 00:00:10
}
