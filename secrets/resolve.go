package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Provider resolves the valueFrom of a task definition's secret to its
// value. Implementations are safe for concurrent use and never log
// values.
type Provider interface {
	Resolve(ctx context.Context, valueFrom string) (string, error)
}

// ProviderFunc adapts a function to Provider.
type ProviderFunc func(ctx context.Context, valueFrom string) (string, error)

// Resolve calls f.
func (f ProviderFunc) Resolve(ctx context.Context, valueFrom string) (string, error) {
	return f(ctx, valueFrom)
}

// backend is what resolve needs of a store: the two reads.
type backend interface {
	GetParameter(ctx context.Context, in GetParameterInput) (GetParameterOutput, error)
	GetSecretValue(ctx context.Context, in GetSecretValueInput) (GetSecretValueOutput, error)
}

// Reference is a parsed valueFrom.
type Reference struct {
	// Service is "ssm" or "secretsmanager".
	Service string
	// ID is the parameter name or ARN, or the secret's ARN (without the
	// json-key, version-stage and version-id parts) or name.
	ID           string
	JSONKey      string
	VersionStage string
	VersionID    string
}

const smReference = "/aws/reference/secretsmanager/"

// ParseValueFrom reads the forms of valueFrom ECS accepts.
func ParseValueFrom(valueFrom string) (Reference, error) {
	switch {
	case valueFrom == "":
		return Reference{}, &Error{Code: CodeValidation, Message: "valueFrom is empty"}
	case strings.HasPrefix(valueFrom, smReference):
		return Reference{Service: "secretsmanager", ID: strings.TrimPrefix(valueFrom, smReference)}, nil
	case !strings.HasPrefix(valueFrom, "arn:"):
		return Reference{Service: "ssm", ID: valueFrom}, nil
	}
	f := strings.Split(valueFrom, ":")
	if len(f) < 6 {
		return Reference{}, &Error{Code: CodeValidation, Message: "valueFrom " + valueFrom + " is not a valid ARN"}
	}
	switch f[2] {
	case "ssm":
		if !strings.HasPrefix(f[5], "parameter/") {
			return Reference{}, &Error{Code: CodeValidation, Message: "valueFrom " + valueFrom + " is not an SSM parameter ARN"}
		}
		return Reference{Service: "ssm", ID: valueFrom}, nil
	case "secretsmanager":
		if f[5] != "secret" || len(f) < 7 || len(f) > 10 || f[6] == "" {
			return Reference{}, &Error{Code: CodeValidation, Message: "valueFrom " + valueFrom + " is not a Secrets Manager secret ARN (arn:aws:secretsmanager:region:account:secret:name[:json-key:version-stage:version-id])"}
		}
		r := Reference{Service: "secretsmanager", ID: strings.Join(f[:7], ":")}
		parts := append(f[7:], "", "", "")
		r.JSONKey, r.VersionStage, r.VersionID = parts[0], parts[1], parts[2]
		return r, nil
	}
	return Reference{}, &Error{Code: CodeValidation, Message: "valueFrom " + valueFrom + " names neither SSM nor Secrets Manager"}
}

// resolve reads a reference through a backend.
func resolve(ctx context.Context, b backend, valueFrom string) (string, error) {
	ref, err := ParseValueFrom(valueFrom)
	if err != nil {
		return "", err
	}
	if ref.Service == "ssm" {
		out, err := b.GetParameter(ctx, GetParameterInput{Name: ref.ID, WithDecryption: true})
		if err != nil {
			return "", err
		}
		return out.Parameter.Value, nil
	}
	out, err := b.GetSecretValue(ctx, GetSecretValueInput{SecretID: ref.ID, VersionStage: ref.VersionStage, VersionID: ref.VersionID})
	if err != nil {
		return "", err
	}
	value := string(out.SecretBinary)
	if out.SecretString != nil {
		value = *out.SecretString
	}
	if ref.JSONKey == "" {
		return value, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(value), &m); err != nil {
		return "", &jsonKeyError{key: ref.JSONKey, notJSON: true}
	}
	v, ok := m[ref.JSONKey]
	if !ok {
		return "", &jsonKeyError{key: ref.JSONKey}
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	b2, _ := json.Marshal(v)
	return string(b2), nil
}

// jsonKeyError says a JSON secret lacks the key valueFrom asks for (or is
// not JSON); it never holds the value.
type jsonKeyError struct {
	key     string
	notJSON bool
}

func (e *jsonKeyError) Error() string {
	if e.notJSON {
		return "retrieved secret from Secrets Manager is not a JSON object, so it has no json key " + e.key
	}
	return "retrieved secret from Secrets Manager did not contain json key " + e.key
}

// Resolve implements Provider.
func (s *Store) Resolve(ctx context.Context, valueFrom string) (string, error) {
	return resolve(ctx, s, valueFrom)
}

// reasonPrefix starts every stoppedReason of a task whose secrets could
// not be retrieved, as ECS words it.
const reasonPrefix = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: "

// StoppedReason is the stoppedReason ECS gives a task that stopped
// because valueFrom could not be resolved (err is the Provider's error).
// It names the secret, never a value.
func StoppedReason(valueFrom string, err error) string {
	ref, perr := ParseValueFrom(valueFrom)
	if perr != nil {
		return reasonPrefix + perr.Error()
	}
	var e *Error
	isErr := errors.As(err, &e)
	if ref.Service == "ssm" {
		detail := err.Error()
		if isErr && (e.Code == CodeParameterNotFound || e.Code == CodeParameterVersionNotFound) {
			detail = "invalid parameters: " + valueFrom
		}
		return reasonPrefix + "unable to retrieve secrets from ssm: service call has been retried 1 time(s): " + detail
	}
	var jk *jsonKeyError
	if errors.As(err, &jk) {
		return reasonPrefix + "unable to retrieve secret from asm: service call has been retried 1 time(s): " + jk.Error()
	}
	return reasonPrefix + fmt.Sprintf("unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret %s from secrets manager: %v", ref.ID, err)
}
