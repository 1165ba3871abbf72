package ecs

import (
	"context"
	"regexp"
	"slices"

	"github.com/ecskit/ecs/internal/paginate"
	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/internal/services"
	"github.com/ecskit/ecs/store"
)

var clusterNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

// CreateCluster creates a cluster, or returns the ACTIVE cluster of that
// name if there is one. An empty name means "default".
func (cp *ControlPlane) CreateCluster(ctx context.Context, in *CreateClusterInput) (*CreateClusterOutput, error) {
	name := in.ClusterName
	if name == "" {
		name = DefaultCluster
	}
	if !clusterNameRE.MatchString(name) {
		return nil, &Error{Code: InvalidParameterException, Field: "clusterName",
			Message: "Cluster name must be between 1 and 255 characters and contain only letters (uppercase and lowercase), numbers, underscores, and hyphens."}
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	var out *Cluster
	err := cp.store.Update(ctx, func(tx store.Tx) error {
		rec, err := cp.ensureCluster(tx, name, in.Tags, in.Settings)
		if err != nil {
			return err
		}
		out, err = cp.describeCluster(tx, rec, nil, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &CreateClusterOutput{Cluster: out}, nil
}

// ensureCluster returns the ACTIVE cluster name, creating it if need be.
func (cp *ControlPlane) ensureCluster(tx store.Tx, name string, tags []Tag, settings []ClusterSetting) (*record.Cluster, error) {
	var rec record.Cluster
	found, err := record.Get(tx, record.ClusterKey(name), &rec)
	if err != nil {
		return nil, err
	}
	if found && rec.Status == StatusActive {
		return &rec, nil
	}
	if settings == nil {
		settings = []ClusterSetting{{Name: "containerInsights", Value: "disabled"}}
	}
	rec = record.Cluster{Name: name, Status: StatusActive, CreatedAt: cp.now(), Tags: tags, Settings: settings}
	return &rec, record.Put(tx, record.ClusterKey(name), &rec)
}

// activeCluster resolves a cluster reference to an ACTIVE cluster or fails
// with ClusterNotFoundException.
func (cp *ControlPlane) activeCluster(tx store.Tx, ref string) (*record.Cluster, error) {
	name, err := cp.clusterName(ref)
	if err != nil {
		return nil, err
	}
	var rec record.Cluster
	found, err := record.Get(tx, record.ClusterKey(name), &rec)
	if err != nil {
		return nil, err
	}
	if !found || rec.Status != StatusActive {
		return nil, &Error{Code: ClusterNotFoundException, Message: "Cluster not found.", Field: "cluster"}
	}
	return &rec, nil
}

// describeCluster builds the API view of a cluster with its counts.
// The counts come from the cache when it has applied every revision up to
// minRev (0: never), else from the store.
func (cp *ControlPlane) describeCluster(tx store.Tx, rec *record.Cluster, include []string, minRev int64) (*Cluster, error) {
	c := &Cluster{
		ClusterArn:  cp.clusterARN(rec.Name),
		ClusterName: rec.Name,
		Status:      rec.Status,
		Statistics:  []KeyValuePair{},
		Tags:        []Tag{},
	}
	if rec.Status == StatusActive && cp.countFromCache(rec.Name, minRev, c) {
		n, err := services.CountActive(tx, rec.Name)
		if err != nil {
			return nil, err
		}
		c.ActiveServicesCount = n
	} else if rec.Status == StatusActive {
		insts, err := record.List[record.Instance](tx, record.InstancePrefix(rec.Name))
		if err != nil {
			return nil, err
		}
		for _, in := range insts {
			if in.Status == StatusActive || in.Status == StatusDraining {
				c.RegisteredContainerInstancesCount++
			}
		}
		tasks, err := record.List[record.Task](tx, record.TaskPrefix(rec.Name))
		if err != nil {
			return nil, err
		}
		for _, t := range tasks {
			switch t.Task.LastStatus {
			case TaskStatusRunning:
				c.RunningTasksCount++
			case TaskStatusPending, TaskStatusProvisioning:
				c.PendingTasksCount++
			}
		}
		n, err := services.CountActive(tx, rec.Name)
		if err != nil {
			return nil, err
		}
		c.ActiveServicesCount = n
	}
	if slices.Contains(include, "TAGS") && rec.Tags != nil {
		c.Tags = rec.Tags
	}
	if slices.Contains(include, "SETTINGS") {
		c.Settings = rec.Settings
	}
	if slices.Contains(include, "STATISTICS") {
		c.Statistics = []KeyValuePair{
			{Name: "runningEC2TasksCount", Value: itoa(c.RunningTasksCount)},
			{Name: "pendingEC2TasksCount", Value: itoa(c.PendingTasksCount)},
			{Name: "activeEC2ServiceCount", Value: itoa(c.ActiveServicesCount)},
			{Name: "runningFargateTasksCount", Value: "0"},
			{Name: "pendingFargateTasksCount", Value: "0"},
			{Name: "activeFargateServiceCount", Value: "0"},
			{Name: "drainingEC2ServiceCount", Value: "0"},
			{Name: "drainingFargateServiceCount", Value: "0"},
		}
	}
	return c, nil
}

// DescribeClusters describes up to 100 clusters; unknown ones are MISSING
// failures and deleted ones are INACTIVE.
func (cp *ControlPlane) DescribeClusters(ctx context.Context, in *DescribeClustersInput) (*DescribeClustersOutput, error) {
	refs := in.Clusters
	if len(refs) == 0 {
		refs = []string{DefaultCluster}
	}
	if len(refs) > 100 {
		return nil, invalidParam("clusters can have at most 100 items.")
	}
	out := &DescribeClustersOutput{Clusters: []Cluster{}, Failures: []Failure{}}
	// Counting a cluster's tasks costs a scan of the store unless the cache
	// has caught up with every write made before this call.
	minRev := cp.cache.awaitBriefly(ctx)
	err := cp.store.View(ctx, func(tx store.Tx) error {
		for _, ref := range refs {
			name, err := cp.clusterName(ref)
			if err != nil {
				out.Failures = append(out.Failures, Failure{Arn: ref, Reason: "MISSING"})
				continue
			}
			var rec record.Cluster
			found, err := record.Get(tx, record.ClusterKey(name), &rec)
			if err != nil {
				return err
			}
			if !found {
				out.Failures = append(out.Failures, Failure{Arn: cp.clusterARN(name), Reason: "MISSING"})
				continue
			}
			c, err := cp.describeCluster(tx, &rec, in.Include, minRev)
			if err != nil {
				return err
			}
			out.Clusters = append(out.Clusters, *c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListClusters lists the ARNs of the ACTIVE clusters.
func (cp *ControlPlane) ListClusters(ctx context.Context, in *ListClustersInput) (*ListClustersOutput, error) {
	var names []string
	err := cp.store.View(ctx, func(tx store.Tx) error {
		recs, err := record.List[record.Cluster](tx, "clusters/")
		for _, r := range recs {
			if r.Status == StatusActive {
				names = append(names, r.Name)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := paginate.Page(names, func(s string) string { return s }, in.MaxResults, in.NextToken, 100)
	if err != nil {
		return nil, err
	}
	out := &ListClustersOutput{ClusterArns: []string{}, NextToken: next}
	for _, n := range pg {
		out.ClusterArns = append(out.ClusterArns, cp.clusterARN(n))
	}
	return out, nil
}

// DeleteCluster makes an empty cluster INACTIVE.
func (cp *ControlPlane) DeleteCluster(ctx context.Context, in *DeleteClusterInput) (*DeleteClusterOutput, error) {
	if in.Cluster == "" {
		return nil, invalidParam("Cluster cannot be empty.")
	}
	var out *Cluster
	err := cp.store.Update(ctx, func(tx store.Tx) error {
		rec, err := cp.activeCluster(tx, in.Cluster)
		if err != nil {
			return err
		}
		c, err := cp.describeCluster(tx, rec, nil, 0)
		if err != nil {
			return err
		}
		switch {
		case c.RegisteredContainerInstancesCount > 0:
			return errorf(ClusterContainsContainerInstancesException, "The Cluster cannot be deleted while Container Instances are active or draining.")
		case c.ActiveServicesCount > 0:
			return errorf(ClusterContainsServicesException, "The Cluster cannot be deleted while Services are active.")
		}
		tasks, err := record.List[record.Task](tx, record.TaskPrefix(rec.Name))
		if err != nil {
			return err
		}
		for _, t := range tasks {
			if t.Task.LastStatus != TaskStatusStopped {
				return errorf(ClusterContainsTasksException, "The Cluster cannot be deleted while Tasks are active.")
			}
		}
		rec.Status = StatusInactive
		if err := record.Put(tx, record.ClusterKey(rec.Name), rec); err != nil {
			return err
		}
		out, err = cp.describeCluster(tx, rec, nil, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &DeleteClusterOutput{Cluster: out}, nil
}

// countFromCache fills a cluster view's instance and task counts from the
// cache if it has applied every revision up to minRev.
func (cp *ControlPlane) countFromCache(cluster string, minRev int64, c *Cluster) bool {
	if minRev == 0 {
		return false
	}
	insts, running, pending, ok := cp.cache.clusterCounts(cluster, minRev)
	if ok {
		c.RegisteredContainerInstancesCount, c.RunningTasksCount, c.PendingTasksCount = insts, running, pending
	}
	return ok
}
