package logs

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/ecskit/ecs/internal/awsjson"
)

// TargetPrefix is the service part of X-Amz-Target: a request for action A
// carries "Logs_20140328.A".
const TargetPrefix = "Logs_20140328"

// SigningName is the SigV4 service name of CloudWatch Logs.
const SigningName = "logs"

// Authenticator checks a request's signature for a service; the error it
// returns is sent to the client. ecsapi.NewAuthenticator is one that
// accepts the keys ecsd's ECS API accepts.
type Authenticator interface {
	Authenticate(r *http.Request, body []byte, signingName string) error
}

// Handler serves the CloudWatch Logs API of one Store.
type Handler struct {
	svc awsjson.Service
}

// HandlerOption configures NewHandler.
type HandlerOption func(*Handler)

// WithAuthenticator makes the handler require signed requests (default:
// none are checked; serve such a handler on loopback only).
func WithAuthenticator(a Authenticator) HandlerOption {
	return func(h *Handler) { h.svc.Auth = a }
}

// WithHandlerLogger sets the logger of refused and failed calls.
func WithHandlerLogger(l *slog.Logger) HandlerOption {
	return func(h *Handler) { h.svc.Log = l }
}

// NewHandler returns a Handler serving s.
func NewHandler(s *Store, opts ...HandlerOption) *Handler {
	h := &Handler{svc: awsjson.Service{
		TargetPrefix: TargetPrefix,
		SigningName:  SigningName,
		Internal:     internalError,
		Ops: map[string]awsjson.Op{
			"CreateLogGroup":        noOutput(s.CreateLogGroup),
			"DeleteLogGroup":        noOutput(s.DeleteLogGroup),
			"PutRetentionPolicy":    noOutput(s.PutRetentionPolicy),
			"DeleteRetentionPolicy": noOutput(s.DeleteRetentionPolicy),
			"DescribeLogGroups":     withOutput(s.DescribeLogGroups),
			"CreateLogStream":       noOutput(s.CreateLogStream),
			"DeleteLogStream":       noOutput(s.DeleteLogStream),
			"DescribeLogStreams":    withOutput(s.DescribeLogStreams),
			"PutLogEvents":          withOutput(s.PutLogEvents),
			"GetLogEvents":          withOutput(s.GetLogEvents),
			"FilterLogEvents":       withOutput(s.FilterLogEvents),
		},
	}}
	for _, o := range opts {
		o(h)
	}
	return h
}

// Matches reports whether r is a CloudWatch Logs call (by its
// X-Amz-Target), for routing beside other APIs on one listener.
func (h *Handler) Matches(r *http.Request) bool { return h.svc.Matches(r) }

// ServeHTTP answers one call.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.svc.ServeHTTP(w, r) }

func internalError(err error) *awsjson.Error {
	var e *Error
	if errors.As(err, &e) {
		status := http.StatusBadRequest
		if e.Code == CodeServiceUnavailable {
			status = http.StatusServiceUnavailable
		}
		return &awsjson.Error{Code: e.Code, Message: e.Message, Status: status}
	}
	return nil
}

func noOutput[In any](fn func(In) error) awsjson.Op {
	return awsjson.Decoded(func(_ context.Context, in *In) (any, error) {
		return nil, fn(*in)
	})
}

func withOutput[In, Out any](fn func(In) (Out, error)) awsjson.Op {
	return awsjson.Decoded(func(_ context.Context, in *In) (any, error) {
		out, err := fn(*in)
		if err != nil {
			return nil, err
		}
		return out, nil
	})
}
