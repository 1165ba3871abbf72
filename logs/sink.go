package logs

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/ecskit/ecs/internal/awsjson"
)

// Sink is where an agent ships the output of awslogs containers: a Store
// in process, a Client to a remote one.
type Sink interface {
	// EnsureStream makes sure the stream exists, and its group too when
	// createGroup is set. Without createGroup a missing group is a
	// ResourceNotFoundException (errors.Is(err, ErrResourceNotFound)).
	EnsureStream(ctx context.Context, group, stream string, createGroup bool) error
	// PutEvents appends a batch (chronological, at most MaxBatchEvents
	// events and MaxBatchBytes bytes), as PutLogEvents does.
	PutEvents(ctx context.Context, group, stream string, events []InputLogEvent) error
}

// EnsureStream implements Sink.
func (s *Store) EnsureStream(_ context.Context, group, stream string, createGroup bool) error {
	return ensureStream(group, stream, createGroup, s.CreateLogGroup, s.CreateLogStream)
}

func ensureStream(group, stream string, createGroup bool, cg func(CreateLogGroupInput) error, cs func(CreateLogStreamInput) error) error {
	err := cs(CreateLogStreamInput{LogGroupName: group, LogStreamName: stream})
	if errors.Is(err, ErrResourceNotFound) && createGroup {
		if err := cg(CreateLogGroupInput{LogGroupName: group}); err != nil && !errors.Is(err, ErrResourceAlreadyExists) {
			return err
		}
		err = cs(CreateLogStreamInput{LogGroupName: group, LogStreamName: stream})
	}
	if errors.Is(err, ErrResourceAlreadyExists) {
		return nil
	}
	return err
}

// PutEvents implements Sink.
func (s *Store) PutEvents(_ context.Context, group, stream string, events []InputLogEvent) error {
	_, err := s.PutLogEvents(PutLogEventsInput{LogGroupName: group, LogStreamName: stream, LogEvents: events})
	return err
}

// Client is a Sink that calls the CloudWatch Logs API of an endpoint
// (ecsd) with Signature Version 4.
type Client struct {
	c awsjson.Client
}

// NewClient returns a Client for endpoint in region, signing with the
// given key pair; hc may be nil.
func NewClient(endpoint, region, accessKeyID, secretAccessKey string, hc *http.Client) *Client {
	return &Client{c: awsjson.Client{
		Endpoint: endpoint, Region: region, TargetPrefix: TargetPrefix, SigningName: SigningName, HTTP: hc,
		Credentials: aws.Credentials{AccessKeyID: accessKeyID, SecretAccessKey: secretAccessKey},
	}}
}

func (c *Client) call(ctx context.Context, action string, in, out any) error {
	err := c.c.Call(ctx, action, in, out)
	var ae *awsjson.Error
	if errors.As(err, &ae) {
		return &Error{Code: ae.Code, Message: ae.Message}
	}
	return err
}

// EnsureStream implements Sink.
func (c *Client) EnsureStream(ctx context.Context, group, stream string, createGroup bool) error {
	return ensureStream(group, stream, createGroup,
		func(in CreateLogGroupInput) error { return c.call(ctx, "CreateLogGroup", in, nil) },
		func(in CreateLogStreamInput) error { return c.call(ctx, "CreateLogStream", in, nil) })
}

// PutEvents implements Sink.
func (c *Client) PutEvents(ctx context.Context, group, stream string, events []InputLogEvent) error {
	return c.call(ctx, "PutLogEvents", PutLogEventsInput{LogGroupName: group, LogStreamName: stream, LogEvents: events}, nil)
}
