package services

import (
	"regexp"

	"github.com/ecskit/ecs/taskdef"
	"github.com/ecskit/ecs/types"
)

var serviceNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

// newServiceFromInput validates a CreateService request and fills in ECS's
// defaults.
func newServiceFromInput(in *types.CreateServiceInput) (*types.Service, error) {
	if !serviceNameRE.MatchString(in.ServiceName) {
		return nil, &types.Error{Code: types.InvalidParameterException, Field: "serviceName",
			Message: "Service name must be between 1 and 255 characters and contain only letters (uppercase and lowercase), numbers, underscores, and hyphens."}
	}
	if in.TaskDefinition == "" {
		return nil, &types.Error{Code: types.InvalidParameterException, Field: "taskDefinition", Message: "TaskDefinition cannot be empty."}
	}
	if len(in.ClientToken) > 36 {
		return nil, &types.Error{Code: types.InvalidParameterException, Field: "clientToken", Message: "clientToken must be at most 36 characters."}
	}
	s := &types.Service{
		ServiceName:          in.ServiceName,
		Status:               types.StatusActive,
		LaunchType:           "EC2",
		LoadBalancers:        svcOrEmpty(in.LoadBalancers),
		ServiceRegistries:    svcOrEmpty(in.ServiceRegistries),
		NetworkConfiguration: in.NetworkConfiguration,
		PlacementConstraints: svcOrEmpty(in.PlacementConstraints),
		PlacementStrategy:    svcOrEmpty(in.PlacementStrategy),
		SchedulingStrategy:   in.SchedulingStrategy,
		DeploymentController: &types.DeploymentController{Type: "ECS"},
		Tags:                 in.Tags,
		EnableECSManagedTags: in.EnableECSManagedTags,
		PropagateTags:        in.PropagateTags,
		EnableExecuteCommand: in.EnableExecuteCommand,
		RoleArn:              in.Role,

		AvailabilityZoneRebalancing: in.AvailabilityZoneRebalancing,
	}
	if s.SchedulingStrategy == "" {
		s.SchedulingStrategy = types.SchedulingStrategyReplica
	}
	if s.PropagateTags == "" {
		s.PropagateTags = "NONE"
	}
	if s.AvailabilityZoneRebalancing == "" {
		s.AvailabilityZoneRebalancing = "ENABLED"
	}
	switch in.LaunchType {
	case "", "EC2", "EXTERNAL":
		if in.LaunchType != "" {
			s.LaunchType = in.LaunchType
		}
	case "FARGATE":
		return nil, &types.Error{Code: types.InvalidParameterException, Field: "launchType", Message: "The FARGATE launch type is not supported by ecskit."}
	default:
		return nil, &types.Error{Code: types.InvalidParameterException, Field: "launchType", Message: "Invalid launchType " + in.LaunchType + "."}
	}
	if in.DeploymentController != nil && in.DeploymentController.Type != "" && in.DeploymentController.Type != "ECS" {
		return nil, &types.Error{Code: types.InvalidParameterException, Field: "deploymentController.type", Message: "ecskit supports only the ECS deployment controller."}
	}
	if len(in.CapacityProviderStrategy) > 0 && string(in.CapacityProviderStrategy) != "null" && string(in.CapacityProviderStrategy) != "[]" {
		return nil, &types.Error{Code: types.InvalidParameterException, Field: "capacityProviderStrategy", Message: "Capacity providers are not supported by ecskit."}
	}
	switch s.SchedulingStrategy {
	case types.SchedulingStrategyReplica:
		if in.DesiredCount == nil {
			return nil, &types.Error{Code: types.InvalidParameterException, Field: "desiredCount", Message: "The desired count must be specified for a service with the REPLICA scheduling strategy."}
		}
		if *in.DesiredCount < 0 {
			return nil, &types.Error{Code: types.InvalidParameterException, Field: "desiredCount", Message: "The desired count must be greater than or equal to 0."}
		}
		s.DesiredCount = *in.DesiredCount
	case types.SchedulingStrategyDaemon:
		if len(in.PlacementStrategy) > 0 {
			return nil, &types.Error{Code: types.InvalidParameterException, Field: "placementStrategy", Message: "Placement strategies are not supported with the DAEMON scheduling strategy."}
		}
	default:
		return nil, &types.Error{Code: types.InvalidParameterException, Field: "schedulingStrategy", Message: "Invalid schedulingStrategy " + s.SchedulingStrategy + "."}
	}
	dc, err := mergeDeploymentConfiguration(nil, in.DeploymentConfiguration, s.SchedulingStrategy)
	if err != nil {
		return nil, err
	}
	s.DeploymentConfiguration = dc
	grace := int64(0)
	if in.HealthCheckGracePeriodSeconds != nil {
		grace = *in.HealthCheckGracePeriodSeconds
	}
	if grace < 0 || grace > 2147483647 {
		return nil, &types.Error{Code: types.InvalidParameterException, Field: "healthCheckGracePeriodSeconds", Message: "healthCheckGracePeriodSeconds must be between 0 and 2147483647."}
	}
	s.HealthCheckGracePeriodSeconds = &grace
	if err := checkPropagateTags(s.PropagateTags); err != nil {
		return nil, err
	}
	if err := taskdef.ValidateTags(in.Tags); err != nil {
		return nil, err
	}
	return s, nil
}

func svcOrEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func checkPropagateTags(p string) error {
	switch p {
	case "", "NONE", "TASK_DEFINITION", "SERVICE":
		return nil
	}
	return &types.Error{Code: types.InvalidParameterException, Field: "propagateTags", Message: "Invalid propagateTags " + p + "."}
}

// mergeDeploymentConfiguration applies in over old (nil fields keep their
// values), fills ECS's defaults and checks the limits.
func mergeDeploymentConfiguration(old, in *types.DeploymentConfiguration, strategy string) (*types.DeploymentConfiguration, error) {
	dc := &types.DeploymentConfiguration{}
	if old != nil {
		*dc = *old
	}
	if in != nil {
		if in.MaximumPercent != nil {
			dc.MaximumPercent = in.MaximumPercent
		}
		if in.MinimumHealthyPercent != nil {
			dc.MinimumHealthyPercent = in.MinimumHealthyPercent
		}
		if in.DeploymentCircuitBreaker != nil {
			dc.DeploymentCircuitBreaker = in.DeploymentCircuitBreaker
		}
		if in.Strategy != "" {
			dc.Strategy = in.Strategy
		}
		if in.Alarms != nil {
			dc.Alarms = in.Alarms
		}
		if in.BakeTimeInMinutes != nil {
			dc.BakeTimeInMinutes = in.BakeTimeInMinutes
		}
	}
	defMax, defMin := int64(200), int64(100)
	if strategy == types.SchedulingStrategyDaemon {
		defMax, defMin = 100, 0
	}
	if dc.MaximumPercent == nil {
		dc.MaximumPercent = &defMax
	}
	if dc.MinimumHealthyPercent == nil {
		dc.MinimumHealthyPercent = &defMin
	}
	if dc.Strategy == "" {
		dc.Strategy = "ROLLING"
	}
	if dc.DeploymentCircuitBreaker == nil {
		dc.DeploymentCircuitBreaker = &types.DeploymentCircuitBreaker{}
	}
	maxP, minP := *dc.MaximumPercent, *dc.MinimumHealthyPercent
	switch {
	case strategy == types.SchedulingStrategyDaemon && maxP != 100:
		return nil, &types.Error{Code: types.InvalidParameterException, Field: "deploymentConfiguration.maximumPercent", Message: "The maximumPercent of a DAEMON service must be 100."}
	case maxP < 100:
		return nil, &types.Error{Code: types.InvalidParameterException, Field: "deploymentConfiguration.maximumPercent", Message: "maximumPercent must be at least 100."}
	case minP < 0 || minP > 100:
		return nil, &types.Error{Code: types.InvalidParameterException, Field: "deploymentConfiguration.minimumHealthyPercent", Message: "minimumHealthyPercent must be between 0 and 100."}
	case dc.Strategy != "ROLLING":
		return nil, &types.Error{Code: types.InvalidParameterException, Field: "deploymentConfiguration.strategy", Message: "ecskit supports only the ROLLING deployment strategy."}
	}
	if tc := dc.DeploymentCircuitBreaker.ThresholdConfiguration; tc != nil {
		switch tc.Type {
		case "", types.ThresholdBoundedPercent, types.ThresholdUnboundedPercent, types.ThresholdCount:
		default:
			return nil, &types.Error{Code: types.InvalidParameterException, Field: "deploymentConfiguration.deploymentCircuitBreaker.thresholdConfiguration.type", Message: "Invalid threshold type " + tc.Type + "."}
		}
		if tc.Value < 0 {
			return nil, &types.Error{Code: types.InvalidParameterException, Field: "deploymentConfiguration.deploymentCircuitBreaker.thresholdConfiguration.value", Message: "The threshold value must not be negative."}
		}
	}
	return dc, nil
}
