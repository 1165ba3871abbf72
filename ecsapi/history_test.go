package ecsapi_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecssdk "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// TestServiceDeploymentHistory reads a service's deployments and
// revisions with the SDK's own shapes.
func TestServiceDeploymentHistory(t *testing.T) {
	e := newEnv(t)
	e.createCluster("svc")
	e.startAgent("svc")
	e.registerTaskDef("web")
	must[*ecssdk.CreateServiceOutput](t)(e.client.CreateService(ctx, &ecssdk.CreateServiceInput{
		Cluster: aws.String("svc"), ServiceName: aws.String("web"), TaskDefinition: aws.String("web"), DesiredCount: aws.Int32(1),
	}))
	in := &ecssdk.DescribeServicesInput{Cluster: aws.String("svc"), Services: []string{"web"}}
	stable := ecssdk.NewServicesStableWaiter(e.client, func(o *ecssdk.ServicesStableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	})
	if err := stable.Wait(ctx, in, waitFor); err != nil {
		t.Fatalf("ServicesStable: %v", err)
	}
	must[*ecssdk.UpdateServiceOutput](t)(e.client.UpdateService(ctx, &ecssdk.UpdateServiceInput{
		Cluster: aws.String("svc"), Service: aws.String("web"), ForceNewDeployment: true,
	}))

	list := must[*ecssdk.ListServiceDeploymentsOutput](t)(e.client.ListServiceDeployments(ctx, &ecssdk.ListServiceDeploymentsInput{
		Cluster: aws.String("svc"), Service: aws.String("web"),
	}))
	if len(list.ServiceDeployments) != 2 {
		t.Fatalf("%d service deployments, want 2", len(list.ServiceDeployments))
	}
	newest, first := list.ServiceDeployments[0], list.ServiceDeployments[1]
	if newest.Status != types.ServiceDeploymentStatusInProgress || first.Status != types.ServiceDeploymentStatusStopped {
		t.Fatalf("statuses %s, %s", newest.Status, first.Status)
	}
	if newest.CreatedAt == nil || aws.ToString(newest.TargetServiceRevisionArn) == "" {
		t.Fatalf("brief without createdAt or target: %+v", newest)
	}
	page := must[*ecssdk.ListServiceDeploymentsOutput](t)(e.client.ListServiceDeployments(ctx, &ecssdk.ListServiceDeploymentsInput{
		Cluster: aws.String("svc"), Service: aws.String("web"), MaxResults: aws.Int32(1),
	}))
	if len(page.ServiceDeployments) != 1 || page.NextToken == nil {
		t.Fatalf("first page: %+v", page)
	}
	page = must[*ecssdk.ListServiceDeploymentsOutput](t)(e.client.ListServiceDeployments(ctx, &ecssdk.ListServiceDeploymentsInput{
		Cluster: aws.String("svc"), Service: aws.String("web"), MaxResults: aws.Int32(1), NextToken: page.NextToken,
	}))
	if len(page.ServiceDeployments) != 1 || aws.ToString(page.ServiceDeployments[0].ServiceDeploymentArn) != aws.ToString(first.ServiceDeploymentArn) {
		t.Fatalf("second page: %+v", page)
	}

	desc := must[*ecssdk.DescribeServiceDeploymentsOutput](t)(e.client.DescribeServiceDeployments(ctx, &ecssdk.DescribeServiceDeploymentsInput{
		ServiceDeploymentArns: []string{aws.ToString(newest.ServiceDeploymentArn)},
	}))
	if len(desc.ServiceDeployments) != 1 {
		t.Fatalf("described %d", len(desc.ServiceDeployments))
	}
	sd := desc.ServiceDeployments[0]
	if aws.ToString(sd.TargetServiceRevision.Arn) != aws.ToString(newest.TargetServiceRevisionArn) || len(sd.SourceServiceRevisions) != 1 ||
		aws.ToString(sd.SourceServiceRevisions[0].Arn) != aws.ToString(first.TargetServiceRevisionArn) {
		t.Fatalf("revisions: target %+v, sources %+v", sd.TargetServiceRevision, sd.SourceServiceRevisions)
	}
	if sd.DeploymentCircuitBreaker == nil || sd.DeploymentCircuitBreaker.Status != types.ServiceDeploymentRollbackMonitorsStatusDisabled {
		t.Fatalf("circuit breaker %+v", sd.DeploymentCircuitBreaker)
	}

	revs := must[*ecssdk.DescribeServiceRevisionsOutput](t)(e.client.DescribeServiceRevisions(ctx, &ecssdk.DescribeServiceRevisionsInput{
		ServiceRevisionArns: []string{aws.ToString(first.TargetServiceRevisionArn), "arn:aws:ecs:us-east-1:000000000000:service-revision/svc/web/1"},
	}))
	if len(revs.ServiceRevisions) != 1 || len(revs.Failures) != 1 || aws.ToString(revs.Failures[0].Reason) != "MISSING" {
		t.Fatalf("revisions %+v, failures %+v", revs.ServiceRevisions, revs.Failures)
	}
	if r := revs.ServiceRevisions[0]; len(r.ContainerImages) == 0 || aws.ToString(r.TaskDefinition) == "" || r.CreatedAt == nil {
		t.Fatalf("revision %+v", r)
	}
	_, err := e.client.ListServiceDeployments(ctx, &ecssdk.ListServiceDeploymentsInput{Cluster: aws.String("svc"), Service: aws.String("nope")})
	requireCode(t, err, "ServiceNotFoundException")
}
