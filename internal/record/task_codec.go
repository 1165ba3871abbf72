package record

import (
	"encoding/json"
	"fmt"

	"github.com/ecskit/ecs/types"
)

// Task records are the store's most numerous and most often rewritten
// records, so they have a codec of their own instead of JSON: a format
// byte, then every field in a fixed order, integers as varints, strings
// and lists length-prefixed, times as epoch milliseconds. Decoding copies
// the record's bytes into one string and slices every string field from it,
// so a decode costs a handful of allocations whatever the task holds.
// Records in JSON (written before this codec) still decode.
//
// The field order is the format: a field added to Task, types.Task,
// types.Container or types.NetworkBinding must be added to both EncodeTask and
// DecodeTask, and to the end of its group, with taskCodecVersion raised.
// TestTaskCodecCoversEveryField fails when a field is left out.
const taskCodecVersion = 1

// EncodeTask encodes a task record for the store.
func EncodeTask(t *Task) ([]byte, error) {
	e := recEncoder{b: make([]byte, 0, 512)}
	e.b = append(e.b, taskCodecVersion)
	e.str(t.Cluster)
	e.str(t.ID)
	e.str(t.InstanceID)
	e.str(t.Family)
	e.int(t.Revision)
	e.str(t.ServiceName)
	e.int(t.CPU)
	e.int(t.Memory)
	e.ints(t.Ports)
	e.ints(t.PortsUDP)
	e.bools(t.GroupReleased, t.Released)

	k := &t.Task
	e.str(k.TaskArn)
	e.str(k.ClusterArn)
	e.str(k.TaskDefinitionArn)
	e.str(k.ContainerInstanceArn)
	if k.Overrides == nil {
		e.uint(0)
	} else {
		ov, err := json.Marshal(k.Overrides)
		if err != nil {
			return nil, err
		}
		e.uint(uint64(len(ov)) + 1)
		e.b = append(e.b, ov...)
	}
	e.str(k.LastStatus)
	e.str(k.DesiredStatus)
	e.str(k.HealthStatus)
	e.str(k.Cpu)
	e.str(k.Memory)
	e.list(k.Containers == nil, len(k.Containers))
	for i := range k.Containers {
		c := &k.Containers[i]
		e.str(c.ContainerArn)
		e.str(c.TaskArn)
		e.str(c.Name)
		e.str(c.Image)
		e.str(c.ImageDigest)
		e.str(c.RuntimeId)
		e.str(c.LastStatus)
		if c.ExitCode == nil {
			e.uint(0)
		} else {
			e.uint(1)
			e.int(*c.ExitCode)
		}
		e.str(c.Reason)
		e.list(c.NetworkBindings == nil, len(c.NetworkBindings))
		for _, nb := range c.NetworkBindings {
			e.str(nb.BindIP)
			e.int(nb.ContainerPort)
			e.int(nb.HostPort)
			e.str(nb.Protocol)
		}
		e.str(c.HealthStatus)
		e.str(c.Cpu)
		e.str(c.Memory)
		e.str(c.MemoryReservation)
	}
	e.str(k.StartedBy)
	e.int(k.Version)
	e.str(k.StopCode)
	e.str(k.StoppedReason)
	e.str(k.Connectivity)
	for _, at := range []types.Time{k.ConnectivityAt, k.PullStartedAt, k.PullStoppedAt, k.ExecutionStoppedAt,
		k.CreatedAt, k.StartedAt, k.StoppingAt, k.StoppedAt} {
		e.time(at)
	}
	e.str(k.Group)
	e.str(k.LaunchType)
	e.str(k.AvailabilityZone)
	e.attributes(k.Attributes)
	e.tags(k.Tags)
	e.bools(k.EnableExecuteCommand)
	return e.b, nil
}

// DecodeTask decodes a task record written by EncodeTask (or, from before
// the codec, as JSON).
func DecodeTask(b []byte, t *Task) error {
	d, isJSON, err := openRecord(b, "task", taskCodecVersion)
	switch {
	case isJSON:
		return json.Unmarshal(b, t)
	case err != nil:
		return err
	}
	*t = Task{}
	t.Cluster = d.str()
	t.ID = d.str()
	t.InstanceID = d.str()
	t.Family = d.str()
	t.Revision = d.int()
	t.ServiceName = d.str()
	t.CPU = d.int()
	t.Memory = d.int()
	t.Ports = d.ints()
	t.PortsUDP = d.ints()
	d.bools(&t.GroupReleased, &t.Released)

	k := &t.Task
	k.TaskArn = d.str()
	k.ClusterArn = d.str()
	k.TaskDefinitionArn = d.str()
	k.ContainerInstanceArn = d.str()
	if n := d.uint(); n > 0 {
		raw := d.bytes(n - 1)
		if d.err == nil {
			k.Overrides = new(types.TaskOverride)
			if err := json.Unmarshal([]byte(raw), k.Overrides); err != nil {
				return fmt.Errorf("task overrides: %w", err)
			}
		}
	}
	k.LastStatus = d.str()
	k.DesiredStatus = d.str()
	k.HealthStatus = d.str()
	k.Cpu = d.str()
	k.Memory = d.str()
	if n, ok := d.list(); ok {
		k.Containers = make([]types.Container, n)
		for i := range k.Containers {
			c := &k.Containers[i]
			c.ContainerArn = d.str()
			c.TaskArn = d.str()
			c.Name = d.str()
			c.Image = d.str()
			c.ImageDigest = d.str()
			c.RuntimeId = d.str()
			c.LastStatus = d.str()
			if d.uint() == 1 {
				v := d.int()
				c.ExitCode = &v
			}
			c.Reason = d.str()
			if n, ok := d.list(); ok {
				c.NetworkBindings = make([]types.NetworkBinding, n)
				for j := range c.NetworkBindings {
					nb := &c.NetworkBindings[j]
					nb.BindIP = d.str()
					nb.ContainerPort = d.int()
					nb.HostPort = d.int()
					nb.Protocol = d.str()
				}
			}
			c.HealthStatus = d.str()
			c.Cpu = d.str()
			c.Memory = d.str()
			c.MemoryReservation = d.str()
		}
	}
	k.StartedBy = d.str()
	k.Version = d.int()
	k.StopCode = d.str()
	k.StoppedReason = d.str()
	k.Connectivity = d.str()
	for _, at := range []*types.Time{&k.ConnectivityAt, &k.PullStartedAt, &k.PullStoppedAt, &k.ExecutionStoppedAt,
		&k.CreatedAt, &k.StartedAt, &k.StoppingAt, &k.StoppedAt} {
		*at = d.time()
	}
	k.Group = d.str()
	k.LaunchType = d.str()
	k.AvailabilityZone = d.str()
	k.Attributes = d.attributes()
	k.Tags = d.tags()
	d.bools(&k.EnableExecuteCommand)
	return d.close("task")
}
