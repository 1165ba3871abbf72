// Package e2e holds ecskit's end-to-end proofs on real Docker engines: the
// control plane, agents and the Docker runtime wired together as a host
// program wires them, with nothing faked.
//
//   - TestTwoEngines: two agents on two engines (the machine's and a second
//     dockerd of the test's own) register as container instances in two
//     Availability Zones; placement spreads tasks over them and memberOf
//     pins tasks to one, and each task's container exists on the engine of
//     the instance it was placed on, and only there.
//   - TestRollingDeployment: a REPLICA service rolls from one image to
//     another on the real engine; containers with a health check count as
//     healthy once the engine says HEALTHY.
//   - TestBadUpdateRightAfterStableRollsBack: issue 10 on the real engine.
//     A service of 3 tasks, updated while its tasks are young to an image
//     that does not exist (on a loopback registry of the test's own), keeps
//     3 tasks RUNNING while the new tasks fail with CannotPullContainerError;
//     the circuit breaker fails the deployment and rolls the service back.
//   - BenchmarkStart20: starting 20 one-container tasks through ecskit
//     against creating and starting the same 20 containers with the raw
//     moby client.
//
// The tests need a Docker engine: without one they skip, and under
// ECSKIT_REQUIRE_DOCKER=1 (as in CI) they fail. Everything they create is
// labelled ecskit.test=1 and removed when they end.
//
//	go test -race ./e2e/
//	go test -run '^$' -bench Start20 -benchtime 3x -count 5 ./e2e/
package e2e
