package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/ecskit/ecs/placement"
	"github.com/ecskit/ecs/placement/sim"
)

// taskDefinition is the subset of an ECS task definition that placement
// reads. It accepts the RegisterTaskDefinition input and the
// DescribeTaskDefinition output ({"taskDefinition": {...}}).
type taskDefinition struct {
	Family               string                `json:"family"`
	CPU                  flexInt               `json:"cpu"`
	Memory               flexInt               `json:"memory"`
	NetworkMode          string                `json:"networkMode"`
	ContainerDefinitions []containerDefinition `json:"containerDefinitions"`
	PlacementConstraints []struct {
		Type       string `json:"type"`
		Expression string `json:"expression"`
	} `json:"placementConstraints"`
	RequiresAttributes []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"requiresAttributes"`
}

type containerDefinition struct {
	Name              string  `json:"name"`
	CPU               flexInt `json:"cpu"`
	Memory            flexInt `json:"memory"`
	MemoryReservation flexInt `json:"memoryReservation"`
	PortMappings      []struct {
		ContainerPort int    `json:"containerPort"`
		HostPort      int    `json:"hostPort"`
		Protocol      string `json:"protocol"`
	} `json:"portMappings"`
}

// flexInt reads a number or a string holding one (task-level cpu and memory
// are strings in the ECS API: "256", "0.25 vCPU" is not supported here).
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %s", b)
	}
	*f = flexInt(n)
	return nil
}

func parseTaskDefinition(data []byte) (taskDefinition, error) {
	var wrapped struct {
		TaskDefinition *taskDefinition `json:"taskDefinition"`
	}
	if err := json.Unmarshal(data, &wrapped); err == nil && wrapped.TaskDefinition != nil {
		return *wrapped.TaskDefinition, nil
	}
	var td taskDefinition
	if err := json.Unmarshal(data, &td); err != nil {
		return td, fmt.Errorf("task definition: %w", err)
	}
	return td, nil
}

// task computes the placement requirement (ECS-SPEC §4.1): the task-level
// cpu and memory when set, else the sum over containers (memoryReservation
// before memory), and the static host ports.
func (td taskDefinition) task() sim.Task {
	t := sim.Task{Family: td.Family, CPU: int64(td.CPU), Memory: int64(td.Memory)}
	var cpu, mem int64
	for _, c := range td.ContainerDefinitions {
		cpu += int64(c.CPU)
		if c.MemoryReservation > 0 {
			mem += int64(c.MemoryReservation)
		} else {
			mem += int64(c.Memory)
		}
		for _, pm := range c.PortMappings {
			port := pm.HostPort
			if td.NetworkMode == "host" && port == 0 {
				port = pm.ContainerPort
			}
			if port == 0 || td.NetworkMode == "awsvpc" {
				continue // dynamic port, or the task's own ENI
			}
			if pm.Protocol == "udp" {
				t.PortsUDP = append(t.PortsUDP, port)
			} else {
				t.Ports = append(t.Ports, port)
			}
		}
	}
	if t.CPU == 0 {
		t.CPU = cpu
	}
	if t.Memory == 0 {
		t.Memory = mem
	}
	for _, c := range td.PlacementConstraints {
		t.Constraints = append(t.Constraints, placement.Constraint{Type: placement.ConstraintType(c.Type), Expression: c.Expression})
	}
	for _, a := range td.RequiresAttributes {
		t.RequiredAttributes = append(t.RequiredAttributes, placement.Attribute{Name: a.Name, Value: a.Value})
	}
	return t
}
