package ecsapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecssdk "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func attr(attrs []types.Attribute, name string) (string, bool) {
	for _, a := range attrs {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value), true
		}
	}
	return "", false
}

func TestContainerInstanceActions(t *testing.T) {
	e := newEnv(t)
	c := e.client
	e.createCluster("prod")
	var inst *types.ContainerInstance

	t.Run("RegisterContainerInstance", func(t *testing.T) {
		inst = e.registerInstance("prod", "i-0123456789abcdef0")
		if aws.ToString(inst.Ec2InstanceId) != "i-0123456789abcdef0" {
			t.Fatalf("ec2InstanceId = %q", aws.ToString(inst.Ec2InstanceId))
		}
		if az, _ := attr(inst.Attributes, "ecs.availability-zone"); az != "us-east-1a" {
			t.Fatalf("ecs.availability-zone = %q", az)
		}
		if it, _ := attr(inst.Attributes, "ecs.instance-type"); it != "m5.large" {
			t.Fatalf("ecs.instance-type = %q", it)
		}
		if inst.Status == nil || *inst.Status != "ACTIVE" || inst.RegisteredAt == nil {
			t.Fatalf("status %v registeredAt %v", inst.Status, inst.RegisteredAt)
		}
		_, err := c.RegisterContainerInstance(ctx, &ecssdk.RegisterContainerInstanceInput{Cluster: aws.String("nope")})
		requireCode(t, err, "ClusterNotFoundException")
	})

	t.Run("DescribeContainerInstances", func(t *testing.T) {
		out := must[*ecssdk.DescribeContainerInstancesOutput](t)(c.DescribeContainerInstances(ctx, &ecssdk.DescribeContainerInstancesInput{
			Cluster: aws.String("prod"), ContainerInstances: []string{aws.ToString(inst.ContainerInstanceArn), "0123456789abcdef0123456789abcdef"},
		}))
		if len(out.ContainerInstances) != 1 || len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "MISSING" {
			t.Fatalf("instances %d, failures %+v", len(out.ContainerInstances), out.Failures)
		}
		var cpu int32
		for _, r := range out.ContainerInstances[0].RegisteredResources {
			if aws.ToString(r.Name) == "CPU" {
				cpu = r.IntegerValue
			}
		}
		if cpu != 2048 {
			t.Fatalf("registered CPU = %d", cpu)
		}
		_, err := c.DescribeContainerInstances(ctx, &ecssdk.DescribeContainerInstancesInput{Cluster: aws.String("nope"), ContainerInstances: []string{"x"}})
		requireCode(t, err, "ClusterNotFoundException")
	})

	t.Run("ListContainerInstances", func(t *testing.T) {
		e.registerInstance("prod", "i-0000000000000000b")
		out := must[*ecssdk.ListContainerInstancesOutput](t)(c.ListContainerInstances(ctx, &ecssdk.ListContainerInstancesInput{
			Cluster: aws.String("prod"), Filter: aws.String("ec2InstanceId == i-0123456789abcdef0"),
		}))
		if len(out.ContainerInstanceArns) != 1 || out.ContainerInstanceArns[0] != aws.ToString(inst.ContainerInstanceArn) {
			t.Fatalf("filtered list = %v", out.ContainerInstanceArns)
		}
		all := must[*ecssdk.ListContainerInstancesOutput](t)(c.ListContainerInstances(ctx, &ecssdk.ListContainerInstancesInput{Cluster: aws.String("prod")}))
		if len(all.ContainerInstanceArns) != 2 {
			t.Fatalf("list = %v", all.ContainerInstanceArns)
		}
		_, err := c.ListContainerInstances(ctx, &ecssdk.ListContainerInstancesInput{Cluster: aws.String("nope")})
		requireCode(t, err, "ClusterNotFoundException")
	})

	t.Run("PutAttributes", func(t *testing.T) {
		out := must[*ecssdk.PutAttributesOutput](t)(c.PutAttributes(ctx, &ecssdk.PutAttributesInput{
			Cluster:    aws.String("prod"),
			Attributes: []types.Attribute{{Name: aws.String("stack"), Value: aws.String("blue"), TargetId: inst.ContainerInstanceArn}},
		}))
		if len(out.Attributes) != 1 {
			t.Fatalf("attributes = %+v", out.Attributes)
		}
		_, err := c.PutAttributes(ctx, &ecssdk.PutAttributesInput{
			Cluster: aws.String("prod"),
			Attributes: []types.Attribute{{Name: aws.String("stack"), Value: aws.String("blue"),
				TargetId: aws.String("arn:aws:ecs:us-east-1:000000000000:container-instance/prod/0123456789abcdef0123456789abcdef")}},
		})
		requireCode(t, err, "TargetNotFoundException")
	})

	t.Run("ListAttributes", func(t *testing.T) {
		out := must[*ecssdk.ListAttributesOutput](t)(c.ListAttributes(ctx, &ecssdk.ListAttributesInput{
			Cluster: aws.String("prod"), TargetType: types.TargetTypeContainerInstance, AttributeName: aws.String("stack"),
		}))
		if len(out.Attributes) != 1 || aws.ToString(out.Attributes[0].Value) != "blue" {
			t.Fatalf("attributes = %+v", out.Attributes)
		}
		_, err := c.ListAttributes(ctx, &ecssdk.ListAttributesInput{Cluster: aws.String("nope"), TargetType: types.TargetTypeContainerInstance})
		requireCode(t, err, "ClusterNotFoundException")
	})

	t.Run("DeleteAttributes", func(t *testing.T) {
		must[*ecssdk.DeleteAttributesOutput](t)(c.DeleteAttributes(ctx, &ecssdk.DeleteAttributesInput{
			Cluster:    aws.String("prod"),
			Attributes: []types.Attribute{{Name: aws.String("stack"), TargetId: inst.ContainerInstanceArn}},
		}))
		d := must[*ecssdk.DescribeContainerInstancesOutput](t)(c.DescribeContainerInstances(ctx, &ecssdk.DescribeContainerInstancesInput{
			Cluster: aws.String("prod"), ContainerInstances: []string{aws.ToString(inst.ContainerInstanceArn)},
		}))
		if _, ok := attr(d.ContainerInstances[0].Attributes, "stack"); ok {
			t.Fatal("attribute stack still present after DeleteAttributes")
		}
		_, err := c.DeleteAttributes(ctx, &ecssdk.DeleteAttributesInput{
			Cluster: aws.String("prod"),
			Attributes: []types.Attribute{{Name: aws.String("stack"),
				TargetId: aws.String("arn:aws:ecs:us-east-1:000000000000:container-instance/prod/0123456789abcdef0123456789abcdef")}},
		})
		requireCode(t, err, "TargetNotFoundException")
	})

	t.Run("UpdateContainerInstancesState", func(t *testing.T) {
		out := must[*ecssdk.UpdateContainerInstancesStateOutput](t)(c.UpdateContainerInstancesState(ctx, &ecssdk.UpdateContainerInstancesStateInput{
			Cluster: aws.String("prod"), ContainerInstances: []string{aws.ToString(inst.ContainerInstanceArn)}, Status: types.ContainerInstanceStatusDraining,
		}))
		if len(out.ContainerInstances) != 1 || aws.ToString(out.ContainerInstances[0].Status) != "DRAINING" {
			t.Fatalf("out = %+v", out)
		}
		_, err := c.UpdateContainerInstancesState(ctx, &ecssdk.UpdateContainerInstancesStateInput{
			Cluster: aws.String("prod"), ContainerInstances: []string{aws.ToString(inst.ContainerInstanceArn)}, Status: types.ContainerInstanceStatusRegistering,
		})
		requireCode(t, err, "InvalidParameterException")
	})

	t.Run("DeregisterContainerInstance", func(t *testing.T) {
		out := must[*ecssdk.DeregisterContainerInstanceOutput](t)(c.DeregisterContainerInstance(ctx, &ecssdk.DeregisterContainerInstanceInput{
			Cluster: aws.String("prod"), ContainerInstance: inst.ContainerInstanceArn,
		}))
		if aws.ToString(out.ContainerInstance.Status) != "INACTIVE" {
			t.Fatalf("status = %q", aws.ToString(out.ContainerInstance.Status))
		}
		_, err := c.DeregisterContainerInstance(ctx, &ecssdk.DeregisterContainerInstanceInput{
			Cluster: aws.String("prod"), ContainerInstance: aws.String("0123456789abcdef0123456789abcdef"),
		})
		requireCode(t, err, "InvalidParameterException")
	})
}
