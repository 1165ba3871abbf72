package services

import (
	"context"
	"slices"

	"github.com/ecskit/ecs/internal/paginate"
	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/types"
)

// CreateService creates a service and its first deployment; the service
// scheduler then starts its tasks. A name already used by an ACTIVE or
// DRAINING service fails with "Creation of service was not idempotent.",
// unless the call repeats the clientToken that created it.
func (sc *Scheduler) CreateService(ctx context.Context, in *types.CreateServiceInput) (*types.CreateServiceOutput, error) {
	svc, err := newServiceFromInput(in)
	if err != nil {
		return nil, err
	}
	var out *types.Service
	err = sc.store.Update(ctx, func(tx store.Tx) error {
		cl, err := sc.cp.ActiveCluster(tx, in.Cluster)
		if err != nil {
			return err
		}
		var old Record
		found, err := record.Get(tx, Key(cl.Name, in.ServiceName), &old)
		if err != nil {
			return err
		}
		if found && old.Service.Status != types.StatusInactive {
			if in.ClientToken != "" && old.ClientToken == in.ClientToken {
				out, err = sc.serviceView(tx, &old, false)
				return err
			}
			return invalidParam("Creation of service was not idempotent.")
		}
		td, err := sc.cp.LaunchableTaskDefinition(tx, in.TaskDefinition, types.ClientException)
		if err != nil {
			return err
		}
		if _, err := sc.cp.PlacementRequest(td, "service:"+in.ServiceName, 1, svc.PlacementConstraints, svc.PlacementStrategy, nil); err != nil {
			return err
		}
		rec := &Record{Cluster: cl.Name, Service: *svc, ClientToken: in.ClientToken}
		rec.Service.CreatedAt = sc.now()
		rec.Service.ClusterArn = sc.arn.Cluster(cl.Name)
		rec.Service.ServiceArn = sc.arn.Service(cl.Name, in.ServiceName)
		sc.startDeployment(rec, td)
		if err := record.Put(tx, Key(cl.Name, in.ServiceName), rec); err != nil {
			return err
		}
		if err := tx.Delete(serviceEventsKey(cl.Name, in.ServiceName)); err != nil {
			return err
		}
		if err := tx.Delete(serviceHistoryKey(cl.Name, in.ServiceName)); err != nil {
			return err
		}
		if err := sc.syncHistory(tx, rec); err != nil {
			return err
		}
		out, err = sc.serviceView(tx, rec, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &types.CreateServiceOutput{Service: out}, nil
}

// UpdateService changes a service. A new taskDefinition or
// forceNewDeployment starts a deployment; desiredCount, placement and the
// deployment configuration apply to the current one.
func (sc *Scheduler) UpdateService(ctx context.Context, in *types.UpdateServiceInput) (*types.UpdateServiceOutput, error) {
	if in.Service == "" {
		return nil, invalidParam("Service cannot be empty.")
	}
	var out *types.Service
	err := sc.store.Update(ctx, func(tx store.Tx) error {
		cl, err := sc.cp.ActiveCluster(tx, in.Cluster)
		if err != nil {
			return err
		}
		rec, err := sc.lookupService(tx, cl.Name, in.Service)
		if err != nil {
			return err
		}
		if rec.Service.Status != types.StatusActive {
			return &types.Error{Code: types.ServiceNotActiveException, Field: "service", Message: "Service was not ACTIVE."}
		}
		if err := sc.applyUpdate(tx, rec, in); err != nil {
			return err
		}
		if err := sc.syncHistory(tx, rec); err != nil {
			return err
		}
		if err := record.Put(tx, Key(cl.Name, rec.Service.ServiceName), rec); err != nil {
			return err
		}
		out, err = sc.serviceView(tx, rec, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &types.UpdateServiceOutput{Service: out}, nil
}

// applyUpdate applies an UpdateService request to rec.
func (sc *Scheduler) applyUpdate(tx store.Tx, rec *Record, in *types.UpdateServiceInput) error {
	s := &rec.Service
	if in.DesiredCount != nil {
		if rec.isDaemon() {
			return &types.Error{Code: types.InvalidParameterException, Field: "desiredCount", Message: "The desired count cannot be set for a service with the DAEMON scheduling strategy."}
		}
		if *in.DesiredCount < 0 {
			return &types.Error{Code: types.InvalidParameterException, Field: "desiredCount", Message: "The desired count must be greater than or equal to 0."}
		}
		s.DesiredCount = *in.DesiredCount
		if p := rec.primary(); p != nil {
			p.Deployment.DesiredCount = s.DesiredCount
			p.Deployment.UpdatedAt = sc.now()
		}
	}
	if in.DeploymentConfiguration != nil {
		dc, err := mergeDeploymentConfiguration(s.DeploymentConfiguration, in.DeploymentConfiguration, s.SchedulingStrategy)
		if err != nil {
			return err
		}
		s.DeploymentConfiguration = dc
	}
	if in.PlacementConstraints != nil {
		s.PlacementConstraints = in.PlacementConstraints
	}
	if in.PlacementStrategy != nil {
		if rec.isDaemon() && len(in.PlacementStrategy) > 0 {
			return &types.Error{Code: types.InvalidParameterException, Field: "placementStrategy", Message: "Placement strategies are not supported with the DAEMON scheduling strategy."}
		}
		s.PlacementStrategy = in.PlacementStrategy
	}
	if g := in.HealthCheckGracePeriodSeconds; g != nil {
		if *g < 0 || *g > 2147483647 {
			return &types.Error{Code: types.InvalidParameterException, Field: "healthCheckGracePeriodSeconds", Message: "healthCheckGracePeriodSeconds must be between 0 and 2147483647."}
		}
		s.HealthCheckGracePeriodSeconds = g
	}
	if in.EnableExecuteCommand != nil {
		s.EnableExecuteCommand = *in.EnableExecuteCommand
	}
	if in.EnableECSManagedTags != nil {
		s.EnableECSManagedTags = *in.EnableECSManagedTags
	}
	if in.PropagateTags != "" {
		if err := checkPropagateTags(in.PropagateTags); err != nil {
			return err
		}
		s.PropagateTags = in.PropagateTags
	}
	if in.AvailabilityZoneRebalancing != "" {
		s.AvailabilityZoneRebalancing = in.AvailabilityZoneRebalancing
	}
	newDeployment := in.ForceNewDeployment
	if in.NetworkConfiguration != nil {
		s.NetworkConfiguration = in.NetworkConfiguration
		newDeployment = true
	}
	tdRef := s.TaskDefinition
	if in.TaskDefinition != "" {
		tdRef = in.TaskDefinition
	}
	td, err := sc.serviceTaskDefinition(tx, tdRef, in.TaskDefinition != "")
	if err != nil {
		return err
	}
	if _, err := sc.cp.PlacementRequest(td, "service:"+s.ServiceName, 1, s.PlacementConstraints, s.PlacementStrategy, nil); err != nil {
		return err
	}
	if td.TaskDefinitionArn != s.TaskDefinition {
		newDeployment = true
	}
	if newDeployment {
		sc.startDeployment(rec, td)
	}
	rec.Steady = false
	return nil
}

// serviceTaskDefinition resolves the task definition of an update: a
// newly named one must be ACTIVE, the current one may have been
// deregistered since.
func (sc *Scheduler) serviceTaskDefinition(tx store.Tx, ref string, named bool) (*types.TaskDefinition, error) {
	if named {
		return sc.cp.LaunchableTaskDefinition(tx, ref, types.ClientException)
	}
	rec, err := sc.cp.FindTaskDefinition(tx, ref)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, &types.Error{Code: types.ClientException, Field: "taskDefinition", Message: "TaskDefinition not found."}
	}
	return &rec.TaskDefinition, nil
}

// DeleteService deletes a service: it turns DRAINING, its tasks are
// stopped, and it becomes INACTIVE once none is left running. A REPLICA
// service scaled above 0 needs force.
func (sc *Scheduler) DeleteService(ctx context.Context, in *types.DeleteServiceInput) (*types.DeleteServiceOutput, error) {
	if in.Service == "" {
		return nil, invalidParam("Service cannot be empty.")
	}
	force := in.Force != nil && *in.Force
	var out *types.Service
	err := sc.store.Update(ctx, func(tx store.Tx) error {
		cl, err := sc.cp.ActiveCluster(tx, in.Cluster)
		if err != nil {
			return err
		}
		rec, err := sc.lookupService(tx, cl.Name, in.Service)
		if err != nil {
			return err
		}
		if rec.Service.Status != types.StatusActive {
			return &types.Error{Code: types.ServiceNotActiveException, Field: "service", Message: "Service was not ACTIVE."}
		}
		if !rec.isDaemon() && rec.Service.DesiredCount > 0 && !force {
			return invalidParam("The service cannot be stopped while it is scaled above 0.")
		}
		rec.Service.Status = types.StatusDraining
		rec.Service.DesiredCount = 0
		for i := range rec.Deployments {
			rec.Deployments[i].Deployment.DesiredCount = 0
		}
		rec.Steady = false
		if err := record.Put(tx, Key(cl.Name, rec.Service.ServiceName), rec); err != nil {
			return err
		}
		out, err = sc.serviceView(tx, rec, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &types.DeleteServiceOutput{Service: out}, nil
}

// DescribeServices describes up to 10 services, including DRAINING and
// INACTIVE ones; unknown ones are MISSING failures.
func (sc *Scheduler) DescribeServices(ctx context.Context, in *types.DescribeServicesInput) (*types.DescribeServicesOutput, error) {
	if len(in.Services) == 0 {
		return nil, invalidParam("Services cannot be empty.")
	}
	if len(in.Services) > 10 {
		return nil, invalidParam("services can have at most 10 items.")
	}
	withTags := slices.Contains(in.Include, "TAGS")
	out := &types.DescribeServicesOutput{Services: []types.Service{}, Failures: []types.Failure{}}
	err := sc.store.View(ctx, func(tx store.Tx) error {
		cl, err := sc.cp.ActiveCluster(tx, in.Cluster)
		if err != nil {
			return err
		}
		for _, ref := range in.Services {
			rec, err := sc.lookupService(tx, cl.Name, ref)
			if err != nil {
				arn := ref
				if name, ok := sc.serviceName(cl.Name, ref); ok {
					arn = sc.arn.Service(cl.Name, name)
				}
				out.Failures = append(out.Failures, types.Failure{Arn: arn, Reason: "MISSING"})
				continue
			}
			s, err := sc.serviceView(tx, rec, withTags)
			if err != nil {
				return err
			}
			out.Services = append(out.Services, *s)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListServices lists the ARNs of a cluster's ACTIVE services, 10 per page
// by default.
func (sc *Scheduler) ListServices(ctx context.Context, in *types.ListServicesInput) (*types.ListServicesOutput, error) {
	switch in.SchedulingStrategy {
	case "", types.SchedulingStrategyReplica, types.SchedulingStrategyDaemon:
	default:
		return nil, &types.Error{Code: types.InvalidParameterException, Field: "schedulingStrategy", Message: "Invalid schedulingStrategy " + in.SchedulingStrategy + "."}
	}
	var cluster string
	var names []string
	err := sc.store.View(ctx, func(tx store.Tx) error {
		cl, err := sc.cp.ActiveCluster(tx, in.Cluster)
		if err != nil {
			return err
		}
		cluster = cl.Name
		recs, err := record.List[Record](tx, Prefix(cl.Name))
		for _, r := range recs {
			switch {
			case r.Service.Status != types.StatusActive,
				in.LaunchType != "" && in.LaunchType != r.Service.LaunchType,
				in.SchedulingStrategy != "" && in.SchedulingStrategy != r.Service.SchedulingStrategy:
				continue
			}
			names = append(names, r.Service.ServiceName)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := paginate.Page(names, func(s string) string { return s }, in.MaxResults, in.NextToken, 10)
	if err != nil {
		return nil, err
	}
	out := &types.ListServicesOutput{ServiceArns: []string{}, NextToken: next}
	for _, n := range pg {
		out.ServiceArns = append(out.ServiceArns, sc.arn.Service(cluster, n))
	}
	return out, nil
}
