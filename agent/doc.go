// Package agent is the ecskit container agent: one per container instance,
// it does on a container engine what the ECS agent does on an EC2 instance.
//
// An Agent registers its engine with the control plane as a container
// instance (resources, attributes, capabilities), long-polls the control
// plane for the desired state of its tasks (the poll doubles as its
// heartbeat), drives the runtime to match (pull, create and start
// containers in dependsOn order; stop them in reverse order), and reports
// every observed transition back with SubmitContainerStateChange and
// SubmitTaskStateChange. It enforces the ECS rules that live on the
// instance: essential containers, dependsOn conditions and start timeouts,
// stop timeouts with SIGKILL, health checks, OOM and vanished containers,
// and cleanup of stopped containers after a wait.
//
// The agent talks to the control plane only through the ControlPlane
// interface and to the engine only through runtime.Runtime, and every timer
// runs on the injected clock, so a whole instance can be simulated with
// runtime/fake and clock.Fake.
//
// Each task is driven by at most one goroutine at a time, the only writer
// of its state; a task with nothing to do (a RUNNING task waiting for its
// next reconcile, or for an engine call) has none, and one goroutine per
// agent wakes tasks at their deadlines. An idle task costs the agent only
// its state, so that one agent can carry many tasks.
//
// Restart safety: given the same StateFile (or ContainerInstanceArn), a new
// Agent re-registers the same instance, adopts the containers its
// predecessor created (found by their labels), and reports STOPPED, with
// ContainerVanishedError, whatever the engine lost meanwhile.
package agent
