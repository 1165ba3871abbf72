package types

import (
	"errors"
	"fmt"
)

// Code is the name of an ECS exception, exactly as the ECS API spells it in
// the __type of an error response.
type Code string

// The ECS exceptions ecskit raises.
const (
	ClientException                            Code = "ClientException"
	ServerException                            Code = "ServerException"
	InvalidParameterException                  Code = "InvalidParameterException"
	ClusterNotFoundException                   Code = "ClusterNotFoundException"
	ClusterContainsContainerInstancesException Code = "ClusterContainsContainerInstancesException"
	ClusterContainsServicesException           Code = "ClusterContainsServicesException"
	ClusterContainsTasksException              Code = "ClusterContainsTasksException"
	ServiceNotFoundException                   Code = "ServiceNotFoundException"
	ServiceNotActiveException                  Code = "ServiceNotActiveException"
	AttributeLimitExceededException            Code = "AttributeLimitExceededException"
	TargetNotFoundException                    Code = "TargetNotFoundException"
	ResourceNotFoundException                  Code = "ResourceNotFoundException"
	LimitExceededException                     Code = "LimitExceededException"
	ConflictException                          Code = "ConflictException"
	AccessDeniedException                      Code = "AccessDeniedException"
	UnsupportedFeatureException                Code = "UnsupportedFeatureException"
	InactiveInstanceException                  Code = "InactiveInstanceException"
)

// Error is an ECS exception: a Code users can match and the message ECS
// would send.
//
// Match a code with errors.Is against a sentinel made by the code alone:
//
//	if errors.Is(err, types.ErrClusterNotFound) { … }
//
// or get at the fields with errors.As.
type Error struct {
	Code Code
	// Message is ECS's text, exactly as the API sends it.
	Message string
	// Field names the offending input, as a path such as
	// "containerDefinitions[1].memory", when one is known. It is not sent
	// over the API (ECS does not), but Error() shows it.
	Field string
	// Err is an underlying cause, if any.
	Err error
}

func (e *Error) Error() string {
	s := string(e.Code)
	if e.Field != "" {
		s += ": " + e.Field
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Code; a target with
// an empty Message matches any message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Code == e.Code && (t.Message == "" || t.Message == e.Message)
}

// Sentinels to match with errors.Is; they match every error of their code.
var (
	ErrClient                   = &Error{Code: ClientException}
	ErrServer                   = &Error{Code: ServerException}
	ErrInvalidParameter         = &Error{Code: InvalidParameterException}
	ErrClusterNotFound          = &Error{Code: ClusterNotFoundException}
	ErrClusterContainsInstances = &Error{Code: ClusterContainsContainerInstancesException}
	ErrClusterContainsServices  = &Error{Code: ClusterContainsServicesException}
	ErrClusterContainsTasks     = &Error{Code: ClusterContainsTasksException}
	ErrServiceNotFound          = &Error{Code: ServiceNotFoundException}
	ErrServiceNotActive         = &Error{Code: ServiceNotActiveException}
	ErrAttributeLimitExceeded   = &Error{Code: AttributeLimitExceededException}
	ErrTargetNotFound           = &Error{Code: TargetNotFoundException}
	ErrResourceNotFound         = &Error{Code: ResourceNotFoundException}
	ErrLimitExceeded            = &Error{Code: LimitExceededException}
	ErrConflict                 = &Error{Code: ConflictException}
	ErrAccessDenied             = &Error{Code: AccessDeniedException}
	ErrUnsupportedFeature       = &Error{Code: UnsupportedFeatureException}
	ErrInactiveInstance         = &Error{Code: InactiveInstanceException}
)

// Errorf builds an *Error of the given code with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the ECS exception name for err: its Code if it is (or
// wraps) an *Error, ServerException otherwise.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ServerException
}

// ErrorMessage returns the message ECS would send for err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}
