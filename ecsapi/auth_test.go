package ecsapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ecssdk "github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecskit/ecs/ecsapi"
)

// signer returns a request mutator that signs with the SDK's v4 signer.
func signer(t *testing.T, keyID, secret, region, service string, at time.Time, body string) func(*http.Request) {
	return func(req *http.Request) {
		sum := sha256.Sum256([]byte(body))
		creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, at); err != nil {
			t.Fatal(err)
		}
	}
}

// errorBody decodes {"__type", "message"}.
func errorBody(t *testing.T, body string) (code, message string) {
	t.Helper()
	var v struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return v.Type, v.Message
}

func TestAuthentication(t *testing.T) {
	now := time.Now()
	const body = `{}`
	cases := []struct {
		name     string
		mutate   []func(*http.Request)
		wantCode string
		wantMsg  string
	}{
		{name: "valid", mutate: nil},
		{name: "unsigned", wantCode: "MissingAuthenticationTokenException", wantMsg: "Missing Authentication Token"},
		{name: "unknown key", mutate: []func(*http.Request){signer(t, "AKIDUNKNOWN", testSecret, testRegion, "ecs", now, body)},
			wantCode: "UnrecognizedClientException"},
		{name: "wrong secret", mutate: []func(*http.Request){signer(t, testKeyID, "not-the-secret", testRegion, "ecs", now, body)},
			wantCode: "InvalidSignatureException", wantMsg: "The request signature we calculated does not match"},
		{name: "expired", mutate: []func(*http.Request){signer(t, testKeyID, testSecret, testRegion, "ecs", now.Add(-6*time.Minute), body)},
			wantCode: "InvalidSignatureException", wantMsg: "Signature expired"},
		{name: "from the future", mutate: []func(*http.Request){signer(t, testKeyID, testSecret, testRegion, "ecs", now.Add(6*time.Minute), body)},
			wantCode: "InvalidSignatureException", wantMsg: "Signature not yet current"},
		{name: "other region", mutate: []func(*http.Request){signer(t, testKeyID, testSecret, "eu-west-1", "ecs", now, body)},
			wantCode: "InvalidSignatureException", wantMsg: "scoped to a valid region"},
		{name: "other service", mutate: []func(*http.Request){signer(t, testKeyID, testSecret, testRegion, "s3", now, body)},
			wantCode: "InvalidSignatureException", wantMsg: "correct service"},
		{name: "body changed after signing", mutate: []func(*http.Request){
			signer(t, testKeyID, testSecret, testRegion, "ecs", now, `{"maxResults":1}`)},
			wantCode: "InvalidSignatureException"},
		{name: "target changed after signing", mutate: []func(*http.Request){
			signer(t, testKeyID, testSecret, testRegion, "ecs", now, body),
			func(r *http.Request) { r.Header.Set("X-Amz-Target", ecsapi.TargetPrefix+".DeleteCluster") }},
			wantCode: "InvalidSignatureException"},
		{name: "garbled header", mutate: []func(*http.Request){func(r *http.Request) { r.Header.Set("Authorization", "Basic Zm9vOmJhcg==") }},
			wantCode: "IncompleteSignatureException"},
	}
	e := newEnv(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mutate := tc.mutate
			if tc.name == "valid" {
				mutate = []func(*http.Request){signer(t, testKeyID, testSecret, testRegion, "ecs", now, body)}
			}
			status, resp := e.raw(t, "ListClusters", body, mutate...)
			if tc.wantCode == "" {
				if status != http.StatusOK {
					t.Fatalf("status %d: %s", status, resp)
				}
				return
			}
			if status < 400 || status > 499 {
				t.Fatalf("status %d, want 4xx: %s", status, resp)
			}
			code, msg := errorBody(t, resp)
			if code != tc.wantCode || !strings.Contains(msg, tc.wantMsg) {
				t.Fatalf("got %s %q, want %s containing %q", code, msg, tc.wantCode, tc.wantMsg)
			}
		})
	}
	log := e.logs.String()
	if strings.Contains(log, testSecret) || strings.Contains(log, "Signature=") {
		t.Fatalf("log leaks a secret or signature:\n%s", log)
	}
}

func TestAuthenticationWithSDK(t *testing.T) {
	e := newEnv(t)
	t.Run("session token", func(t *testing.T) {
		c := ecssdk.NewFromConfig(aws.Config{
			Region:       testRegion,
			Credentials:  credentials.NewStaticCredentialsProvider(testKeyID, testSecret, "a-session-token"),
			BaseEndpoint: aws.String(e.srv.URL),
		})
		must[*ecssdk.ListClustersOutput](t)(c.ListClusters(ctx, &ecssdk.ListClustersInput{}))
	})
	t.Run("unknown key", func(t *testing.T) {
		_, err := e.newClient("AKIDUNKNOWN", testSecret).ListClusters(ctx, &ecssdk.ListClustersInput{})
		requireCode(t, err, "UnrecognizedClientException")
	})
	t.Run("wrong secret", func(t *testing.T) {
		_, err := e.newClient(testKeyID, "wrong").ListClusters(ctx, &ecssdk.ListClustersInput{})
		requireCode(t, err, "InvalidSignatureException")
	})
	if log := e.logs.String(); strings.Contains(log, testSecret) {
		t.Fatalf("log leaks the secret:\n%s", log)
	}
}

func TestAuthenticationUsesInjectedClock(t *testing.T) {
	past := time.Date(2020, 2, 2, 12, 0, 0, 0, time.UTC)
	e := newEnv(t, ecsapi.WithClock(func() time.Time { return past }))
	status, resp := e.raw(t, "ListClusters", "{}", signer(t, testKeyID, testSecret, testRegion, "ecs", past.Add(time.Minute), "{}"))
	if status != http.StatusOK {
		t.Fatalf("request dated by the handler's clock refused: %d %s", status, resp)
	}
	status, resp = e.raw(t, "ListClusters", "{}", signer(t, testKeyID, testSecret, testRegion, "ecs", time.Now(), "{}"))
	if code, _ := errorBody(t, resp); status != http.StatusBadRequest || code != "InvalidSignatureException" {
		t.Fatalf("request dated years after the handler's clock: %d %s", status, resp)
	}
}

func TestNoCredentialsMeansNoAuthentication(t *testing.T) {
	e := newEnv(t, ecsapi.WithCredentials(nil))
	if e.handler.Authenticated() {
		t.Fatal("Authenticated() with no keys")
	}
	if status, resp := e.raw(t, "ListClusters", "{}"); status != http.StatusOK {
		t.Fatalf("unsigned request refused without keys: %d %s", status, resp)
	}
}
