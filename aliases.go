package ecs

import (
	"time"

	"github.com/ecskit/ecs/taskdef"
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

// Parsing, normalisation and validation of task definitions live in
// package taskdef; the control plane keeps registration and revisions.

// CPUUnitsPerVCPU is the number of CPU units in one vCPU.
const CPUUnitsPerVCPU = taskdef.CPUUnitsPerVCPU

// ParseTaskDefinition reads a register-task-definition or
// describe-task-definition JSON document; see taskdef.Parse.
func ParseTaskDefinition(data []byte) (*RegisterTaskDefinitionInput, error) {
	return taskdef.Parse(data)
}

// NormalizeTaskDefinition validates a RegisterTaskDefinition request and
// returns the task definition ECS would register; see taskdef.Normalize.
func NormalizeTaskDefinition(in *RegisterTaskDefinitionInput) (*TaskDefinition, error) {
	return taskdef.Normalize(in)
}

// ParseTaskCPU converts a task cpu string ("512", "0.5 vCPU") to CPU
// units; see taskdef.ParseCPU.
func ParseTaskCPU(s string) (int64, bool) { return taskdef.ParseCPU(s) }

// ParseTaskMemory converts a task memory string ("2048", "2 GB") to MiB;
// see taskdef.ParseMemory.
func ParseTaskMemory(s string) (int64, bool) { return taskdef.ParseMemory(s) }

// ValidateTaskOverride checks a RunTask or StartTask override against its
// task definition; see taskdef.ValidateOverride.
func ValidateTaskOverride(td *TaskDefinition, ov *TaskOverride) error {
	return taskdef.ValidateOverride(td, ov)
}

// validateTags checks a request's tags.
func validateTags(tags []Tag) error { return taskdef.ValidateTags(tags) }
