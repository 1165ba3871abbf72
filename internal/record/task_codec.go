package record

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

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
	e.list(k.Attributes == nil, len(k.Attributes))
	for _, a := range k.Attributes {
		e.str(a.Name)
		e.str(a.Value)
		e.str(a.TargetType)
		e.str(a.TargetId)
	}
	e.list(k.Tags == nil, len(k.Tags))
	for _, tag := range k.Tags {
		e.str(tag.Key)
		e.str(tag.Value)
	}
	e.bools(k.EnableExecuteCommand)
	return e.b, nil
}

// DecodeTask decodes a task record written by EncodeTask (or, from before
// the codec, as JSON).
func DecodeTask(b []byte, t *Task) error {
	if len(b) > 0 && b[0] == '{' {
		return json.Unmarshal(b, t)
	}
	if len(b) == 0 {
		return errors.New("empty task record")
	}
	if b[0] != taskCodecVersion {
		return fmt.Errorf("task record format %d is unknown (this build reads %d)", b[0], taskCodecVersion)
	}
	d := recDecoder{s: string(b[1:])}
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
	if n, ok := d.list(); ok {
		k.Attributes = make([]types.Attribute, n)
		for i := range k.Attributes {
			a := &k.Attributes[i]
			a.Name, a.Value, a.TargetType, a.TargetId = d.str(), d.str(), d.str(), d.str()
		}
	}
	if n, ok := d.list(); ok {
		k.Tags = make([]types.Tag, n)
		for i := range k.Tags {
			k.Tags[i].Key, k.Tags[i].Value = d.str(), d.str()
		}
	}
	d.bools(&k.EnableExecuteCommand)
	if d.err == nil && len(d.s) > 0 {
		d.err = fmt.Errorf("%d bytes left over", len(d.s))
	}
	if d.err != nil {
		return fmt.Errorf("task record: %w", d.err)
	}
	return nil
}

type recEncoder struct{ b []byte }

func (e *recEncoder) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *recEncoder) int(v int64)   { e.b = binary.AppendVarint(e.b, v) }

func (e *recEncoder) str(s string) {
	e.uint(uint64(len(s)))
	e.b = append(e.b, s...)
}

// list writes a list's length, telling a nil list (0) from an empty one.
func (e *recEncoder) list(isNil bool, n int) {
	if isNil {
		e.uint(0)
		return
	}
	e.uint(uint64(n) + 1)
}

func (e *recEncoder) ints(v []int) {
	e.list(v == nil, len(v))
	for _, n := range v {
		e.int(int64(n))
	}
}

// bools packs up to 8 flags into one byte.
func (e *recEncoder) bools(v ...bool) {
	var f byte
	for i, b := range v {
		if b {
			f |= 1 << i
		}
	}
	e.b = append(e.b, f)
}

// time writes 0 for the zero time, else 1 and the epoch milliseconds.
func (e *recEncoder) time(t types.Time) {
	if t.IsZero() {
		e.uint(0)
		return
	}
	e.uint(1)
	e.int(t.UnixMilli())
}

// recDecoder reads what recEncoder wrote. The first error sticks; after
// it every read returns a zero value.
type recDecoder struct {
	s   string
	err error
}

var errTruncated = errors.New("truncated")

func (d *recDecoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	var v uint64
	var shift uint
	for i := 0; i < len(d.s) && i < binary.MaxVarintLen64; i++ {
		c := d.s[i]
		if c < 0x80 {
			d.s = d.s[i+1:]
			return v | uint64(c)<<shift
		}
		v |= uint64(c&0x7f) << shift
		shift += 7
	}
	d.err = errTruncated
	return 0
}

func (d *recDecoder) int() int64 {
	u := d.uint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (d *recDecoder) bytes(n uint64) string {
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.s)) {
		d.err = errTruncated
		return ""
	}
	v := d.s[:n]
	d.s = d.s[n:]
	return v
}

func (d *recDecoder) str() string { return d.bytes(d.uint()) }

// list reads a list's length; ok is false for a nil list. A length longer
// than the bytes left is an error, so a corrupt record cannot make the
// decoder allocate without bound.
func (d *recDecoder) list() (n int, ok bool) {
	v := d.uint()
	if v == 0 || d.err != nil {
		return 0, false
	}
	if v-1 > uint64(len(d.s)) {
		d.err = errTruncated
		return 0, false
	}
	return int(v - 1), true
}

func (d *recDecoder) ints() []int {
	n, ok := d.list()
	if !ok {
		return nil
	}
	v := make([]int, n)
	for i := range v {
		v[i] = int(d.int())
	}
	return v
}

func (d *recDecoder) bools(v ...*bool) {
	if d.err != nil {
		return
	}
	if len(d.s) == 0 {
		d.err = errTruncated
		return
	}
	f := d.s[0]
	d.s = d.s[1:]
	for i, b := range v {
		*b = f&(1<<i) != 0
	}
}

func (d *recDecoder) time() types.Time {
	if d.uint() == 0 {
		return types.Time{}
	}
	return types.Time{Time: time.UnixMilli(d.int()).UTC()}
}
