// Package ecsclient calls an ECS JSON 1.1 endpoint (ecsd, or anything that
// speaks ECS's protocol) with AWS Signature Version 4. It is the transport
// of the remote agent: *Client implements agent.ControlPlane, so an agent on
// one host can run against a control plane served by ecsd on another.
//
// Every call is one signed POST with the X-Amz-Target header of its
// action; error responses come back as *ecs.Error with ECS's exception name
// and message, so callers match them exactly as they would in process.
package ecsclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/ecskit/ecs"
)

// TargetPrefix is the X-Amz-Target prefix of every ECS action.
const TargetPrefix = "AmazonEC2ContainerServiceV20141113."

// Client calls one ECS endpoint.
type Client struct {
	endpoint string
	region   string
	creds    aws.Credentials
	http     *http.Client
	signer   *v4.Signer
	now      func() time.Time
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
// in region.
func New(endpoint, region string, opts ...Option) *Client {
	c := &Client{
		endpoint: strings.TrimRight(endpoint, "/") + "/",
		region:   region,
		creds:    aws.Credentials{AccessKeyID: "ecskit", SecretAccessKey: "ecskit"},
		http:     &http.Client{},
		signer:   v4.NewSigner(),
		now:      time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Call invokes action with in as the request body and decodes the
// response into out (which may be nil).
func (c *Client) Call(ctx context.Context, action string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("ecsclient: encode %s: %w", action, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
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
		return fmt.Errorf("ecsclient: %s: %w", action, err)
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

// decodeError turns an AWS JSON error response into an *ecs.Error.
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
	return &ecs.Error{Code: ecs.Code(code), Message: msg}
}

// RegisterContainerInstance registers (or re-registers) an instance.
func (c *Client) RegisterContainerInstance(ctx context.Context, in *ecs.RegisterContainerInstanceInput) (*ecs.RegisterContainerInstanceOutput, error) {
	var out ecs.RegisterContainerInstanceOutput
	return &out, c.Call(ctx, "RegisterContainerInstance", in, &out)
}

// PollTasks long-polls for an instance's task assignments.
func (c *Client) PollTasks(ctx context.Context, in *ecs.PollTasksInput) (*ecs.PollTasksOutput, error) {
	var out ecs.PollTasksOutput
	return &out, c.Call(ctx, "PollTasks", in, &out)
}

// SubmitTaskStateChange reports a task's observed state.
func (c *Client) SubmitTaskStateChange(ctx context.Context, in *ecs.SubmitTaskStateChangeInput) (*ecs.SubmitTaskStateChangeOutput, error) {
	var out ecs.SubmitTaskStateChangeOutput
	return &out, c.Call(ctx, "SubmitTaskStateChange", in, &out)
}

// SubmitContainerStateChange reports one container's observed state.
func (c *Client) SubmitContainerStateChange(ctx context.Context, in *ecs.SubmitContainerStateChangeInput) (*ecs.SubmitContainerStateChangeOutput, error) {
	var out ecs.SubmitContainerStateChangeOutput
	return &out, c.Call(ctx, "SubmitContainerStateChange", in, &out)
}
