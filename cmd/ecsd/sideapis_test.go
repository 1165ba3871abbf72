package main

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
)

// TestSideAPIs: logs, ssm and secretsmanager answer on ecsd's listener,
// signed with ecsd's key, and -logs-file keeps log events across a
// restart.
func TestSideAPIs(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "logs.db")
	d := startDaemon(t, "-logs-file", file)
	creds := credentials.NewStaticCredentialsProvider(testKeyID, testSecret, "")
	cw := func(url string, c aws.CredentialsProvider) *cloudwatchlogs.Client {
		return cloudwatchlogs.New(cloudwatchlogs.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: c, Retryer: aws.NopRetryer{}})
	}
	sc := ssm.New(ssm.Options{Region: "us-east-1", BaseEndpoint: aws.String(d.url), Credentials: creds, Retryer: aws.NopRetryer{}})
	sm := secretsmanager.New(secretsmanager.Options{Region: "us-east-1", BaseEndpoint: aws.String(d.url), Credentials: creds, Retryer: aws.NopRetryer{}})

	if _, err := sc.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/p"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("s"), SecretString: aws.String("v")}); err != nil {
		t.Fatal(err)
	}
	l := cw(d.url, creds)
	if _, err := l.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"),
		LogEvents: []cwtypes.InputLogEvent{{Timestamp: aws.Int64(time.Now().UnixMilli()), Message: aws.String("kept")}}}); err != nil {
		t.Fatal(err)
	}
	_, err := cw(d.url, credentials.NewStaticCredentialsProvider(testKeyID, "wrong", "")).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSignatureException" {
		t.Errorf("a wrong key: %v", err)
	}
	if err := d.stop(t); err != nil {
		t.Fatal(err)
	}

	d = startDaemon(t, "-logs-file", file)
	out, err := cw(d.url, creds).GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 1 || aws.ToString(out.Events[0].Message) != "kept" {
		t.Errorf("after a restart: %+v", out.Events)
	}
}
