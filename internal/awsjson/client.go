package awsjson

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
)

// Client calls one AWS JSON 1.1 endpoint with Signature Version 4.
type Client struct {
	Endpoint     string // e.g. http://127.0.0.1:4566
	Region       string
	TargetPrefix string
	SigningName  string
	Credentials  aws.Credentials
	HTTP         *http.Client // nil: http.DefaultClient
	Now          func() time.Time
}

// Call invokes action with in as the request body and decodes the answer
// into out (which may be nil). An error answer comes back as *Error.
func (c *Client) Call(ctx context.Context, action string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s: encode %s: %w", c.SigningName, action, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.Endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", c.SigningName, err)
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("X-Amz-Target", c.TargetPrefix+"."+action)
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, c.Credentials, req, hex.EncodeToString(sum[:]), c.SigningName, c.Region, now()); err != nil {
		return fmt.Errorf("%s: sign %s: %w", c.SigningName, action, err)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %s: %w", c.SigningName, action, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s: %s: read response: %w", c.SigningName, action, err)
	}
	if resp.StatusCode != http.StatusOK {
		return DecodeError(resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), data)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: %s: decode response: %w", c.SigningName, action, err)
	}
	return nil
}

// DecodeError turns an AWS JSON error answer into an *Error.
func DecodeError(status int, headerType string, data []byte) *Error {
	var body struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
		Upper   string `json:"Message"`
	}
	_ = json.Unmarshal(data, &body)
	code := headerType
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
		code = fmt.Sprintf("HTTP%d", status)
	}
	msg := body.Message
	if msg == "" {
		msg = body.Upper
	}
	return &Error{Code: code, Message: msg, Status: status}
}
