package reconcile

import "fmt"

// The texts of the events and reasons the scheduler writes (ECS-SPEC
// §5.3–5.6).

// MsgSteady is an event text.
func MsgSteady(svc string) string {
	return fmt.Sprintf("(service %s) has reached a steady state.", svc)
}

// MsgCompleted is an event text.
func MsgCompleted(svc, dep string) string {
	return fmt.Sprintf("(service %s) (deployment %s) deployment completed.", svc, dep)
}

// MsgThrottled is an event text.
func MsgThrottled(svc string) string {
	return fmt.Sprintf("(service %s) is unable to consistently start tasks successfully.", svc)
}

// MsgStuck is an event text.
func MsgStuck(svc string) string {
	return fmt.Sprintf("(service %s) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.", svc)
}

// MsgBreaker is an event text.
func MsgBreaker(svc, dep string) string {
	return fmt.Sprintf("(service %s) (deployment %s) deployment failed: tasks failed to start.", svc, dep)
}

// MsgRollback is an event text.
func MsgRollback(svc, failed, to string) string {
	return fmt.Sprintf("(service %s) (deployment %s) rolling back to (deployment %s).", svc, failed, to)
}

// MsgRollbackUncompleted says that the rollback goes to a deployment that
// never completed: no deployment had, so the service returns to what was
// running before the failed one.
func MsgRollbackUncompleted(svc, failed, to string) string {
	return fmt.Sprintf("(service %s) (deployment %s) rolling back to (deployment %s), which was PRIMARY before it: no deployment of this service has completed yet.", svc, failed, to)
}

// MsgUnhealthy is an event text.
func MsgUnhealthy(svc, task string) string {
	return fmt.Sprintf("(service %s) (task %s) failed container health checks.", svc, task)
}

// ReasonInProgress is a new deployment's rolloutStateReason.
func ReasonInProgress(dep string) string { return "ECS deployment " + dep + " in progress." }

func reasonCompleted(dep string) string { return "ECS deployment " + dep + " completed." }

const reasonBreaker = "ECS deployment circuit breaker: tasks failed to start."

// ReasonRollback is the rolloutStateReason of a rollback deployment.
func ReasonRollback(to string) string {
	return "ECS deployment circuit breaker: rolling back to deploymentId " + to + "."
}

// ReasonScaling is the stoppedReason of a task the scheduler stops for a
// deployment's sake.
func ReasonScaling(dep string) string {
	return "Scaling activity initiated by (deployment " + dep + ")"
}

// ReasonUnhealthy is the stoppedReason of a task stopped for failing its
// health checks.
const ReasonUnhealthy = "Task failed container health checks"
