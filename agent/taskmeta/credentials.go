package taskmeta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"
)

// Credentials are temporary AWS credentials of one IAM role.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Expiration is when they stop working; SDKs refresh them before.
	Expiration time.Time
}

// String hides the secrets, so that credentials printed by mistake leak
// nothing but the access key ID.
func (c Credentials) String() string {
	return fmt.Sprintf("{AccessKeyID:%s SecretAccessKey:<hidden> SessionToken:<hidden> Expiration:%s}", c.AccessKeyID, c.Expiration.Format(time.RFC3339))
}

// GoString hides the secrets from %#v as well.
func (c Credentials) GoString() string { return c.String() }

// CredentialsProvider gives the credentials of task roles: what ECS gets
// by assuming a task's taskRoleArn. The host program supplies it.
type CredentialsProvider interface {
	// Credentials returns the role's credentials; an error matching
	// ErrRoleNotServed means the provider cannot serve that role.
	Credentials(ctx context.Context, roleARN string) (Credentials, error)
}

// ErrRoleNotServed means a provider has no credentials for a role.
var ErrRoleNotServed = errors.New("taskmeta: role not served")

// AssumeRoleFailure is the stopped reason of a task whose role cannot be
// served: the text ECS gives when it cannot assume a task's role.
func AssumeRoleFailure(roleARN string) string {
	return "ECS was unable to assume the role '" + roleARN + "' that was provided for this task. " +
		"Please verify that the role being passed has the proper trust relationship and permissions " +
		"and that your IAM user has permissions to pass this role."
}

// StaticProvider serves fixed keys per role ARN. Each answer is valid for
// Validity (default one hour) from the time of the call.
type StaticProvider struct {
	Roles    map[string]StaticKey
	Validity time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// StaticKey is one role's keys, as in the -task-credentials file of ecsd.
type StaticKey struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	SessionToken    string `json:"sessionToken,omitempty"`
}

// Credentials implements CredentialsProvider.
func (p *StaticProvider) Credentials(_ context.Context, roleARN string) (Credentials, error) {
	k, ok := p.Roles[roleARN]
	if !ok {
		return Credentials{}, fmt.Errorf("%w: %s", ErrRoleNotServed, roleARN)
	}
	now, validity := time.Now, p.Validity
	if p.Now != nil {
		now = p.Now
	}
	if validity <= 0 {
		validity = time.Hour
	}
	return Credentials{
		AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, SessionToken: k.SessionToken,
		Expiration: now().Add(validity).UTC().Truncate(time.Second),
	}, nil
}

// LoadCredentialsFile reads a JSON object of role ARN -> {"accessKeyId",
// "secretAccessKey", "sessionToken"} into a StaticProvider. Errors name
// the role, never its keys.
func LoadCredentialsFile(path string) (*StaticProvider, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("task credentials: %w", err)
	}
	var roles map[string]StaticKey
	if err := json.Unmarshal(b, &roles); err != nil {
		return nil, fmt.Errorf("task credentials %s: not a JSON object of role ARN to keys", path)
	}
	arns := make([]string, 0, len(roles))
	for arn := range roles {
		arns = append(arns, arn)
	}
	sort.Strings(arns)
	for _, arn := range arns {
		if k := roles[arn]; k.AccessKeyID == "" || k.SecretAccessKey == "" {
			return nil, fmt.Errorf("task credentials %s: role %s: accessKeyId and secretAccessKey are required", path, arn)
		}
	}
	return &StaticProvider{Roles: roles}, nil
}
