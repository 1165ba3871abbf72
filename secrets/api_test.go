package secrets_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/ecskit/ecs/ecsapi"
	"github.com/ecskit/ecs/secrets"
	"github.com/stretchr/testify/require"
)

const (
	key    = "AKIDSECRETSTEST"
	secret = "secrets-test-secret"
)

func serve(t *testing.T, s *secrets.Store) string {
	t.Helper()
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	h := secrets.NewHandler(s, secrets.WithAuthenticator(ecsapi.NewAuthenticator(map[string]string{key: secret}, "us-east-1", nil)))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func ssmClient(url, sk string) *ssm.Client {
	return ssm.New(ssm.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider(key, sk, "")})
}

func smClient(url string) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
}

func TestSSMWithTheSDK(t *testing.T) {
	ctx := context.Background()
	url := serve(t, secrets.NewStore(secrets.WithAccount("123456789012")))
	c := ssmClient(url, secret)

	put, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/db/password"), Value: aws.String("s3cr3t"), Type: ssmtypes.ParameterTypeSecureString})
	require.NoError(t, err)
	require.Equal(t, int64(1), put.Version)
	_, err = c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/db/password"), Value: aws.String("again"), Type: ssmtypes.ParameterTypeSecureString})
	var exists *ssmtypes.ParameterAlreadyExists
	require.ErrorAs(t, err, &exists)
	put, err = c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/db/password"), Value: aws.String("s3cr3t-2"), Overwrite: aws.Bool(true)})
	require.NoError(t, err)
	require.Equal(t, int64(2), put.Version)
	_, err = c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/hosts"), Value: aws.String("a,b"), Type: ssmtypes.ParameterTypeStringList})
	require.NoError(t, err)
	_, err = c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/deep/x/y"), Value: aws.String("deep"), Type: ssmtypes.ParameterTypeString})
	require.NoError(t, err)
	_, err = c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/aws/mine"), Value: aws.String("x"), Type: ssmtypes.ParameterTypeString})
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "ValidationException", ae.ErrorCode())

	got, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/db/password"), WithDecryption: aws.Bool(true)})
	require.NoError(t, err)
	p := got.Parameter
	require.Equal(t, "s3cr3t-2", aws.ToString(p.Value))
	require.Equal(t, ssmtypes.ParameterTypeSecureString, p.Type)
	require.Equal(t, int64(2), p.Version)
	require.Equal(t, "arn:aws:ssm:us-east-1:123456789012:parameter/app/db/password", aws.ToString(p.ARN))
	require.NotNil(t, p.LastModifiedDate)
	enc, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/db/password")})
	require.NoError(t, err)
	require.Equal(t, base64.StdEncoding.EncodeToString([]byte("s3cr3t-2")), aws.ToString(enc.Parameter.Value), "a SecureString read without decryption is not the plain value")
	byARN, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: p.ARN, WithDecryption: aws.Bool(true)})
	require.NoError(t, err)
	require.Equal(t, "s3cr3t-2", aws.ToString(byARN.Parameter.Value))
	_, err = c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/none")})
	var nf *ssmtypes.ParameterNotFound
	require.ErrorAs(t, err, &nf)

	many, err := c.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{"/app/hosts", "/app/none"}})
	require.NoError(t, err)
	require.Len(t, many.Parameters, 1)
	require.Equal(t, []string{"/app/none"}, many.InvalidParameters)

	direct, err := c.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/app")})
	require.NoError(t, err)
	require.Len(t, direct.Parameters, 1, "only /app/hosts is a direct child")
	pg := ssm.NewGetParametersByPathPaginator(c, &ssm.GetParametersByPathInput{Path: aws.String("/app"), Recursive: aws.Bool(true), MaxResults: aws.Int32(1)})
	var names []string
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		require.NoError(t, err)
		for _, p := range out.Parameters {
			names = append(names, aws.ToString(p.Name))
		}
	}
	require.Equal(t, []string{"/app/db/password", "/app/deep/x/y", "/app/hosts"}, names)

	_, err = c.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String("/app/hosts")})
	require.NoError(t, err)
	_, err = c.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String("/app/hosts")})
	require.ErrorAs(t, err, &nf)

	_, err = ssmClient(url, "wrong").GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/db/password")})
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "InvalidSignatureException", ae.ErrorCode())
}

func TestSecretsManagerWithTheSDK(t *testing.T) {
	ctx := context.Background()
	s := secrets.NewStore(secrets.WithAccount("123456789012"))
	url := serve(t, s)
	c := smClient(url)

	created, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("prod/db"), SecretString: aws.String(`{"password":"p1"}`)})
	require.NoError(t, err)
	require.Regexp(t, `^arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-[A-Za-z0-9]{6}$`, aws.ToString(created.ARN))
	require.NotEmpty(t, aws.ToString(created.VersionId))
	_, err = c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("prod/db"), SecretString: aws.String("x")})
	var exists *smtypes.ResourceExistsException
	require.ErrorAs(t, err, &exists)
	_, err = c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("both"), SecretString: aws.String("x"), SecretBinary: []byte("y")})
	var badParam *smtypes.InvalidParameterException
	require.ErrorAs(t, err, &badParam)

	v, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: created.ARN})
	require.NoError(t, err)
	require.Equal(t, `{"password":"p1"}`, aws.ToString(v.SecretString))
	require.Equal(t, []string{"AWSCURRENT"}, v.VersionStages)
	require.NotNil(t, v.CreatedDate)

	put, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("prod/db"), SecretString: aws.String(`{"password":"p2"}`)})
	require.NoError(t, err)
	require.Equal(t, []string{"AWSCURRENT"}, put.VersionStages)
	prev, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("prod/db"), VersionStage: aws.String("AWSPREVIOUS")})
	require.NoError(t, err)
	require.Equal(t, `{"password":"p1"}`, aws.ToString(prev.SecretString))
	require.Equal(t, aws.ToString(created.VersionId), aws.ToString(prev.VersionId))

	bin, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("bin"), SecretBinary: []byte{0, 1, 2}})
	require.NoError(t, err)
	bv, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: bin.ARN})
	require.NoError(t, err)
	require.Equal(t, []byte{0, 1, 2}, bv.SecretBinary)

	_, err = c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("nope")})
	var nf *smtypes.ResourceNotFoundException
	require.ErrorAs(t, err, &nf)
	require.Equal(t, "Secrets Manager can't find the specified secret.", aws.ToString(nf.Message))

	del, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("prod/db")})
	require.NoError(t, err)
	require.NotNil(t, del.DeletionDate)
	_, err = c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("prod/db")})
	var invalid *smtypes.InvalidRequestException
	require.ErrorAs(t, err, &invalid)
	_, err = c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("bin"), ForceDeleteWithoutRecovery: aws.Bool(true)})
	require.NoError(t, err)
	_, err = c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("bin")})
	require.ErrorAs(t, err, &nf)
}

// TestClientResolves resolves every kind of valueFrom through the HTTP
// Client, as a remote agent does.
func TestClientResolves(t *testing.T) {
	ctx := context.Background()
	s := fixed()
	dbARN := seed(t, s)
	url := serve(t, s)
	cl := secrets.NewClient(url, "us-east-1", key, secret, nil)
	for valueFrom, want := range map[string]string{
		"/app/db/password": "pw-ssm",
		"arn:aws:ssm:us-east-1:123456789012:parameter/token": "tok-ssm",
		dbARN + ":password::":                                "pw-v1",
	} {
		got, err := cl.Resolve(ctx, valueFrom)
		require.NoError(t, err, valueFrom)
		require.Equal(t, want, got, valueFrom)
	}
	_, err := cl.Resolve(ctx, "/app/none")
	require.True(t, errors.Is(err, secrets.ErrParameterNotFound), "%v", err)
	_, err = cl.Resolve(ctx, dbARN+"-x")
	require.True(t, errors.Is(err, secrets.ErrResourceNotFound), "%v", err)
	_, err = secrets.NewClient(url, "us-east-1", key, "bad", nil).Resolve(ctx, "token")
	var e *secrets.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, "InvalidSignatureException", e.Code)
}
