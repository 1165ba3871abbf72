package arn_test

import (
	"fmt"

	"github.com/ecskit/ecs/internal/arn"
)

func Example() {
	n := arn.New("eu-west-1", "123456789012")
	task := n.Task("default", "0123456789abcdef")
	fmt.Println(task)
	fmt.Println(arn.Resource("task", task))
	// Output:
	// arn:aws:ecs:eu-west-1:123456789012:task/default/0123456789abcdef
	// [default 0123456789abcdef] true
}
