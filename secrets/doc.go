// Package secrets resolves the secrets of ECS task definitions
// (containerDefinitions[].secrets[].valueFrom and
// logConfiguration.secretOptions[].valueFrom) and holds them for a host
// program that has no AWS account behind it.
//
// A Provider turns a valueFrom into its value. The host program may
// supply its own; Store is the built-in one, an in-memory SSM Parameter
// Store and Secrets Manager, and Client is one that asks an endpoint
// serving those APIs (ecsd) over HTTP. Every Provider built here resolves
// the forms ECS accepts:
//
//   - an SSM parameter name ("/app/db-password" or "token") or its ARN
//     ("arn:aws:ssm:us-east-1:123456789012:parameter/app/db-password");
//   - a Secrets Manager secret ARN
//     ("arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"),
//     optionally followed by ":json-key:version-stage:version-id", where
//     json-key picks one key of a JSON secret and each empty part takes
//     its default (the whole value, AWSCURRENT, the current version);
//   - "/aws/reference/secretsmanager/<secret name>", SSM's way of naming
//     a Secrets Manager secret.
//
// StoppedReason words a resolution failure as ECS stops the task for it
// (ResourceInitializationError, naming the secret, never its value).
//
// NewHandler serves a Store over the SSM (X-Amz-Target "AmazonSSM.<Action>",
// SigV4 service "ssm": PutParameter, GetParameter, GetParameters,
// GetParametersByPath, DeleteParameter, DeleteParameters) and Secrets
// Manager ("secretsmanager.<Action>", service "secretsmanager":
// CreateSecret, GetSecretValue, PutSecretValue, DeleteSecret,
// DescribeSecret) APIs, so the aws CLI can store them. SecureString
// parameters are stored as given, not encrypted; read without
// WithDecryption they come back base64-encoded, standing in for SSM's
// ciphertext, so that a caller that forgets to decrypt notices.
package secrets
