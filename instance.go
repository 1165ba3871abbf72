package ecs

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/placement"
	"github.com/ecskit/ecs/store"
)

// DefaultReservedPorts are the TCP host ports an agent reserves by default.
var DefaultReservedPorts = []int{22, 2375, 2376, 51678, 51679}

func portStrings(groups ...[]int) []string {
	var all []int
	for _, g := range groups {
		all = append(all, g...)
	}
	slices.Sort(all)
	out := make([]string, 0, len(all))
	for _, p := range slices.Compact(all) {
		out = append(out, strconv.Itoa(p))
	}
	return out
}

func intResource(name string, v int64) Resource {
	return Resource{Name: name, Type: "INTEGER", IntegerValue: v}
}

func setResource(name string, v []string) Resource {
	return Resource{Name: name, Type: "STRINGSET", StringSetValue: v}
}

// view builds the API shape of an instance.
func (cp *ControlPlane) instanceView(r *record.Instance) ContainerInstance {
	arn := cp.instanceARN(r.Cluster, r.ID)
	ci := ContainerInstance{
		ContainerInstanceArn: arn,
		Ec2InstanceId:        r.Ec2InstanceId,
		Version:              r.Version,
		VersionInfo:          r.VersionInfo,
		Status:               r.Status,
		StatusReason:         r.StatusReason,
		AgentConnected:       r.Status != StatusInactive && cp.agents.Connected(arn),
		RunningTasksCount:    r.RunningTasks,
		PendingTasksCount:    cp.cache.pendingOn(r.Cluster, r.ID),
		Attributes:           slices.Clone(r.Attributes),
		RegisteredAt:         r.RegisteredAt,
		Tags:                 r.Tags,
		RegisteredResources: []Resource{
			intResource(ResourceCPU, r.CPU),
			intResource(ResourceMemory, r.Memory),
			setResource(ResourcePorts, portStrings(r.Ports)),
			setResource(ResourcePortsUDP, portStrings(r.PortsUDP)),
		},
		RemainingResources: []Resource{
			intResource(ResourceCPU, r.CPU-r.UsedCPU),
			intResource(ResourceMemory, r.Memory-r.UsedMemory),
			setResource(ResourcePorts, portStrings(r.Ports, r.TaskPorts)),
			setResource(ResourcePortsUDP, portStrings(r.PortsUDP, r.TaskPortsUDP)),
		},
	}
	if ci.Attributes == nil {
		ci.Attributes = []Attribute{}
	}
	return ci
}

// placementInstance is the scheduler's view of an instance.
func (cp *ControlPlane) placementInstance(r *record.Instance) placement.Instance {
	arn := cp.instanceARN(r.Cluster, r.ID)
	attrs := make(map[string]string, len(r.Attributes))
	for _, a := range r.Attributes {
		attrs[a.Name] = a.Value
	}
	return placement.Instance{
		ARN:               arn,
		ID:                r.ID,
		EC2InstanceID:     r.Ec2InstanceId,
		Status:            r.Status,
		AgentConnected:    cp.agents.Connected(arn),
		AgentVersion:      r.VersionInfo.AgentVersion,
		RegisteredAt:      r.RegisteredAt.Time,
		Attributes:        attrs,
		RemainingCPU:      r.CPU - r.UsedCPU,
		RemainingMemory:   r.Memory - r.UsedMemory,
		UsedPorts:         append(slices.Clone(r.Ports), r.TaskPorts...),
		UsedPortsUDP:      append(slices.Clone(r.PortsUDP), r.TaskPortsUDP...),
		RunningTasksCount: int(r.RunningTasks),
		Groups:            r.Groups,
	}
}

// instanceIdentity is the part of an EC2 instance identity document ecskit
// reads.
type instanceIdentity struct {
	InstanceID       string `json:"instanceId"`
	AvailabilityZone string `json:"availabilityZone"`
	InstanceType     string `json:"instanceType"`
	ImageID          string `json:"imageId"`
}

// RegisterContainerInstance registers an engine as a container instance,
// or re-registers the one named by ContainerInstanceArn. Registering into
// a missing default cluster creates it, as the ECS agent does.
func (cp *ControlPlane) RegisterContainerInstance(ctx context.Context, in *RegisterContainerInstanceInput) (*RegisterContainerInstanceOutput, error) {
	defer cp.notePlacementChange(ctx)
	name, err := cp.clusterName(in.Cluster)
	if err != nil {
		return nil, err
	}
	rec := &record.Instance{Cluster: name, Status: StatusActive, Version: 1, Ports: slices.Clone(DefaultReservedPorts)}
	if err := applyTotalResources(rec, in.TotalResources); err != nil {
		return nil, err
	}
	if in.VersionInfo != nil {
		rec.VersionInfo = *in.VersionInfo
	}
	if in.InstanceIdentityDocument != "" {
		var doc instanceIdentity
		if err := json.Unmarshal([]byte(in.InstanceIdentityDocument), &doc); err != nil {
			return nil, &Error{Code: InvalidParameterException, Field: "instanceIdentityDocument", Message: "Invalid instance identity document."}
		}
		rec.Ec2InstanceId = doc.InstanceID
		for k, v := range map[string]string{"ecs.availability-zone": doc.AvailabilityZone, "ecs.instance-type": doc.InstanceType, "ecs.ami-id": doc.ImageID} {
			if v != "" {
				rec.SetAttr(k, v)
			}
		}
	}
	for _, a := range in.Attributes {
		if err := validateAttribute(a); err != nil {
			return nil, err
		}
		rec.SetAttr(a.Name, a.Value)
	}
	if n := customAttributes(rec.Attributes); n > 10 {
		return nil, errorf(AttributeLimitExceededException, "Too many custom attributes: %d (at most 10 per container instance).", n)
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	rec.Tags = in.Tags
	var out ContainerInstance
	err = cp.store.Update(ctx, func(tx store.Tx) error {
		if _, err := cp.activeCluster(tx, name); err != nil {
			if name != DefaultCluster {
				return err
			}
			if _, err := cp.ensureCluster(tx, name, nil, nil); err != nil {
				return err
			}
		}
		r := *rec
		if in.ContainerInstanceArn != "" {
			if old, err := cp.lookupInstance(tx, name, in.ContainerInstanceArn); err == nil && old.Status != StatusInactive {
				// Re-registration keeps identity, reservations and
				// attributes; it refreshes what the agent reports.
				old.VersionInfo = r.VersionInfo
				old.CPU, old.Memory, old.Ports, old.PortsUDP = r.CPU, r.Memory, r.Ports, r.PortsUDP
				for _, a := range r.Attributes {
					if isBuiltinAttribute(a.Name) {
						old.SetAttr(a.Name, a.Value)
					}
				}
				old.Version++
				r = *old
			}
		}
		if r.ID == "" {
			r.ID = cp.newID()
			r.RegisteredAt = cp.now()
		}
		if r.Ec2InstanceId == "" {
			r.Ec2InstanceId = "i-" + r.ID[:min(17, len(r.ID))]
		}
		out = cp.instanceView(&r)
		return record.Put(tx, record.InstanceKey(name, r.ID), &r)
	})
	if err != nil {
		return nil, err
	}
	cp.agents.Touch(out.ContainerInstanceArn)
	out.AgentConnected = true
	return &RegisterContainerInstanceOutput{ContainerInstance: &out}, nil
}

func applyTotalResources(rec *record.Instance, res []Resource) error {
	for _, r := range res {
		switch r.Name {
		case ResourceCPU:
			rec.CPU = resourceInt(r)
		case ResourceMemory:
			rec.Memory = resourceInt(r)
		case ResourcePorts, ResourcePortsUDP:
			var ports []int
			for _, s := range r.StringSetValue {
				p, err := strconv.Atoi(s)
				if err != nil || p < 0 || p > 65535 {
					return &Error{Code: InvalidParameterException, Field: "totalResources", Message: "Invalid port " + strconv.Quote(s) + " in " + r.Name + "."}
				}
				ports = append(ports, p)
			}
			if len(ports) > 100 {
				return &Error{Code: InvalidParameterException, Field: "totalResources", Message: "At most 100 reserved ports per container instance."}
			}
			if r.Name == ResourcePorts {
				rec.Ports = ports
			} else {
				rec.PortsUDP = ports
			}
		}
	}
	if rec.CPU < 0 || rec.Memory < 0 {
		return &Error{Code: InvalidParameterException, Field: "totalResources", Message: "Resources must not be negative."}
	}
	return nil
}

func resourceInt(r Resource) int64 {
	switch {
	case r.IntegerValue != 0:
		return r.IntegerValue
	case r.LongValue != 0:
		return r.LongValue
	default:
		return int64(r.DoubleValue)
	}
}

// lookupInstance resolves an instance ID or ARN within cluster.
func (cp *ControlPlane) lookupInstance(tx store.Tx, cluster, ref string) (*record.Instance, error) {
	c, id, err := cp.leafID("container-instance", ref)
	if err != nil {
		return nil, err
	}
	if c != "" && c != cluster {
		return nil, invalidParam("Container instance %q is not in cluster %q.", ref, cluster)
	}
	var rec record.Instance
	found, err := record.Get(tx, record.InstanceKey(cluster, id), &rec)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, &Error{Code: InvalidParameterException, Field: "containerInstance", Message: "Container instance not found: " + ref}
	}
	return &rec, nil
}
