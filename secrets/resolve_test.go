package secrets_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ecskit/ecs/secrets"
	"github.com/stretchr/testify/require"
)

// fixed returns a store with deterministic ARN suffixes.
func fixed() *secrets.Store {
	return secrets.NewStore(
		secrets.WithRegion("us-east-1"), secrets.WithAccount("123456789012"),
		secrets.WithClock(func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }),
		secrets.WithRandom(func(b []byte) {
			for i := range b {
				b[i] = byte(i)
			}
		}),
	)
}

func str(s string) *string { return &s }

func seed(t *testing.T, s *secrets.Store) (dbARN string) {
	t.Helper()
	ctx := context.Background()
	for _, p := range []secrets.PutParameterInput{
		{Name: "/app/db/password", Value: "pw-ssm", Type: secrets.TypeSecureString},
		{Name: "token", Value: "tok-ssm", Type: secrets.TypeString},
		{Name: "/single", Value: "single-ssm", Type: secrets.TypeString},
	} {
		_, err := s.PutParameter(ctx, p)
		require.NoError(t, err)
	}
	out, err := s.CreateSecret(ctx, secrets.CreateSecretInput{Name: "db", SecretString: str(`{"username":"admin","password":"pw-v1","port":5432}`)})
	require.NoError(t, err)
	_, err = s.CreateSecret(ctx, secrets.CreateSecretInput{Name: "plain", SecretString: str("plain-value")})
	require.NoError(t, err)
	return out.ARN
}

func TestResolveForms(t *testing.T) {
	ctx := context.Background()
	s := fixed()
	dbARN := seed(t, s)
	require.Equal(t, "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-abcdef", dbARN)
	put, err := s.PutSecretValue(ctx, secrets.PutSecretValueInput{SecretID: "db", SecretString: str(`{"username":"admin","password":"pw-v2"}`), ClientRequestToken: "v2-token-0000000000000000000000000000"})
	require.NoError(t, err)
	firstID := ""
	d, err := s.DescribeSecret(ctx, secrets.DescribeSecretInput{SecretID: dbARN})
	require.NoError(t, err)
	for id, stages := range d.VersionIDsToStages {
		if len(stages) == 1 && stages[0] == secrets.StagePrevious {
			firstID = id
		}
	}
	require.NotEmpty(t, firstID)

	cases := []struct{ name, valueFrom, want string }{
		{"ssm name", "/app/db/password", "pw-ssm"},
		{"ssm name without a path", "token", "tok-ssm"},
		{"ssm ARN of a path", "arn:aws:ssm:us-east-1:123456789012:parameter/app/db/password", "pw-ssm"},
		{"ssm ARN of a plain name", "arn:aws:ssm:us-east-1:123456789012:parameter/token", "tok-ssm"},
		{"ssm ARN of a one-level path", "arn:aws:ssm:us-east-1:123456789012:parameter/single", "single-ssm"},
		{"secret ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:plain-abcdef", "plain-value"},
		{"secret ARN without its suffix", "arn:aws:secretsmanager:us-east-1:123456789012:secret:plain", "plain-value"},
		{"whole JSON secret", dbARN, `{"username":"admin","password":"pw-v2"}`},
		{"json key", dbARN + ":password::", "pw-v2"},
		{"json key, no trailing parts", dbARN + ":username", "admin"},
		{"json key and stage", dbARN + ":password:AWSPREVIOUS:", "pw-v1"},
		{"json key and version id", dbARN + ":password::" + firstID, "pw-v1"},
		{"stage only", dbARN + "::AWSCURRENT:", `{"username":"admin","password":"pw-v2"}`},
		{"version id only", dbARN + ":::" + put.VersionID, `{"username":"admin","password":"pw-v2"}`},
		{"non-string json value", dbARN + ":port:AWSPREVIOUS:", "5432"},
		{"ssm reference to a secret", "/aws/reference/secretsmanager/plain", "plain-value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Resolve(ctx, tc.valueFrom)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestResolveErrors(t *testing.T) {
	ctx := context.Background()
	s := fixed()
	dbARN := seed(t, s)
	prefix := "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: "
	cases := []struct {
		name, valueFrom, code, reason string
	}{
		{"missing parameter", "/app/missing", secrets.CodeParameterNotFound,
			prefix + "unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid parameters: /app/missing"},
		{"missing parameter ARN", "arn:aws:ssm:us-east-1:123456789012:parameter/app/missing", secrets.CodeParameterNotFound,
			prefix + "unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid parameters: arn:aws:ssm:us-east-1:123456789012:parameter/app/missing"},
		{"missing secret", "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf", secrets.CodeResourceNotFound,
			prefix + "unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret."},
		{"missing json key", dbARN + ":nokey::", "",
			prefix + "unable to retrieve secret from asm: service call has been retried 1 time(s): retrieved secret from Secrets Manager did not contain json key nokey"},
		{"json key of a non-JSON secret", "arn:aws:secretsmanager:us-east-1:123456789012:secret:plain-abcdef:k::", "",
			prefix + "unable to retrieve secret from asm: service call has been retried 1 time(s): retrieved secret from Secrets Manager is not a JSON object, so it has no json key k"},
		{"missing stage", dbARN + "::AWSPENDING:", secrets.CodeResourceNotFound,
			prefix + "unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret " + dbARN + " from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret value for staging label: AWSPENDING"},
		{"missing version", dbARN + ":::0000", secrets.CodeResourceNotFound, ""},
		{"malformed secret ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret", secrets.CodeValidation, ""},
		{"too many parts", dbARN + ":a:b:c:d", secrets.CodeValidation, ""},
		{"other service", "arn:aws:s3:::bucket/key", secrets.CodeValidation, ""},
		{"empty", "", secrets.CodeValidation, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := s.Resolve(ctx, tc.valueFrom)
			require.Error(t, err)
			require.Empty(t, v)
			if tc.code != "" {
				var e *secrets.Error
				require.True(t, errors.As(err, &e), "%v", err)
				require.Equal(t, tc.code, e.Code)
			}
			if tc.reason != "" {
				require.Equal(t, tc.reason, secrets.StoppedReason(tc.valueFrom, err))
			}
			require.NotContains(t, secrets.StoppedReason(tc.valueFrom, err), "pw-")
		})
	}
	require.True(t, errors.Is(func() error { _, err := s.Resolve(ctx, "/x"); return err }(), secrets.ErrParameterNotFound))

	// A secret scheduled for deletion no longer resolves.
	_, err := s.DeleteSecret(ctx, secrets.DeleteSecretInput{SecretID: "plain", RecoveryWindowInDays: 7})
	require.NoError(t, err)
	_, err = s.Resolve(ctx, "arn:aws:secretsmanager:us-east-1:123456789012:secret:plain-abcdef")
	var e *secrets.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, secrets.CodeInvalidRequest, e.Code)
}

func TestProviderFunc(t *testing.T) {
	var p secrets.Provider = secrets.ProviderFunc(func(_ context.Context, v string) (string, error) { return "v:" + v, nil })
	got, err := p.Resolve(context.Background(), "x")
	require.NoError(t, err)
	require.Equal(t, "v:x", got)
}
