// Package ecsclient calls an ECS JSON 1.1 endpoint (ecsd, or anything that
// speaks ECS's protocol) with AWS Signature Version 4. It is the transport
// of the remote agent: *Client implements agent.ControlPlane, so an agent on
// one host can run against a control plane served by ecsd on another.
//
// Every call is one signed POST with the X-Amz-Target header of its
// action; error responses come back as *types.Error with ECS's exception name
// and message, so callers match them exactly as they would in process.
package ecsclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/ecskit/ecs/types"
)

// TargetPrefix is the X-Amz-Target prefix of every ECS action.
const TargetPrefix = "AmazonEC2ContainerServiceV20141113."

// Client calls one ECS endpoint.
type Client struct {
	endpoints []string
	next      atomic.Int64 // index of the endpoint to try first
	region    string
	creds     aws.Credentials
	http      *http.Client
	signer    *v4.Signer
	now       func() time.Time
}

// Option configures New.
type Option func(*Client)

// WithCredentials sets the access key pair requests are signed with
// (default: an unauthenticated pair, accepted by an ecsd without keys).
func WithCredentials(accessKeyID, secretAccessKey string) Option {
	return func(c *Client) {
		c.creds = aws.Credentials{AccessKeyID: accessKeyID, SecretAccessKey: secretAccessKey}
	}
}

// WithHTTPClient sets the HTTP client (default: one with no overall
// timeout, since PollTasks long-polls; calls are bounded by their context).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// New returns a client for endpoint (for example "http://127.0.0.1:4566")
// in region. A comma-separated list names several replicas of one control
// plane: a call that cannot reach one tries the next.
func New(endpoint, region string, opts ...Option) *Client {
	c := &Client{
		region: region,
		creds:  aws.Credentials{AccessKeyID: "ecskit", SecretAccessKey: "ecskit"},
		http:   &http.Client{},
		signer: v4.NewSigner(),
		now:    time.Now,
	}
	for _, e := range strings.Split(endpoint, ",") {
		if e = strings.TrimSpace(e); e != "" {
			c.endpoints = append(c.endpoints, strings.TrimRight(e, "/")+"/")
		}
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Call invokes action with in as the request body and decodes the
// response into out (which may be nil). When an endpoint cannot be
// reached the next one is tried; an answer, even an error, is final.
func (c *Client) Call(ctx context.Context, action string, in, out any) error {
	if len(c.endpoints) == 0 {
		return fmt.Errorf("ecsclient: no endpoint")
	}
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("ecsclient: encode %s: %w", action, err)
	}
	first := int(c.next.Load())
	for i := range c.endpoints {
		k := (first + i) % len(c.endpoints)
		err = c.call(ctx, c.endpoints[k], action, body, out)
		var te *transportError
		if !errors.As(err, &te) || ctx.Err() != nil {
			if i > 0 {
				c.next.Store(int64(k))
			}
			return err
		}
	}
	c.next.Store(int64((first + 1) % len(c.endpoints)))
	return err
}

// transportError is a failure to reach an endpoint at all.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

func (c *Client) call(ctx context.Context, endpoint, action string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("ecsclient: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", TargetPrefix+action)
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, c.creds, req, hex.EncodeToString(sum[:]), "ecs", c.region, c.now()); err != nil {
		return fmt.Errorf("ecsclient: sign %s: %w", action, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &transportError{fmt.Errorf("ecsclient: %s: %w", action, err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("ecsclient: %s: read response: %w", action, err)
	}
	if resp.StatusCode != http.StatusOK {
		return decodeError(resp, data)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("ecsclient: %s: decode response: %w", action, err)
	}
	return nil
}

// decodeError turns an AWS JSON error response into an *types.Error.
func decodeError(resp *http.Response, data []byte) error {
	var body struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
		Upper   string `json:"Message"`
	}
	_ = json.Unmarshal(data, &body)
	code := resp.Header.Get("X-Amzn-ErrorType")
	if code == "" {
		code = body.Type
	}
	if i := strings.LastIndex(code, "#"); i >= 0 {
		code = code[i+1:]
	}
	if i := strings.Index(code, ":"); i >= 0 {
		code = code[:i]
	}
	if code == "" {
		code = fmt.Sprintf("HTTP%d", resp.StatusCode)
	}
	msg := body.Message
	if msg == "" {
		msg = body.Upper
	}
	return &types.Error{Code: types.Code(code), Message: msg}
}

// RegisterContainerInstance registers (or re-registers) an instance.
func (c *Client) RegisterContainerInstance(ctx context.Context, in *types.RegisterContainerInstanceInput) (*types.RegisterContainerInstanceOutput, error) {
	var out types.RegisterContainerInstanceOutput
	return &out, c.Call(ctx, "RegisterContainerInstance", in, &out)
}

// PollTasks long-polls for an instance's task assignments.
func (c *Client) PollTasks(ctx context.Context, in *types.PollTasksInput) (*types.PollTasksOutput, error) {
	var out types.PollTasksOutput
	return &out, c.Call(ctx, "PollTasks", in, &out)
}

// SubmitTaskStateChange reports a task's observed state.
func (c *Client) SubmitTaskStateChange(ctx context.Context, in *types.SubmitTaskStateChangeInput) (*types.SubmitTaskStateChangeOutput, error) {
	var out types.SubmitTaskStateChangeOutput
	return &out, c.Call(ctx, "SubmitTaskStateChange", in, &out)
}

// SubmitTaskStateChanges reports several tasks' observed states in one
// call.
func (c *Client) SubmitTaskStateChanges(ctx context.Context, in *types.SubmitTaskStateChangesInput) (*types.SubmitTaskStateChangesOutput, error) {
	var out types.SubmitTaskStateChangesOutput
	return &out, c.Call(ctx, "SubmitTaskStateChanges", in, &out)
}

// SubmitContainerStateChange reports one container's observed state.
func (c *Client) SubmitContainerStateChange(ctx context.Context, in *types.SubmitContainerStateChangeInput) (*types.SubmitContainerStateChangeOutput, error) {
	var out types.SubmitContainerStateChangeOutput
	return &out, c.Call(ctx, "SubmitContainerStateChange", in, &out)
}
