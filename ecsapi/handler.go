package ecsapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/ecskit/ecs"
)

// TargetPrefix is the service part of X-Amz-Target: a request for action A
// carries "AmazonEC2ContainerServiceV20141113.A".
const TargetPrefix = "AmazonEC2ContainerServiceV20141113"

// ContentType is the media type of every request and response body.
const ContentType = "application/x-amz-json-1.1"

// SigningName is the SigV4 service name of ECS.
const SigningName = "ecs"

// DefaultMaxBodyBytes bounds a request body unless WithMaxBodyBytes says
// otherwise.
const DefaultMaxBodyBytes = 10 << 20

// Handler serves the ECS API of one control plane over HTTP. It is safe
// for concurrent use.
type Handler struct {
	cp         *ecs.ControlPlane
	ops        map[string]operation
	auth       *verifier
	log        *slog.Logger
	metrics    *Metrics
	now        func() time.Time
	endpoint   string
	onRegister func(context.Context, *ecs.ContainerInstance)
	maxBody    int64
}

// Option configures New.
type Option func(*Handler)

// WithCredentials makes the handler require AWS Signature Version 4 on
// every request, signed with one of these keys (access key ID -> secret
// access key) for service "ecs" and the control plane's region. Without
// it, requests are not authenticated.
func WithCredentials(keys map[string]string) Option {
	return func(h *Handler) {
		if len(keys) == 0 {
			h.auth = nil
			return
		}
		cp := make(map[string]string, len(keys))
		for k, v := range keys {
			cp[k] = v
		}
		h.auth = &verifier{keys: cp}
	}
}

// WithLogger sets the logger (default: discard). Secrets and signatures
// are never logged.
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.log = l } }

// WithClock sets the time source used to check request dates (default:
// time.Now).
func WithClock(now func() time.Time) Option { return func(h *Handler) { h.now = now } }

// WithEndpoint sets the URL DiscoverPollEndpoint returns (default: the
// URL the request was sent to).
func WithEndpoint(url string) Option { return func(h *Handler) { h.endpoint = url } }

// WithMaxBodyBytes bounds the size of a request body (default
// DefaultMaxBodyBytes).
func WithMaxBodyBytes(n int64) Option { return func(h *Handler) { h.maxBody = n } }

// OnRegisterContainerInstance sets a function called after every
// successful RegisterContainerInstance request with the registered
// instance, for example to start an agent for it. It runs before the
// response is sent; ctx is the request's context.
func OnRegisterContainerInstance(fn func(ctx context.Context, ci *ecs.ContainerInstance)) Option {
	return func(h *Handler) { h.onRegister = fn }
}

// New returns a Handler serving cp.
func New(cp *ecs.ControlPlane, opts ...Option) *Handler {
	h := &Handler{
		cp:      cp,
		log:     slog.New(slog.DiscardHandler),
		metrics: newMetrics(),
		now:     time.Now,
		maxBody: DefaultMaxBodyBytes,
	}
	for _, o := range opts {
		o(h)
	}
	if h.auth != nil {
		h.auth.region = cp.Region()
		h.auth.now = h.now
	}
	h.ops = h.operations()
	return h
}

// Authenticated reports whether the handler requires signed requests.
func (h *Handler) Authenticated() bool { return h.auth != nil }

// Actions lists the actions the handler serves, in no particular order.
func (h *Handler) Actions() []string {
	out := make([]string, 0, len(h.ops))
	for a := range h.ops {
		out = append(out, a)
	}
	return out
}

// ServeHTTP answers one ECS API call.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := newRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	action, out, err := h.serve(w, r)
	label := action
	if _, known := h.ops[action]; !known {
		label = "unknown"
	}
	if err != nil {
		code, status := errorCode(err)
		if status >= 500 {
			h.log.Error("ecs api call failed", "action", label, "code", code, "requestId", reqID, "err", err)
		} else {
			h.log.Debug("ecs api call refused", "action", label, "code", code, "requestId", reqID, "message", errorMessage(err))
		}
		writeError(w, code, errorMessage(err), status)
		h.metrics.observe(label, code, time.Since(start))
		return
	}
	b, merr := json.Marshal(out)
	if merr != nil {
		h.log.Error("encode response", "action", label, "requestId", reqID, "err", merr)
		writeError(w, string(ecs.ServerException), "An internal error occurred.", http.StatusInternalServerError)
		h.metrics.observe(label, string(ecs.ServerException), time.Since(start))
		return
	}
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	h.metrics.observe(label, "", time.Since(start))
	h.metrics.observePlacements(out)
}

// serve authenticates, decodes and dispatches one request; action is ""
// until the target is known.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request) (action string, out any, err error) {
	if r.Method != http.MethodPost {
		return "", nil, &apiError{code: codeUnknownOperation, message: "Only POST is supported.", status: http.StatusMethodNotAllowed}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", nil, &apiError{code: codeSerialization, message: "Request body too large.", status: http.StatusRequestEntityTooLarge}
		}
		return "", nil, &apiError{code: codeSerialization, message: "Could not read the request body.", status: http.StatusBadRequest}
	}
	if h.auth != nil {
		if err := h.auth.verify(r, body); err != nil {
			return "", nil, err
		}
	}
	target := r.Header.Get("X-Amz-Target")
	action, ok := strings.CutPrefix(target, TargetPrefix+".")
	if !ok {
		return "", nil, &apiError{code: codeUnknownOperation, message: "Unknown operation: " + quoteTarget(target), status: http.StatusBadRequest}
	}
	o, ok := h.ops[action]
	if !ok {
		return action, nil, &apiError{code: codeUnknownOperation, message: "Unknown operation: " + action, status: http.StatusBadRequest}
	}
	ctx := context.WithValue(r.Context(), baseURLKey{}, h.baseURL(r))
	out, err = o(ctx, body)
	return action, out, err
}

// baseURL is the URL the request was sent to, or the configured endpoint.
func (h *Handler) baseURL(r *http.Request) string {
	if h.endpoint != "" {
		return h.endpoint
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

type baseURLKey struct{}

func quoteTarget(t string) string {
	if t == "" {
		return "missing X-Amz-Target header"
	}
	if len(t) > 200 {
		t = t[:200]
	}
	return t
}

// newRequestID returns a random UUID, the form of ECS request IDs.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	s := hex.EncodeToString(b[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}
