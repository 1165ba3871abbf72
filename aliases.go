package ecs

import (
	"time"

	"github.com/ecskit/ecs/types"
)

// The ECS shapes (requests, responses and the resources they carry) live
// in package types, as aws-sdk-go-v2 keeps ecs/types apart from its
// client; aliases_gen.go names every one of them here too, so ecs.Task and
// types.Task are the same type.

//go:generate go run ./internal/aliasgen

// ErrorCode returns the ECS exception name for err: its Code if it is (or
// wraps) an *Error, ServerException otherwise.
func ErrorCode(err error) Code { return types.ErrorCode(err) }

// ErrorMessage returns the message ECS would send for err.
func ErrorMessage(err error) string { return types.ErrorMessage(err) }

// NewTime wraps t, rounded to milliseconds as ECS reports times.
func NewTime(t time.Time) Time { return types.NewTime(t) }

// errorf builds an *Error with a formatted message.
func errorf(code Code, format string, args ...any) *Error {
	return types.Errorf(code, format, args...)
}

// clientErr is the common ClientException.
func clientErr(format string, args ...any) *Error {
	return types.Errorf(ClientException, format, args...)
}

// invalidParam is the common InvalidParameterException.
func invalidParam(format string, args ...any) *Error {
	return types.Errorf(InvalidParameterException, format, args...)
}
