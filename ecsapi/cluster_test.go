package ecsapi_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecssdk "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecskit/ecs/ecsapi"
)

func TestClusterActions(t *testing.T) {
	e := newEnv(t)
	c := e.client

	t.Run("CreateCluster", func(t *testing.T) {
		out := must[*ecssdk.CreateClusterOutput](t)(c.CreateCluster(ctx, &ecssdk.CreateClusterInput{
			ClusterName: aws.String("prod"),
			Tags:        []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}},
		}))
		if got, want := aws.ToString(out.Cluster.ClusterArn), "arn:aws:ecs:us-east-1:000000000000:cluster/prod"; got != want {
			t.Fatalf("clusterArn = %q, want %q", got, want)
		}
		if aws.ToString(out.Cluster.Status) != "ACTIVE" {
			t.Fatalf("status = %q", aws.ToString(out.Cluster.Status))
		}
		_, err := c.CreateCluster(ctx, &ecssdk.CreateClusterInput{ClusterName: aws.String("bad name!")})
		requireCode(t, err, "InvalidParameterException")
	})

	t.Run("DescribeClusters", func(t *testing.T) {
		out := must[*ecssdk.DescribeClustersOutput](t)(c.DescribeClusters(ctx, &ecssdk.DescribeClustersInput{
			Clusters: []string{"prod", "nope"},
		}))
		if len(out.Clusters) != 1 || aws.ToString(out.Clusters[0].ClusterName) != "prod" {
			t.Fatalf("clusters = %+v", out.Clusters)
		}
		if len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "MISSING" ||
			aws.ToString(out.Failures[0].Arn) != "arn:aws:ecs:us-east-1:000000000000:cluster/nope" {
			t.Fatalf("failures = %+v", out.Failures)
		}
		many := make([]string, 101)
		for i := range many {
			many[i] = "c"
		}
		_, err := c.DescribeClusters(ctx, &ecssdk.DescribeClustersInput{Clusters: many})
		requireCode(t, err, "InvalidParameterException")
	})

	t.Run("ListClusters", func(t *testing.T) {
		e.createCluster("staging")
		var arns []string
		pages := ecssdk.NewListClustersPaginator(c, &ecssdk.ListClustersInput{MaxResults: aws.Int32(1)})
		n := 0
		for pages.HasMorePages() {
			p := must[*ecssdk.ListClustersOutput](t)(pages.NextPage(ctx))
			if len(p.ClusterArns) > 1 {
				t.Fatalf("page of %d with maxResults 1", len(p.ClusterArns))
			}
			arns = append(arns, p.ClusterArns...)
			n++
		}
		if len(arns) != 2 || n < 2 {
			t.Fatalf("listed %v in %d pages", arns, n)
		}
		_, err := c.ListClusters(ctx, &ecssdk.ListClustersInput{MaxResults: aws.Int32(101)})
		requireCode(t, err, "InvalidParameterException")
	})

	t.Run("UpdateCluster", func(t *testing.T) {
		out := must[*ecssdk.UpdateClusterOutput](t)(c.UpdateCluster(ctx, &ecssdk.UpdateClusterInput{
			Cluster:  aws.String("prod"),
			Settings: []types.ClusterSetting{{Name: types.ClusterSettingNameContainerInsights, Value: aws.String("enabled")}},
		}))
		if len(out.Cluster.Settings) != 1 || aws.ToString(out.Cluster.Settings[0].Value) != "enabled" {
			t.Fatalf("settings = %+v", out.Cluster.Settings)
		}
		_, err := c.UpdateCluster(ctx, &ecssdk.UpdateClusterInput{
			Cluster:  aws.String("nope"),
			Settings: []types.ClusterSetting{{Name: types.ClusterSettingNameContainerInsights, Value: aws.String("enabled")}},
		})
		requireCode(t, err, "ClusterNotFoundException")
	})

	t.Run("TagResource", func(t *testing.T) {
		arn := aws.String("arn:aws:ecs:us-east-1:000000000000:cluster/prod")
		must[*ecssdk.TagResourceOutput](t)(c.TagResource(ctx, &ecssdk.TagResourceInput{
			ResourceArn: arn, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}},
		}))
		tags := must[*ecssdk.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &ecssdk.ListTagsForResourceInput{ResourceArn: arn}))
		if len(tags.Tags) != 2 {
			t.Fatalf("tags after TagResource = %+v", tags.Tags)
		}
		must[*ecssdk.UntagResourceOutput](t)(c.UntagResource(ctx, &ecssdk.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"team"}}))
		tags = must[*ecssdk.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &ecssdk.ListTagsForResourceInput{ResourceArn: arn}))
		if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" {
			t.Fatalf("tags after UntagResource = %+v", tags.Tags)
		}
		missing := aws.String("arn:aws:ecs:us-east-1:000000000000:cluster/nope")
		_, err := c.TagResource(ctx, &ecssdk.TagResourceInput{ResourceArn: missing, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
		requireCode(t, err, "InvalidParameterException")
		_, err = c.UntagResource(ctx, &ecssdk.UntagResourceInput{ResourceArn: missing, TagKeys: []string{"k"}})
		requireCode(t, err, "InvalidParameterException")
		_, err = c.ListTagsForResource(ctx, &ecssdk.ListTagsForResourceInput{ResourceArn: missing})
		requireCode(t, err, "InvalidParameterException")
	})

	t.Run("DiscoverPollEndpoint", func(t *testing.T) {
		out := must[*ecssdk.DiscoverPollEndpointOutput](t)(c.DiscoverPollEndpoint(ctx, &ecssdk.DiscoverPollEndpointInput{Cluster: aws.String("prod")}))
		if aws.ToString(out.Endpoint) != e.srv.URL || aws.ToString(out.TelemetryEndpoint) != e.srv.URL {
			t.Fatalf("endpoints = %q, %q, want %q", aws.ToString(out.Endpoint), aws.ToString(out.TelemetryEndpoint), e.srv.URL)
		}
		_, err := c.DiscoverPollEndpoint(ctx, &ecssdk.DiscoverPollEndpointInput{Cluster: aws.String("nope")})
		requireCode(t, err, "ClusterNotFoundException")
	})

	t.Run("DeleteCluster", func(t *testing.T) {
		out := must[*ecssdk.DeleteClusterOutput](t)(c.DeleteCluster(ctx, &ecssdk.DeleteClusterInput{Cluster: aws.String("staging")}))
		if aws.ToString(out.Cluster.Status) != "INACTIVE" {
			t.Fatalf("status = %q", aws.ToString(out.Cluster.Status))
		}
		_, err := c.DeleteCluster(ctx, &ecssdk.DeleteClusterInput{Cluster: aws.String("nope")})
		requireCode(t, err, "ClusterNotFoundException")
		// The SDK deserializes the modeled exception into its own type.
		var nf *types.ClusterNotFoundException
		if !errors.As(err, &nf) || aws.ToString(nf.Message) != "Cluster not found." {
			t.Fatalf("want *types.ClusterNotFoundException with ECS's message, got %v", err)
		}
	})
}

func TestDiscoverPollEndpointConfigured(t *testing.T) {
	e := newEnv(t, ecsapi.WithEndpoint("http://127.0.0.1:4566"))
	out := must[*ecssdk.DiscoverPollEndpointOutput](t)(e.client.DiscoverPollEndpoint(ctx, &ecssdk.DiscoverPollEndpointInput{}))
	if aws.ToString(out.Endpoint) != "http://127.0.0.1:4566" {
		t.Fatalf("endpoint = %q", aws.ToString(out.Endpoint))
	}
}
