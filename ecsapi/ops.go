package ecsapi

import (
	"context"

	"github.com/ecskit/ecs"
)

// operation decodes a request body and runs one action.
type operation func(ctx context.Context, body []byte) (any, error)

// op adapts a control plane method of the uniform form
// Action(ctx, *ActionInput) (*ActionOutput, error): the body is decoded
// into a new ActionInput and the output is sent as the response.
func op[I, O any](fn func(context.Context, *I) (*O, error)) operation {
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(I)
		if err := decode(body, in); err != nil {
			return nil, err
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		if out == nil {
			return struct{}{}, nil
		}
		return out, nil
	}
}

// operations is the dispatch table. Adding an action is one line.
func (h *Handler) operations() map[string]operation {
	cp := h.cp
	ops := map[string]operation{
		// Clusters.
		"CreateCluster":    op(cp.CreateCluster),
		"DescribeClusters": op(cp.DescribeClusters),
		"ListClusters":     op(cp.ListClusters),
		"DeleteCluster":    op(cp.DeleteCluster),
		"UpdateCluster":    op(cp.UpdateCluster),

		// Container instances and attributes.
		"RegisterContainerInstance":     op(h.registerContainerInstance),
		"DescribeContainerInstances":    op(cp.DescribeContainerInstances),
		"ListContainerInstances":        op(cp.ListContainerInstances),
		"DeregisterContainerInstance":   op(cp.DeregisterContainerInstance),
		"UpdateContainerInstancesState": op(cp.UpdateContainerInstancesState),
		"PutAttributes":                 op(cp.PutAttributes),
		"DeleteAttributes":              op(cp.DeleteAttributes),
		"ListAttributes":                op(cp.ListAttributes),

		// Task definitions.
		"RegisterTaskDefinition":     op(cp.RegisterTaskDefinition),
		"DescribeTaskDefinition":     op(cp.DescribeTaskDefinition),
		"ListTaskDefinitions":        op(cp.ListTaskDefinitions),
		"ListTaskDefinitionFamilies": op(cp.ListTaskDefinitionFamilies),
		"DeregisterTaskDefinition":   op(cp.DeregisterTaskDefinition),
		"DeleteTaskDefinitions":      op(cp.DeleteTaskDefinitions),

		// Tasks.
		"RunTask":       op(cp.RunTask),
		"StartTask":     op(cp.StartTask),
		"StopTask":      op(cp.StopTask),
		"DescribeTasks": op(cp.DescribeTasks),
		"ListTasks":     op(cp.ListTasks),

		// Services.
		"CreateService":    op(cp.CreateService),
		"UpdateService":    op(cp.UpdateService),
		"DeleteService":    op(cp.DeleteService),
		"DescribeServices": op(cp.DescribeServices),
		"ListServices":     op(cp.ListServices),

		"ListServiceDeployments":     op(cp.ListServiceDeployments),
		"DescribeServiceDeployments": op(cp.DescribeServiceDeployments),
		"DescribeServiceRevisions":   op(cp.DescribeServiceRevisions),

		// Tags.
		"TagResource":         op(cp.TagResource),
		"UntagResource":       op(cp.UntagResource),
		"ListTagsForResource": op(cp.ListTagsForResource),

		// The agent's calls: ECS's own, plus ecskit's PollTasks.
		"DiscoverPollEndpoint":       op(h.discoverPollEndpoint),
		"PollTasks":                  op(cp.PollTasks),
		"SubmitTaskStateChange":      op(cp.SubmitTaskStateChange),
		"SubmitContainerStateChange": op(cp.SubmitContainerStateChange),
		"SubmitTaskStateChanges":     op(cp.SubmitTaskStateChanges),
	}
	return ops
}

// registerContainerInstance registers an instance, then runs the
// OnRegisterContainerInstance hook.
func (h *Handler) registerContainerInstance(ctx context.Context, in *ecs.RegisterContainerInstanceInput) (*ecs.RegisterContainerInstanceOutput, error) {
	out, err := h.cp.RegisterContainerInstance(ctx, in)
	if err != nil {
		return nil, err
	}
	if h.onRegister != nil && out.ContainerInstance != nil {
		h.onRegister(ctx, out.ContainerInstance)
	}
	return out, nil
}

// DiscoverPollEndpointInput is the request of DiscoverPollEndpoint.
type DiscoverPollEndpointInput struct {
	Cluster           string `json:"cluster,omitempty"`
	ContainerInstance string `json:"containerInstance,omitempty"`
	ZoneId            string `json:"zoneId,omitempty"`
}

// DiscoverPollEndpointOutput is the response of DiscoverPollEndpoint: an
// ecskit agent polls the API endpoint itself, so every endpoint is the
// URL the API is served at.
type DiscoverPollEndpointOutput struct {
	Endpoint               string `json:"endpoint"`
	TelemetryEndpoint      string `json:"telemetryEndpoint"`
	ServiceConnectEndpoint string `json:"serviceConnectEndpoint"`
}

// discoverPollEndpoint answers with the API's own URL; a named cluster
// must exist and be ACTIVE.
func (h *Handler) discoverPollEndpoint(ctx context.Context, in *DiscoverPollEndpointInput) (*DiscoverPollEndpointOutput, error) {
	if in.Cluster != "" {
		d, err := h.cp.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{in.Cluster}})
		if err != nil {
			return nil, err
		}
		if len(d.Clusters) != 1 || d.Clusters[0].Status != ecs.StatusActive {
			return nil, &ecs.Error{Code: ecs.ClusterNotFoundException, Message: "Cluster not found."}
		}
	}
	url, _ := ctx.Value(baseURLKey{}).(string)
	return &DiscoverPollEndpointOutput{Endpoint: url, TelemetryEndpoint: url, ServiceConnectEndpoint: url}, nil
}
