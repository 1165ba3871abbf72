package ecs

import (
	"strconv"

	"github.com/ecskit/ecs/internal/arn"
)

// arns names the control plane's resources (see package arn).
func (cp *ControlPlane) arns() arn.Namer { return arn.New(cp.region, cp.account) }

func (cp *ControlPlane) arnPrefix() string             { return cp.arns().Prefix() }
func (cp *ControlPlane) clusterARN(name string) string { return cp.arns().Cluster(name) }
func (cp *ControlPlane) instanceARN(cluster, id string) string {
	return cp.arns().Instance(cluster, id)
}
func (cp *ControlPlane) taskARN(cluster, id string) string { return cp.arns().Task(cluster, id) }
func (cp *ControlPlane) containerARN(cluster, taskID, id string) string {
	return cp.arns().Container(cluster, taskID, id)
}
func (cp *ControlPlane) taskDefinitionARN(family string, revision int64) string {
	return cp.arns().TaskDefinition(family, revision)
}

// resourceName is arn.Resource.
func (cp *ControlPlane) resourceName(kind, s string) (parts []string, ok bool) {
	return arn.Resource(kind, s)
}

// clusterName resolves a cluster name or ARN; "" means default.
func (cp *ControlPlane) clusterName(s string) (string, error) {
	if s == "" {
		return DefaultCluster, nil
	}
	p, ok := cp.resourceName("cluster", s)
	if !ok || len(p) != 1 || p[0] == "" {
		return "", invalidParam("Invalid cluster identifier %q.", s)
	}
	return p[0], nil
}

// leafID resolves an ID or ARN of kind whose ARN is kind/<cluster>/<id>
// (or the old kind/<id>) to (cluster or "", id).
func (cp *ControlPlane) leafID(kind, s string) (cluster, id string, err error) {
	p, ok := cp.resourceName(kind, s)
	if !ok || len(p) == 0 || len(p) > 2 || p[len(p)-1] == "" {
		return "", "", invalidParam("Invalid %s identifier %q.", kind, s)
	}
	if len(p) == 2 {
		return p[0], p[1], nil
	}
	return "", p[0], nil
}

func itoa(n int64) string {
	return strconv.FormatInt(n, 10)
}

// uuid is arn.UUID.
func uuid(h string) string { return arn.UUID(h) }
