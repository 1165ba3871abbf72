// Package awsjson holds what the logs and secrets APIs share of the AWS
// JSON 1.1 protocol: one POST per call, the action named by X-Amz-Target
// as "<prefix>.<Action>", a JSON body, and errors as
// {"__type": "<Code>", "message": "…"} with the code repeated in the
// X-Amzn-ErrorType header. Authentication is injected (see Authenticator),
// so these packages need not know the keys or import ecsapi.
package awsjson

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
)

// ContentType is the media type of every request and response body.
const ContentType = "application/x-amz-json-1.1"

// DefaultMaxBodyBytes bounds a request body unless a Service says otherwise.
const DefaultMaxBodyBytes = 10 << 20

// Protocol error codes, shared by every AWS JSON service.
const (
	CodeUnknownOperation = "UnknownOperationException"
	CodeSerialization    = "SerializationException"
)

// Error is an error a service answers with: the exception name (__type),
// its message and the HTTP status.
type Error struct {
	Code    string
	Message string
	// Status is the HTTP status; 0 means 400.
	Status int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// HTTPStatus is the status the error is sent with.
func (e *Error) HTTPStatus() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

// Authenticator checks a request's signature. The error it returns is
// sent to the client; an *Error keeps its code and status, anything else
// becomes an InternalFailure.
type Authenticator interface {
	Authenticate(r *http.Request, body []byte, signingName string) error
}

// Op answers one action: body is the raw request JSON.
type Op func(ctx context.Context, body []byte) (any, error)

// Service serves one AWS JSON 1.1 API.
type Service struct {
	// TargetPrefix is the part of X-Amz-Target before the dot.
	TargetPrefix string
	// SigningName is the SigV4 service name passed to Auth.
	SigningName string
	// Ops maps action names to their implementations.
	Ops map[string]Op
	// Auth, when set, must accept every request.
	Auth Authenticator
	// MaxBodyBytes bounds a request body (0: DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// UpperMessage sends "Message" instead of "message" in error bodies,
	// as Secrets Manager does.
	UpperMessage bool
	// Log receives one line per refused or failed call (nil: discard).
	Log *slog.Logger
	// Internal maps an error that is not an *Error to one; nil means
	// every such error is an internal failure.
	Internal func(error) *Error
}

// Matches reports whether r is addressed to this service.
func (s *Service) Matches(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("X-Amz-Target"), s.TargetPrefix+".")
}

// ServeHTTP answers one call.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-amzn-RequestId", NewRequestID())
	action, out, err := s.serve(w, r)
	if err != nil {
		e := s.asError(err)
		log := s.Log
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		if e.HTTPStatus() >= 500 {
			log.Error("api call failed", "service", s.SigningName, "action", action, "code", e.Code, "err", err)
		} else {
			log.Debug("api call refused", "service", s.SigningName, "action", action, "code", e.Code, "message", e.Message)
		}
		WriteError(w, e, s.UpperMessage)
		return
	}
	WriteJSON(w, out)
}

func (s *Service) asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if s.Internal != nil {
		if e := s.Internal(err); e != nil {
			return e
		}
	}
	return &Error{Code: "InternalFailure", Message: "An internal error occurred.", Status: http.StatusInternalServerError}
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request) (string, any, error) {
	if r.Method != http.MethodPost {
		return "", nil, &Error{Code: CodeUnknownOperation, Message: "Only POST is supported.", Status: http.StatusMethodNotAllowed}
	}
	limit := s.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", nil, &Error{Code: CodeSerialization, Message: "Request body too large.", Status: http.StatusRequestEntityTooLarge}
		}
		return "", nil, &Error{Code: CodeSerialization, Message: "Could not read the request body."}
	}
	if s.Auth != nil {
		if err := s.Auth.Authenticate(r, body, s.SigningName); err != nil {
			return "", nil, err
		}
	}
	target := r.Header.Get("X-Amz-Target")
	action, ok := strings.CutPrefix(target, s.TargetPrefix+".")
	if !ok {
		if len(target) > 200 {
			target = target[:200]
		}
		return "", nil, &Error{Code: CodeUnknownOperation, Message: "Unknown operation: " + target}
	}
	op, ok := s.Ops[action]
	if !ok {
		return action, nil, &Error{Code: CodeUnknownOperation, Message: "Unknown operation: " + action}
	}
	out, err := op(r.Context(), body)
	return action, out, err
}

// Decode reads a request body into v. An empty body is an empty request;
// anything but one JSON object is a SerializationException.
func Decode(body []byte, v any) error {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return nil
	}
	if b[0] != '{' {
		return &Error{Code: CodeSerialization, Message: "Start of structure or map expected."}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return &Error{Code: CodeSerialization, Message: describe(err)}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &Error{Code: CodeSerialization, Message: "Unexpected data after the request object."}
	}
	return nil
}

func describe(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		msg := "Unexpected " + te.Value
		if te.Field != "" {
			msg += " at '" + te.Field + "'"
		}
		return msg + "."
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "Malformed JSON: " + se.Error() + "."
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "Malformed JSON: unexpected end of input."
	}
	return "Invalid request: " + err.Error()
}

// Decoded wraps a typed handler as an Op: the body is decoded into a new
// In and fn's result is the response.
func Decoded[In any, Out any](fn func(context.Context, *In) (Out, error)) Op {
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if err := Decode(body, in); err != nil {
			return nil, err
		}
		return fn(ctx, in)
	}
}

// WriteJSON sends out as a 200 answer; a nil out is {}.
func WriteJSON(w http.ResponseWriter, out any) {
	var b []byte
	if out == nil {
		b = []byte("{}")
	} else {
		var err error
		if b, err = json.Marshal(out); err != nil {
			WriteError(w, &Error{Code: "InternalFailure", Message: "An internal error occurred.", Status: http.StatusInternalServerError}, false)
			return
		}
	}
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// WriteError sends e as {"__type": code, "message": message} ("Message"
// when upper is set).
func WriteError(w http.ResponseWriter, e *Error, upper bool) {
	key := "message"
	if upper {
		key = "Message"
	}
	b, _ := json.Marshal(map[string]string{"__type": e.Code, key: e.Message})
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(b)
}

// NewRequestID returns a random UUID, the form of AWS request IDs.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	s := hex.EncodeToString(b[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}
