package secrets

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/ecskit/ecs/internal/awsjson"
)

// Target prefixes and SigV4 service names of the two APIs.
const (
	SSMTargetPrefix            = "AmazonSSM"
	SSMSigningName             = "ssm"
	SecretsManagerTargetPrefix = "secretsmanager"
	SecretsManagerSigningName  = "secretsmanager"
)

// Authenticator checks a request's signature for a service; the error it
// returns is sent to the client. ecsapi.NewAuthenticator is one.
type Authenticator interface {
	Authenticate(r *http.Request, body []byte, signingName string) error
}

// Handler serves the SSM and Secrets Manager APIs of one Store, telling
// them apart by X-Amz-Target.
type Handler struct {
	ssm, sm awsjson.Service
}

// HandlerOption configures NewHandler.
type HandlerOption func(*Handler)

// WithAuthenticator makes the handler require signed requests (default:
// none are checked; serve such a handler on loopback only).
func WithAuthenticator(a Authenticator) HandlerOption {
	return func(h *Handler) { h.ssm.Auth, h.sm.Auth = a, a }
}

// WithHandlerLogger sets the logger of refused and failed calls. Values
// are never logged.
func WithHandlerLogger(l *slog.Logger) HandlerOption {
	return func(h *Handler) { h.ssm.Log, h.sm.Log = l, l }
}

// NewHandler returns a Handler serving s.
func NewHandler(s *Store, opts ...HandlerOption) *Handler {
	h := &Handler{
		ssm: awsjson.Service{
			TargetPrefix: SSMTargetPrefix,
			SigningName:  SSMSigningName,
			Internal:     asAPIError,
			Ops: map[string]awsjson.Op{
				"PutParameter":        op(s.PutParameter),
				"GetParameter":        op(s.GetParameter),
				"GetParameters":       op(s.GetParameters),
				"GetParametersByPath": op(s.GetParametersByPath),
				"DeleteParameter": op(func(ctx context.Context, in DeleteParameterInput) (struct{}, error) {
					return struct{}{}, s.DeleteParameter(ctx, in)
				}),
				"DeleteParameters": op(s.DeleteParameters),
			},
		},
		sm: awsjson.Service{
			TargetPrefix: SecretsManagerTargetPrefix,
			SigningName:  SecretsManagerSigningName,
			UpperMessage: true,
			Internal:     asAPIError,
			Ops: map[string]awsjson.Op{
				"CreateSecret":   op(s.CreateSecret),
				"GetSecretValue": op(s.GetSecretValue),
				"PutSecretValue": op(s.PutSecretValue),
				"DeleteSecret":   op(s.DeleteSecret),
				"DescribeSecret": op(s.DescribeSecret),
			},
		},
	}
	for _, o := range opts {
		o(h)
	}
	return h
}

// Matches reports whether r is an SSM or Secrets Manager call.
func (h *Handler) Matches(r *http.Request) bool { return h.ssm.Matches(r) || h.sm.Matches(r) }

// ServeHTTP answers one call.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.Header.Get("X-Amz-Target"), SecretsManagerTargetPrefix+".") {
		h.sm.ServeHTTP(w, r)
		return
	}
	h.ssm.ServeHTTP(w, r)
}

func asAPIError(err error) *awsjson.Error {
	var e *Error
	if errors.As(err, &e) {
		return &awsjson.Error{Code: e.Code, Message: e.Message}
	}
	return nil
}

func op[In, Out any](fn func(context.Context, In) (Out, error)) awsjson.Op {
	return awsjson.Decoded(func(ctx context.Context, in *In) (any, error) {
		out, err := fn(ctx, *in)
		if err != nil {
			return nil, err
		}
		return out, nil
	})
}
