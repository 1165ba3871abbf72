package types_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ecskit/ecs/types"
)

// Example shows a task as the ECS API sends it, and an ECS exception
// matched by its code.
func Example() {
	t := types.Task{
		TaskArn:       "arn:aws:ecs:us-east-1:000000000000:task/default/0f3a",
		LastStatus:    types.TaskStatusRunning,
		DesiredStatus: types.TaskStatusRunning,
		Containers:    []types.Container{},
		StartedAt:     types.NewTime(time.Date(2025, 1, 2, 3, 4, 5, 600e6, time.UTC)),
	}
	b, _ := json.Marshal(map[string]any{"taskArn": t.TaskArn, "startedAt": t.StartedAt})
	fmt.Println(string(b))

	err := fmt.Errorf("describe: %w", types.Errorf(types.ClusterNotFoundException, "Cluster not found."))
	fmt.Println(errors.Is(err, types.ErrClusterNotFound), types.ErrorCode(err), types.ErrorMessage(err))
	// Output:
	// {"startedAt":1735787045.6,"taskArn":"arn:aws:ecs:us-east-1:000000000000:task/default/0f3a"}
	// true ClusterNotFoundException Cluster not found.
}
