package secrets

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/ecskit/ecs/internal/awsjson"
)

// Client is a Provider that reads SSM parameters and Secrets Manager
// secrets from an endpoint serving those APIs (ecsd), signing with
// SigV4: what a remote agent resolves a task's secrets with.
type Client struct {
	ssm, sm awsjson.Client
}

// NewClient returns a Client for endpoint (e.g. "http://127.0.0.1:4566")
// in region, signing with the given key pair; hc may be nil.
func NewClient(endpoint, region, accessKeyID, secretAccessKey string, hc *http.Client) *Client {
	creds := aws.Credentials{AccessKeyID: accessKeyID, SecretAccessKey: secretAccessKey}
	base := awsjson.Client{Endpoint: endpoint, Region: region, Credentials: creds, HTTP: hc}
	c := &Client{ssm: base, sm: base}
	c.ssm.TargetPrefix, c.ssm.SigningName = SSMTargetPrefix, SSMSigningName
	c.sm.TargetPrefix, c.sm.SigningName = SecretsManagerTargetPrefix, SecretsManagerSigningName
	return c
}

// GetParameter calls SSM GetParameter.
func (c *Client) GetParameter(ctx context.Context, in GetParameterInput) (GetParameterOutput, error) {
	var out GetParameterOutput
	return out, asError(c.ssm.Call(ctx, "GetParameter", in, &out))
}

// GetSecretValue calls Secrets Manager GetSecretValue.
func (c *Client) GetSecretValue(ctx context.Context, in GetSecretValueInput) (GetSecretValueOutput, error) {
	var out GetSecretValueOutput
	return out, asError(c.sm.Call(ctx, "GetSecretValue", in, &out))
}

// Resolve implements Provider.
func (c *Client) Resolve(ctx context.Context, valueFrom string) (string, error) {
	return resolve(ctx, c, valueFrom)
}

// asError turns an API error answer into an *Error, so that callers match
// it as they would the Store's.
func asError(err error) error {
	var ae *awsjson.Error
	if errors.As(err, &ae) {
		return &Error{Code: ae.Code, Message: ae.Message}
	}
	return err
}
