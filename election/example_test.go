package election_test

import (
	"context"
	"fmt"

	"github.com/ecskit/ecs/election"
)

// A replica runs its controllers only while it leads, and campaigns again
// when it loses leadership.
func Example() {
	e := election.Always() // or etcd.NewElector(client, "ecskit/leader", hostname, 10*time.Second)
	defer e.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	for term := 1; term <= 2; term++ {
		leaderCtx, err := e.Lead(ctx)
		if err != nil {
			return // ctx ended or the elector was closed
		}
		fmt.Println("leading, term", term)
		// run the controllers with leaderCtx; they return when it ends
		_ = leaderCtx
	}
	// Output:
	// leading, term 1
	// leading, term 2
}
