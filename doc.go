// Package ecs is ecskit's control plane: Amazon ECS semantics (clusters,
// container instances, task definitions, tasks and services, placed exactly
// as ECS places them) on real Docker hosts, embeddable in any Go program.
//
// Open a ControlPlane, register container engines as container instances
// (the agent package does that for a Docker engine or for the in-memory
// fake runtime), register task definitions and run tasks:
//
//	cp, err := ecs.Open(ecs.WithRegion("eu-west-1"))
//	…
//	ag := agent.New(agent.Config{ControlPlane: cp, Runtime: rt})
//	go ag.Run(ctx)
//	cp.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{…})
//	cp.RunTask(ctx, &ecs.RunTaskInput{TaskDefinition: "web", Count: aws.Int64(3)})
//
// Every operation is a method named after its ECS action, taking and
// returning structs with ECS's JSON field names, so the ecsapi package can
// serve the same control plane to the aws CLI and the AWS SDKs. Errors are
// *Error values whose Code is the ECS exception name. These shapes are
// declared in package types, which imports nothing of ecskit (a remote
// agent or an API client uses it without linking a control plane); every
// one of them is named here too, so ecs.Task is types.Task. Package
// taskdef reads and validates task definitions without a control plane.
//
// State lives in a store.Store (store/memory by default); time,
// randomness and IDs are injected through options, so whole clusters can be
// simulated under a fake clock.
package ecs
