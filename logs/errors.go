package logs

import (
	"errors"
	"fmt"
)

// Error codes, CloudWatch Logs' exception names.
const (
	CodeResourceNotFound      = "ResourceNotFoundException"
	CodeResourceAlreadyExists = "ResourceAlreadyExistsException"
	CodeInvalidParameter      = "InvalidParameterException"
	CodeServiceUnavailable    = "ServiceUnavailableException"
)

// Error is a refusal with CloudWatch Logs' exception name and message.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Is matches another *Error with the same code, so errors.Is(err,
// ErrResourceNotFound) works on any not-found error.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code && t.Message == ""
}

// Sentinels to match with errors.Is.
var (
	ErrResourceNotFound      = &Error{Code: CodeResourceNotFound}
	ErrResourceAlreadyExists = &Error{Code: CodeResourceAlreadyExists}
	ErrInvalidParameter      = &Error{Code: CodeInvalidParameter}
)

// Messages CloudWatch sends.
const (
	msgGroupNotFound  = "The specified log group does not exist."
	msgStreamNotFound = "The specified log stream does not exist."
	msgGroupExists    = "The specified log group already exists"
	msgStreamExists   = "The specified log stream already exists"
	msgBadToken       = "The specified nextToken is invalid."
)

func invalid(format string, args ...any) error {
	return &Error{Code: CodeInvalidParameter, Message: fmt.Sprintf(format, args...)}
}

func groupNotFound() error  { return &Error{Code: CodeResourceNotFound, Message: msgGroupNotFound} }
func streamNotFound() error { return &Error{Code: CodeResourceNotFound, Message: msgStreamNotFound} }
