package ecs

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestServiceCreateValidation(t *testing.T) {
	s := newSim(t, 1, 1, 1024, 2048)
	s.taskDef("web", false)
	cases := []struct {
		name string
		in   CreateServiceInput
		code Code
		msg  string
	}{
		{"bad name", CreateServiceInput{ServiceName: "a b", TaskDefinition: "web", DesiredCount: i64(1)}, InvalidParameterException, ""},
		{"no task definition", CreateServiceInput{ServiceName: "a", DesiredCount: i64(1)}, InvalidParameterException, "TaskDefinition cannot be empty."},
		{"unknown task definition", CreateServiceInput{ServiceName: "a", TaskDefinition: "nope", DesiredCount: i64(1)}, ClientException, "TaskDefinition not found."},
		{"no desired count", CreateServiceInput{ServiceName: "a", TaskDefinition: "web"}, InvalidParameterException, ""},
		{"negative desired count", CreateServiceInput{ServiceName: "a", TaskDefinition: "web", DesiredCount: i64(-1)}, InvalidParameterException, ""},
		{"unknown cluster", CreateServiceInput{Cluster: "nope", ServiceName: "a", TaskDefinition: "web", DesiredCount: i64(1)}, ClusterNotFoundException, "Cluster not found."},
		{"fargate", CreateServiceInput{ServiceName: "a", TaskDefinition: "web", DesiredCount: i64(1), LaunchType: "FARGATE"}, InvalidParameterException, ""},
		{"code deploy", CreateServiceInput{ServiceName: "a", TaskDefinition: "web", DesiredCount: i64(1), DeploymentController: &DeploymentController{Type: "CODE_DEPLOY"}}, InvalidParameterException, ""},
		{"min above 100", CreateServiceInput{ServiceName: "a", TaskDefinition: "web", DesiredCount: i64(1),
			DeploymentConfiguration: &DeploymentConfiguration{MinimumHealthyPercent: i64(101)}}, InvalidParameterException, ""},
		{"too many strategies", CreateServiceInput{ServiceName: "a", TaskDefinition: "web", DesiredCount: i64(1),
			PlacementStrategy: make([]PlacementStrategy, 6)}, InvalidParameterException, "The number of placement strategies cannot exceed 5."},
		{"bad memberOf", CreateServiceInput{ServiceName: "a", TaskDefinition: "web", DesiredCount: i64(1),
			PlacementConstraints: []PlacementConstraint{{Type: "memberOf", Expression: "attribute:x =="}}}, InvalidParameterException, ""},
		{"negative grace", CreateServiceInput{ServiceName: "a", TaskDefinition: "web", DesiredCount: i64(1), HealthCheckGracePeriodSeconds: i64(-1)}, InvalidParameterException, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for i := range tc.in.PlacementStrategy {
				tc.in.PlacementStrategy[i] = PlacementStrategy{Type: "random"}
			}
			_, err := s.cp.CreateService(s.ctx, &tc.in)
			require.Error(t, err)
			require.Equal(t, tc.code, ErrorCode(err), err.Error())
			if tc.msg != "" {
				require.Equal(t, tc.msg, ErrorMessage(err))
			}
		})
	}
}

func TestServiceLifecycleAPI(t *testing.T) {
	s := newSim(t, 2, 2, 1024, 2048)
	s.taskDef("web", true)
	svc := s.createService("web", "web", 2, func(in *CreateServiceInput) {
		in.ClientToken = "tok-1"
		in.Tags = []Tag{{Key: "team", Value: "a"}}
	})
	require.Equal(t, "arn:aws:ecs:us-east-1:000000000000:service/default/web", svc.ServiceArn)
	require.Equal(t, "arn:aws:ecs:us-east-1:000000000000:cluster/default", svc.ClusterArn)
	require.Equal(t, StatusActive, svc.Status)
	require.Equal(t, SchedulingStrategyReplica, svc.SchedulingStrategy)
	require.EqualValues(t, 200, *svc.DeploymentConfiguration.MaximumPercent)
	require.EqualValues(t, 100, *svc.DeploymentConfiguration.MinimumHealthyPercent)
	require.EqualValues(t, 0, *svc.HealthCheckGracePeriodSeconds)
	require.Equal(t, "ECS", svc.DeploymentController.Type)
	require.Empty(t, svc.Events)
	require.Len(t, svc.Deployments, 1)

	// Same name: not idempotent, unless the clientToken repeats.
	_, err := s.cp.CreateService(s.ctx, &CreateServiceInput{ServiceName: "web", TaskDefinition: "web", DesiredCount: i64(2)})
	require.Equal(t, InvalidParameterException, ErrorCode(err))
	require.Equal(t, "Creation of service was not idempotent.", ErrorMessage(err))
	again := s.createService("web", "web", 2, func(in *CreateServiceInput) { in.ClientToken = "tok-1" })
	require.Equal(t, svc.Deployments[0].Id, again.Deployments[0].Id)

	// Describe: by name and ARN, MISSING for unknown, tags on request.
	out, err := s.cp.DescribeServices(s.ctx, &DescribeServicesInput{Services: []string{"web", svc.ServiceArn, "nope"}, Include: []string{"TAGS"}})
	require.NoError(t, err)
	require.Len(t, out.Services, 2)
	require.Equal(t, []Tag{{Key: "team", Value: "a"}}, out.Services[0].Tags)
	require.Equal(t, []Failure{{Arn: "arn:aws:ecs:us-east-1:000000000000:service/default/nope", Reason: "MISSING"}}, out.Failures)
	require.Nil(t, s.service("web").Tags)
	_, err = s.cp.DescribeServices(s.ctx, &DescribeServicesInput{Services: make([]string, 11)})
	require.Equal(t, InvalidParameterException, ErrorCode(err))

	// List: ACTIVE services only, 10 per page by default.
	for i := range 11 {
		s.createService(fmt.Sprintf("svc-%02d", i), "web", 0)
	}
	ls, err := s.cp.ListServices(s.ctx, &ListServicesInput{})
	require.NoError(t, err)
	require.Len(t, ls.ServiceArns, 10)
	require.NotEmpty(t, ls.NextToken)
	ls2, err := s.cp.ListServices(s.ctx, &ListServicesInput{NextToken: ls.NextToken})
	require.NoError(t, err)
	require.Len(t, ls2.ServiceArns, 2)
	require.Empty(t, ls2.NextToken)
	cl, err := s.cp.DescribeClusters(s.ctx, &DescribeClustersInput{})
	require.NoError(t, err)
	require.EqualValues(t, 12, cl.Clusters[0].ActiveServicesCount)

	// Update errors.
	_, err = s.cp.UpdateService(s.ctx, &UpdateServiceInput{Service: "nope"})
	require.Equal(t, ServiceNotFoundException, ErrorCode(err))
	require.Equal(t, "Service not found.", ErrorMessage(err))
	_, err = s.cp.UpdateService(s.ctx, &UpdateServiceInput{Service: "web", TaskDefinition: "nope"})
	require.Equal(t, ClientException, ErrorCode(err))

	s.runUntil(3*time.Minute, 5*time.Second, "steady", func(st *simState) bool { return st.steady("web") })

	// Delete: refused while scaled above 0, then DRAINING, then INACTIVE.
	_, err = s.cp.DeleteService(s.ctx, &DeleteServiceInput{Service: "web"})
	require.Equal(t, InvalidParameterException, ErrorCode(err))
	require.Equal(t, "The service cannot be stopped while it is scaled above 0.", ErrorMessage(err))
	del, err := s.cp.DeleteService(s.ctx, &DeleteServiceInput{Service: "web", Force: new(true)})
	require.NoError(t, err)
	require.Equal(t, StatusDraining, del.Service.Status)
	require.EqualValues(t, 0, del.Service.DesiredCount)
	_, err = s.cp.UpdateService(s.ctx, &UpdateServiceInput{Service: "web", DesiredCount: i64(1)})
	require.Equal(t, ServiceNotActiveException, ErrorCode(err))
	require.Equal(t, "Service was not ACTIVE.", ErrorMessage(err))
	s.run(30*time.Second, 5*time.Second)
	svc = s.service("web")
	require.Equal(t, StatusInactive, svc.Status)
	require.Empty(t, s.state().live("web"))
	ls, err = s.cp.ListServices(s.ctx, &ListServicesInput{MaxResults: i64(100)})
	require.NoError(t, err)
	require.NotContains(t, ls.ServiceArns, svc.ServiceArn)

	// An INACTIVE service's name can be used again.
	re := s.createService("web", "web", 1)
	require.Equal(t, StatusActive, re.Status)
	require.NotEqual(t, svc.Deployments[0].Id, re.Deployments[0].Id)
}
