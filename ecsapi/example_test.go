package ecsapi_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ecssdk "github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecskit/ecs"
	"github.com/ecskit/ecs/ecsapi"
)

// Serve a control plane over the ECS API and drive it with the AWS SDK.
func Example() {
	cp, err := ecs.Open(ecs.WithRegion("us-east-1"))
	if err != nil {
		log.Fatal(err)
	}
	defer cp.Close()
	keys := map[string]string{"AKIDEXAMPLE": "example-secret"}
	srv := httptest.NewServer(ecsapi.New(cp, ecsapi.WithCredentials(keys)))
	defer srv.Close()

	client := ecssdk.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "example-secret", ""),
		BaseEndpoint: aws.String(srv.URL),
	})
	out, err := client.CreateCluster(context.Background(), &ecssdk.CreateClusterInput{ClusterName: aws.String("demo")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(aws.ToString(out.Cluster.ClusterArn))

	_, err = client.DescribeTasks(context.Background(), &ecssdk.DescribeTasksInput{Cluster: aws.String("nope"), Tasks: []string{"x"}})
	fmt.Println(err != nil)
	// Output:
	// arn:aws:ecs:us-east-1:000000000000:cluster/demo
	// true
}
