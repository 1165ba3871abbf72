// Package taskdef reads and checks ECS task definitions, with no control
// plane and no store: what RegisterTaskDefinition does to its input before
// the control plane gives it a revision.
//
//   - Parse reads a register-task-definition or describe-task-definition
//     JSON document, strictly (unknown keys and wrong JSON types are
//     errors naming their path).
//   - Normalize (and Validate, which only reports its verdict) applies
//     ECS's validation rules and fills in what ECS fills in: units,
//     defaults, compatibilities and requiresAttributes.
//   - Requirements is what one task reserves on a container instance;
//     ValidateOverride checks a RunTask override against its task
//     definition; ParseCPU and ParseMemory read task cpu and memory
//     strings; ValidateTags checks a request's tags.
//
// Every failure is a *types.Error (ClientException, or
// InvalidParameterException for overrides) whose Field names the input,
// such as "containerDefinitions[1].memory". The package imports only
// package types of ecskit; package ecs re-exports Parse, Normalize and the
// unit parsers as ecs.ParseTaskDefinition, ecs.NormalizeTaskDefinition,
// ecs.ParseTaskCPU and ecs.ParseTaskMemory.
package taskdef
