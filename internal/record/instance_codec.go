package record

import (
	"encoding/json"
	"slices"
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
	e.attributes(r.Attributes)
	e.tags(r.Tags)
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
	d, isJSON, err := openRecord(b, "instance", instanceCodecVersion)
	switch {
	case isJSON:
		return json.Unmarshal(b, r)
	case err != nil:
		return err
	}
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
	r.Attributes = d.attributes()
	r.Tags = d.tags()
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
	return d.close("instance")
}
