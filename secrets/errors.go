package secrets

import "errors"

// Error codes: SSM's and Secrets Manager's exception names.
const (
	CodeParameterNotFound        = "ParameterNotFound"
	CodeParameterAlreadyExists   = "ParameterAlreadyExists"
	CodeParameterVersionNotFound = "ParameterVersionNotFound"
	CodeValidation               = "ValidationException"
	CodeUnsupportedParameterType = "UnsupportedParameterType"
	CodeInvalidNextToken         = "InvalidNextToken"
	CodeResourceNotFound         = "ResourceNotFoundException"
	CodeResourceExists           = "ResourceExistsException"
	CodeInvalidParameter         = "InvalidParameterException"
	CodeInvalidRequest           = "InvalidRequestException"
)

// Error is a refusal with the service's exception name and message.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// Is matches a sentinel *Error of the same code (one with no message).
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code && t.Message == ""
}

// Sentinels to match with errors.Is.
var (
	ErrParameterNotFound = &Error{Code: CodeParameterNotFound}
	ErrResourceNotFound  = &Error{Code: CodeResourceNotFound}
)

const msgSecretNotFound = "Secrets Manager can't find the specified secret."

func validation(msg string) error { return &Error{Code: CodeValidation, Message: msg} }
