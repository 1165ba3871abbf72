// Package types holds the ECS shapes: the requests and responses of the
// ECS actions ecskit serves (RunTaskInput, DescribeServicesOutput, …), the
// resources they carry (Cluster, ContainerInstance, TaskDefinition, Task,
// Service, …) with ECS's JSON field names, the calls between an agent and
// the control plane (PollTasksInput, SubmitTaskStateChangeInput, …), the
// ECS exceptions as *Error values, and Time, which travels as ECS sends
// timestamps.
//
// It imports nothing of ecskit, as aws-sdk-go-v2 keeps ecs/types apart
// from its client, so that a remote agent or an API client can speak to a
// control plane without linking one. The root package ecs names every
// type, constant and sentinel of this package too (ecs.Task is
// types.Task), so a host program may use either.
package types
