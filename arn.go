package ecs

import (
	"strconv"
	"strings"
)

// arnPrefix is "arn:aws:ecs:<region>:<account>:".
func (cp *ControlPlane) arnPrefix() string {
	return "arn:aws:ecs:" + cp.region + ":" + cp.account + ":"
}

func (cp *ControlPlane) clusterARN(name string) string {
	return cp.arnPrefix() + "cluster/" + name
}

func (cp *ControlPlane) instanceARN(cluster, id string) string {
	return cp.arnPrefix() + "container-instance/" + cluster + "/" + id
}

func (cp *ControlPlane) taskARN(cluster, id string) string {
	return cp.arnPrefix() + "task/" + cluster + "/" + id
}

func (cp *ControlPlane) containerARN(cluster, taskID, id string) string {
	return cp.arnPrefix() + "container/" + cluster + "/" + taskID + "/" + id
}

func (cp *ControlPlane) taskDefinitionARN(family string, revision int64) string {
	return cp.arnPrefix() + "task-definition/" + family + ":" + itoa(revision)
}

func (cp *ControlPlane) serviceARN(cluster, name string) string {
	return cp.arnPrefix() + "service/" + cluster + "/" + name
}

// resourceName reduces a short name or an ARN of the given resource type
// ("cluster", "task", "container-instance", "service") to its parts after
// the type: for "task/c/id" that is ["c", "id"]. A short name yields
// itself as the only part. ok is false for an ARN of another type or
// region.
func (cp *ControlPlane) resourceName(kind, s string) (parts []string, ok bool) {
	if !strings.HasPrefix(s, "arn:") {
		return []string{s}, true
	}
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 || f[2] != "ecs" {
		return nil, false
	}
	res := f[5]
	if !strings.HasPrefix(res, kind+"/") {
		return nil, false
	}
	return strings.Split(strings.TrimPrefix(res, kind+"/"), "/"), true
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
