// Package arn builds and reads the Amazon Resource Names of ECS resources,
// "arn:aws:ecs:<region>:<account>:<kind>/<parts>", and formats the IDs
// they carry. It holds no state: a Namer is the prefix of one region and
// account.
package arn

import (
	"strconv"
	"strings"
)

// Namer builds the ARNs of one region and account; its value is the
// prefix "arn:aws:ecs:<region>:<account>:".
type Namer string

// New returns the Namer of a region and account.
func New(region, account string) Namer {
	return Namer("arn:aws:ecs:" + region + ":" + account + ":")
}

// Prefix is "arn:aws:ecs:<region>:<account>:".
func (n Namer) Prefix() string { return string(n) }

// Cluster is the ARN of a cluster.
func (n Namer) Cluster(name string) string { return string(n) + "cluster/" + name }

// Instance is the ARN of a container instance.
func (n Namer) Instance(cluster, id string) string {
	return string(n) + "container-instance/" + cluster + "/" + id
}

// Task is the ARN of a task.
func (n Namer) Task(cluster, id string) string { return string(n) + "task/" + cluster + "/" + id }

// Container is the ARN of a task's container.
func (n Namer) Container(cluster, taskID, id string) string {
	return string(n) + "container/" + cluster + "/" + taskID + "/" + id
}

// TaskDefinition is the ARN of a task definition revision.
func (n Namer) TaskDefinition(family string, revision int64) string {
	return string(n) + "task-definition/" + family + ":" + strconv.FormatInt(revision, 10)
}

// Service is the ARN of a service.
func (n Namer) Service(cluster, name string) string {
	return string(n) + "service/" + cluster + "/" + name
}

// ServiceDeployment is the ARN of one of a service's deployments.
func (n Namer) ServiceDeployment(cluster, name, id string) string {
	return string(n) + "service-deployment/" + cluster + "/" + name + "/" + id
}

// ServiceRevision is the ARN of one of a service's revisions.
func (n Namer) ServiceRevision(cluster, name, id string) string {
	return string(n) + "service-revision/" + cluster + "/" + name + "/" + id
}

// Resource reduces a short name or an ARN of the given resource type
// ("cluster", "task", "container-instance", "service") to its parts after
// the type: for "task/c/id" that is ["c", "id"]. A short name yields
// itself as the only part. ok is false for an ARN of another type.
func Resource(kind, s string) (parts []string, ok bool) {
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

// UUID formats a hex ID of at least 32 digits as a UUID
// (8-4-4-4-12); a shorter one is returned as it is.
func UUID(h string) string {
	if len(h) < 32 {
		return h
	}
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
