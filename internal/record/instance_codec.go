package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/ecskit/ecs/types"
)

// Instance records are rewritten with nearly every task placed on or
// stopped from them, so they have a codec like task records (see
// EncodeTask): a format byte, then the fields in a fixed order. Records in
// JSON still decode. A field added to Instance must be added here, at
// the end, with instanceCodecVersion raised;
// TestInstanceCodecCoversEveryField fails when one is left out.
const instanceCodecVersion = 1

// EncodeInstance encodes an instance record for the store.
func EncodeInstance(r *Instance) []byte {
	e := recEncoder{b: make([]byte, 0, 256+8*len(r.TaskPorts))}
	e.b = append(e.b, instanceCodecVersion)
	e.str(r.Cluster)
	e.str(r.ID)
	e.str(r.Ec2InstanceId)
	e.str(r.Status)
	e.str(r.StatusReason)
	e.str(r.VersionInfo.AgentVersion)
	e.str(r.VersionInfo.AgentHash)
	e.str(r.VersionInfo.DockerVersion)
	e.time(r.RegisteredAt)
	e.list(r.Attributes == nil, len(r.Attributes))
	for _, a := range r.Attributes {
		e.str(a.Name)
		e.str(a.Value)
		e.str(a.TargetType)
		e.str(a.TargetId)
	}
	e.list(r.Tags == nil, len(r.Tags))
	for _, tag := range r.Tags {
		e.str(tag.Key)
		e.str(tag.Value)
	}
	e.int(r.Version)
	e.int(r.CPU)
	e.int(r.Memory)
	e.ints(r.Ports)
	e.ints(r.PortsUDP)
	e.int(r.UsedCPU)
	e.int(r.UsedMemory)
	e.ints(r.TaskPorts)
	e.ints(r.TaskPortsUDP)
	// Groups in key order, so that one record always encodes alike.
	e.list(r.Groups == nil, len(r.Groups))
	keys := make([]string, 0, len(r.Groups))
	for k := range r.Groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		e.str(k)
		e.int(int64(r.Groups[k]))
	}
	e.int(r.RunningTasks)
	return e.b
}

// DecodeInstance decodes an instance record written by EncodeInstance
// (or, from before the codec, as JSON).
func DecodeInstance(b []byte, r *Instance) error {
	if len(b) > 0 && b[0] == '{' {
		return json.Unmarshal(b, r)
	}
	if len(b) == 0 {
		return errors.New("empty instance record")
	}
	if b[0] != instanceCodecVersion {
		return fmt.Errorf("instance record format %d is unknown (this build reads %d)", b[0], instanceCodecVersion)
	}
	d := recDecoder{s: string(b[1:])}
	*r = Instance{}
	r.Cluster = d.str()
	r.ID = d.str()
	r.Ec2InstanceId = d.str()
	r.Status = d.str()
	r.StatusReason = d.str()
	r.VersionInfo.AgentVersion = d.str()
	r.VersionInfo.AgentHash = d.str()
	r.VersionInfo.DockerVersion = d.str()
	r.RegisteredAt = d.time()
	if n, ok := d.list(); ok {
		r.Attributes = make([]types.Attribute, n)
		for i := range r.Attributes {
			a := &r.Attributes[i]
			a.Name, a.Value, a.TargetType, a.TargetId = d.str(), d.str(), d.str(), d.str()
		}
	}
	if n, ok := d.list(); ok {
		r.Tags = make([]types.Tag, n)
		for i := range r.Tags {
			r.Tags[i].Key, r.Tags[i].Value = d.str(), d.str()
		}
	}
	r.Version = d.int()
	r.CPU = d.int()
	r.Memory = d.int()
	r.Ports = d.ints()
	r.PortsUDP = d.ints()
	r.UsedCPU = d.int()
	r.UsedMemory = d.int()
	r.TaskPorts = d.ints()
	r.TaskPortsUDP = d.ints()
	if n, ok := d.list(); ok {
		r.Groups = make(map[string]int, n)
		for range n {
			k := d.str()
			r.Groups[k] = int(d.int())
		}
	}
	r.RunningTasks = d.int()
	if d.err == nil && len(d.s) > 0 {
		d.err = fmt.Errorf("%d bytes left over", len(d.s))
	}
	if d.err != nil {
		return fmt.Errorf("instance record: %w", d.err)
	}
	return nil
}
