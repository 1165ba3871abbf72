// Package ecsapi serves an ecskit control plane over the Amazon ECS API, so
// that the aws CLI and the AWS SDKs drive it unchanged.
//
// The protocol is AWS JSON 1.1: every call is POST / with the header
// X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Action> and a JSON body
// of the action's request members; the response is the JSON of its output
// members, timestamps in epoch seconds. Errors are HTTP 400 (500 for
// ServerException) with {"__type": "<Exception>", "message": "…"}; an
// unknown action is an UnknownOperationException and a body that is not a
// JSON object of the right shape a SerializationException.
//
// Authentication: with WithCredentials, every request must carry an AWS
// Signature Version 4 for service "ecs" and the control plane's region,
// made with one of the configured access keys; the handler recomputes it
// with aws-sdk-go-v2's own signer. A request without a signature is
// refused with MissingAuthenticationTokenException, one naming an unknown
// key with UnrecognizedClientException, and a wrong signature or a date
// more than five minutes off with InvalidSignatureException. Without
// WithCredentials nothing is checked: serve such a handler on loopback
// only.
//
// Besides ECS's own actions the handler serves the calls of an ecskit
// agent (RegisterContainerInstance, DiscoverPollEndpoint, PollTasks,
// SubmitTaskStateChange, SubmitTaskStateChanges,
// SubmitContainerStateChange), so an agent on
// another host can use it. MetricsHandler exposes request counts and
// latencies, placements, and tasks by status in the Prometheus text format.
package ecsapi
