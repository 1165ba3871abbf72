// Command placement-sim shows where ECS would place N tasks of a task
// definition on a described cluster, and why the rest could not be placed.
//
//	go run ./examples/placement-sim                       # the files shipped beside it
//	go run ./examples/placement-sim -taskdef td.json -cluster cluster.json -count 20 \
//	    -strategy 'spread(attribute:ecs.availability-zone), binpack(memory)' \
//	    -constraint 'memberOf(attribute:stack == prod)'
//
// The cluster description format is documented by sim.Description.
package main

import (
	"bytes"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ecskit/ecs/placement/sim"
)

//go:embed taskdef.json
var defaultTaskDef []byte

//go:embed cluster.json
var defaultCluster []byte

type constraintFlags []string

func (c *constraintFlags) String() string     { return fmt.Sprint(*c) }
func (c *constraintFlags) Set(s string) error { *c = append(*c, s); return nil }

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "placement-sim:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("placement-sim", flag.ContinueOnError)
	tdPath := fs.String("taskdef", "", "task definition JSON (default: the shipped taskdef.json)")
	clusterPath := fs.String("cluster", "", "cluster description JSON (default: the shipped cluster.json)")
	count := fs.Int("count", 8, "number of tasks to place")
	strategy := fs.String("strategy", "spread(attribute:ecs.availability-zone), binpack(memory)", "placement strategies, in order")
	service := fs.String("service", "", "place as the tasks of this service (group service:NAME)")
	group := fs.String("group", "", "task group (default family:FAMILY)")
	seed := fs.Int64("seed", 1, "random seed")
	var constraints constraintFlags
	fs.Var(&constraints, "constraint", "extra placement constraint, e.g. distinctInstance or 'memberOf(EXPR)' (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}

	tdJSON, err := readOr(*tdPath, defaultTaskDef)
	if err != nil {
		return err
	}
	td, err := parseTaskDefinition(tdJSON)
	if err != nil {
		return err
	}
	clusterJSON, err := readOr(*clusterPath, defaultCluster)
	if err != nil {
		return err
	}
	cluster, err := sim.ReadCluster(bytes.NewReader(clusterJSON))
	if err != nil {
		return err
	}

	opts := []sim.RunOption{sim.Seed(*seed)}
	strategies, err := sim.ParseStrategies(*strategy)
	if err != nil {
		return err
	}
	opts = append(opts, sim.Strategies(strategies...))
	for _, c := range constraints {
		pc, err := sim.ParseConstraint(c)
		if err != nil {
			return err
		}
		opts = append(opts, sim.Constraints(pc))
	}
	if *service != "" {
		opts = append(opts, sim.AsService(*service))
	}
	if *group != "" {
		opts = append(opts, sim.Group(*group))
	}

	task := td.task()
	fmt.Fprintf(out, "task definition %s: cpu %d, memory %d MiB, tcp ports %v, udp ports %v\n",
		td.Family, task.CPU, task.Memory, task.Ports, task.PortsUDP)
	fmt.Fprintf(out, "cluster: %d container instances\n", len(cluster.Snapshot().Instances))
	o, err := cluster.Run(task, *count, opts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "group %s, strategies %v, constraints %v\n\n", o.Request.Group, o.Request.Strategies, o.Request.Constraints)
	for i, in := range o.Instances {
		fmt.Fprintf(out, "task %2d -> %s  %-10s %-11s stack=%s\n", i+1, in.EC2InstanceID,
			in.Attributes["ecs.instance-type"], in.Attributes["ecs.availability-zone"], in.Attributes["stack"])
	}
	fmt.Fprintf(out, "\n%s\n", o)
	return nil
}

func readOr(path string, fallback []byte) ([]byte, error) {
	if path == "" {
		return fallback, nil
	}
	return os.ReadFile(path)
}
