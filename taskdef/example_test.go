package taskdef_test

import (
	"fmt"

	"github.com/ecskit/ecs/taskdef"
)

// Example reads a register-task-definition document, normalises it
// as RegisterTaskDefinition would, and shows a document that fails.
func Example() {
	in, err := taskdef.Parse([]byte(`{
		"family": "web",
		"networkMode": "awsvpc",
		"requiresCompatibilities": ["FARGATE"],
		"cpu": "0.5 vCPU",
		"memory": "1 GB",
		"containerDefinitions": [{"name": "nginx", "image": "nginx:1.27", "portMappings": [{"containerPort": 80}]}]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	td, err := taskdef.Normalize(in)
	if err != nil {
		fmt.Println(err)
		return
	}
	pm := td.ContainerDefinitions[0].PortMappings[0]
	fmt.Println(td.Cpu, td.Memory, td.Compatibilities, *td.ContainerDefinitions[0].Essential, *pm.HostPort, pm.Protocol)

	_, err = taskdef.Parse([]byte(`{"family": "web", "containerDefinitions": [{"name": "a", "memory": "256"}]}`))
	fmt.Println(err)
	// Output:
	// 512 1024 [EC2 FARGATE] true 80 tcp
	// ClientException: containerDefinitions[0].memory: expected a number, got string "256"
}
