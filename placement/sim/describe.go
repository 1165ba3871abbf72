package sim

import (
	"encoding/json"
	"fmt"
	"io"
)

// Description is a cluster description file (JSON):
//
//	{
//	  "name": "demo",
//	  "instanceTypes": {"x.custom": {"cpu": 4096, "memory": 8192}},
//	  "instances": [
//	    {"type": "m5.large", "count": 3, "az": "us-east-1a",
//	     "attributes": {"stack": "prod"},
//	     "running": [{"group": "service:web", "count": 1, "cpu": 256, "memory": 512,
//	                  "ports": [8080], "portsUdp": []}]}
//	  ]
//	}
//
// Types not listed under instanceTypes must be known to KnownType.
type Description struct {
	Name          string                     `json:"name"`
	InstanceTypes map[string]DescriptionType `json:"instanceTypes"`
	Instances     []DescriptionGroup         `json:"instances"`
}

// DescriptionType is an instance type's registered CPU units and MiB.
type DescriptionType struct {
	CPU    int64 `json:"cpu"`
	Memory int64 `json:"memory"`
}

// DescriptionGroup is a number of identical instances (Count defaults
// to 1).
type DescriptionGroup struct {
	Type       string            `json:"type"`
	Count      int               `json:"count"`
	AZ         string            `json:"az"`
	Attributes map[string]string `json:"attributes"`
	Running    []DescriptionTask `json:"running"`
	// Status is ACTIVE (default) or DRAINING.
	Status string `json:"status"`
	// Disconnected marks the agents as disconnected.
	Disconnected bool `json:"disconnected"`
}

// DescriptionTask is a number of tasks of one group already running on
// each instance of a DescriptionGroup.
type DescriptionTask struct {
	Group  string `json:"group"`
	Count  int    `json:"count"`
	CPU    int64  `json:"cpu"`
	Memory int64  `json:"memory"`
	// Ports and PortsUDP are the tasks' static host ports.
	Ports    []int `json:"ports"`
	PortsUDP []int `json:"portsUdp"`
}

// ReadCluster reads a cluster description (see Description).
func ReadCluster(r io.Reader) (*Cluster, error) {
	var d Description
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("cluster description: %w", err)
	}
	if d.Name == "" {
		d.Name = "default"
	}
	c := NewCluster(d.Name)
	for i, g := range d.Instances {
		field := fmt.Sprintf("instances[%d]", i)
		t, ok := KnownType(g.Type)
		if dt, custom := d.InstanceTypes[g.Type]; custom {
			t, ok = InstanceType{Name: g.Type, CPU: dt.CPU, Memory: dt.Memory}, true
		}
		if !ok {
			return nil, fmt.Errorf("cluster description: %s.type: unknown instance type %q (list it under instanceTypes)", field, g.Type)
		}
		if g.Count < 0 {
			return nil, fmt.Errorf("cluster description: %s.count: must not be negative, got %d", field, g.Count)
		}
		var opts []InstanceOption
		for k, v := range g.Attributes {
			opts = append(opts, Attribute(k, v))
		}
		for _, rt := range g.Running {
			opts = append(opts, Running(rt.Group, rt.Count, rt.CPU, rt.Memory), UsedPorts(rt.Ports, rt.PortsUDP))
		}
		switch g.Status {
		case "", "ACTIVE":
		case "DRAINING":
			opts = append(opts, Draining())
		default:
			return nil, fmt.Errorf("cluster description: %s.status: must be ACTIVE or DRAINING, got %q", field, g.Status)
		}
		if g.Disconnected {
			opts = append(opts, Disconnected())
		}
		count := g.Count
		if count == 0 {
			count = 1
		}
		c.Add(count, t, g.AZ, opts...)
	}
	return c, nil
}
