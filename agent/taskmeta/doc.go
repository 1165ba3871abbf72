// Package taskmeta is what a container of an ECS task finds around it: the
// task metadata endpoint (versions 4 and 3) and its task role's
// credentials, served by the agent that runs the task.
//
// A Server answers, per container endpoint ID (the last element of
// ECS_CONTAINER_METADATA_URI_V4 and ECS_CONTAINER_METADATA_URI):
//
//	/v4/<id>                 the container's document (ContainerResponse)
//	/v4/<id>/task            the task's (TaskResponse)
//	/v4/<id>/taskWithTags    the task's with the task and instance tags
//	/v4/<id>/stats           the container's Docker stats JSON
//	/v4/<id>/task/stats      every container's, by Docker ID
//	/v3/<id>…                the same without the fields version 4 added
//
// and, per credentials ID (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI),
// /v2/credentials/<id>: the task role's {AccessKeyId, SecretAccessKey,
// Token, Expiration, RoleArn} from a CredentialsProvider, while the task
// has not stopped. IDs are 128 random bits; one task's IDs never answer
// for another task, and an ID the server did not hand out answers 404 (or
// 400 for credentials, as ECS's agent does).
//
// The documents are built by Task and Container from what the agent knows
// (TaskInput), with the field names and shapes of the ECS agent; the
// package's tests check them against AWS's documented examples.
//
// Route sets up what makes the endpoint reachable at 169.254.170.2:80 the
// way the ECS agent does (a DNAT rule and route_localnet); it needs the
// privileges to change the host's firewall.
package taskmeta
