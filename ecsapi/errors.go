package ecsapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/ecskit/ecs"
)

// Protocol and authentication error codes: the AWS JSON protocol's own
// exceptions, which are not ECS exceptions.
const (
	codeUnknownOperation     = "UnknownOperationException"
	codeSerialization        = "SerializationException"
	codeMissingAuthToken     = "MissingAuthenticationTokenException"
	codeUnrecognizedClient   = "UnrecognizedClientException"
	codeInvalidSignature     = "InvalidSignatureException"
	codeIncompleteSignature  = "IncompleteSignatureException"
	internalErrorMessage     = "An internal error occurred."
	messageMissingAuthToken  = "Missing Authentication Token"
	messageUnrecognizedToken = "The security token included in the request is invalid."
	messageSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// apiError is an error the handler itself raises: a protocol or
// authentication failure.
type apiError struct {
	code    string
	message string
	status  int
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

// errorCode maps err to the __type and HTTP status of its response. ECS
// exceptions are client errors (400) except ServerException (500); any
// other error is a ServerException.
func errorCode(err error) (code string, status int) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.code, ae.status
	}
	c := ecs.ErrorCode(err)
	if c == ecs.ServerException {
		return string(c), http.StatusInternalServerError
	}
	return string(c), http.StatusBadRequest
}

// errorMessage is the message sent for err; internal errors are not
// described to the caller.
func errorMessage(err error) string {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.message
	}
	var ee *ecs.Error
	if errors.As(err, &ee) && ee.Code != ecs.ServerException {
		return ee.Message
	}
	return internalErrorMessage
}

// writeError sends {"__type": code, "message": message}.
func writeError(w http.ResponseWriter, code, message string, status int) {
	b, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{code, message})
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
