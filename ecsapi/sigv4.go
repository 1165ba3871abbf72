package ecsapi

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// MaxClockSkew is how far a request's X-Amz-Date may be from the server's
// clock, as AWS allows.
const MaxClockSkew = 5 * time.Minute

const (
	sigAlgorithm   = "AWS4-HMAC-SHA256"
	amzDateFormat  = "20060102T150405Z"
	amzDateHeader  = "X-Amz-Date"
	contentSHA256  = "X-Amz-Content-Sha256"
	scopeTerminate = "aws4_request"
)

// verifier checks AWS Signature Version 4 by signing the request again
// with aws-sdk-go-v2's signer and the secret of the access key it names.
type verifier struct {
	keys   map[string]string
	region string
	now    func() time.Time
	// service is the signing name required ("": SigningName).
	service string
}

// authHeader is a parsed Authorization header.
type authHeader struct {
	accessKey, date, region, service string
	signedHeaders                    []string
	signature                        string
}

func authErr(code, msg string) error {
	return &apiError{code: code, message: msg, status: http.StatusBadRequest}
}

// verify accepts the request or returns the AWS error refusing it.
func (v *verifier) verify(r *http.Request, body []byte) error {
	raw := r.Header.Get("Authorization")
	if raw == "" {
		return authErr(codeMissingAuthToken, messageMissingAuthToken)
	}
	ah, err := parseAuthorization(raw)
	if err != nil {
		return err
	}
	secret, ok := v.keys[ah.accessKey]
	if !ok {
		return authErr(codeUnrecognizedClient, messageUnrecognizedToken)
	}
	if ah.region != v.region {
		return authErr(codeInvalidSignature, "Credential should be scoped to a valid region, not '"+ah.region+"'. ")
	}
	service := v.service
	if service == "" {
		service = SigningName
	}
	if ah.service != service {
		return authErr(codeInvalidSignature, "Credential should be scoped to correct service: '"+service+"'. ")
	}
	amzDate := r.Header.Get(amzDateHeader)
	if amzDate == "" {
		return authErr(codeIncompleteSignature, "Authorization header requires existence of a 'X-Amz-Date' header.")
	}
	signedAt, err := time.Parse(amzDateFormat, amzDate)
	if err != nil {
		return authErr(codeIncompleteSignature, "X-Amz-Date must be in the ISO-8601 basic format YYYYMMDD'T'HHMMSS'Z'.")
	}
	if ah.date != amzDate[:8] {
		return authErr(codeInvalidSignature, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"+ah.date+"' != '"+amzDate[:8]+"', from '"+amzDate+"'.")
	}
	if err := v.checkTime(signedAt); err != nil {
		return err
	}
	if !slices.Contains(ah.signedHeaders, "host") {
		return authErr(codeInvalidSignature, "'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	if h := r.Header.Get(contentSHA256); h != "" && h != payloadHash {
		return authErr(codeInvalidSignature, "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	want, err := resign(r, ah, secret, payloadHash, signedAt, body)
	if err != nil {
		return authErr(codeInvalidSignature, messageSignatureMismatch)
	}
	if !hmac.Equal([]byte(want), []byte(ah.signature)) {
		return authErr(codeInvalidSignature, messageSignatureMismatch)
	}
	return nil
}

// checkTime refuses a request dated more than MaxClockSkew away from now,
// with AWS's wording.
func (v *verifier) checkTime(signedAt time.Time) error {
	now := v.now().UTC()
	switch {
	case signedAt.Before(now.Add(-MaxClockSkew)):
		return authErr(codeInvalidSignature, "Signature expired: "+signedAt.Format(amzDateFormat)+" is now earlier than "+
			now.Add(-MaxClockSkew).Format(amzDateFormat)+" ("+now.Format(amzDateFormat)+" - 5 min.)")
	case signedAt.After(now.Add(MaxClockSkew)):
		return authErr(codeInvalidSignature, "Signature not yet current: "+signedAt.Format(amzDateFormat)+" is still later than "+
			now.Add(MaxClockSkew).Format(amzDateFormat)+" ("+now.Format(amzDateFormat)+" + 5 min.)")
	}
	return nil
}

// resign signs a copy of the request holding only the headers the client
// signed, and returns the signature the SDK's signer computes.
func resign(r *http.Request, ah authHeader, secret, payloadHash string, signedAt time.Time, body []byte) (string, error) {
	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	cp, err := http.NewRequestWithContext(context.Background(), r.Method, u.String(), io.NopCloser(bytes.NewReader(body)))
	if err != nil {
		return "", err
	}
	cp.Host = r.Host
	cp.ContentLength = 0
	cp.Header = http.Header{}
	for _, name := range ah.signedHeaders {
		switch name {
		case "host":
		case "content-length":
			cp.ContentLength = int64(len(body))
		default:
			vals := r.Header.Values(name)
			if len(vals) == 0 {
				return "", errMissingSignedHeader
			}
			cp.Header[http.CanonicalHeaderKey(name)] = vals
		}
	}
	creds := aws.Credentials{AccessKeyID: ah.accessKey, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, cp, payloadHash, ah.service, ah.region, signedAt); err != nil {
		return "", err
	}
	got, err := parseAuthorization(cp.Header.Get("Authorization"))
	if err != nil {
		return "", err
	}
	if strings.Join(got.signedHeaders, ";") != strings.Join(ah.signedHeaders, ";") {
		// The client signed a header the SDK's signer never signs.
		return "", errMissingSignedHeader
	}
	return got.signature, nil
}

var errMissingSignedHeader = authErr(codeInvalidSignature, messageSignatureMismatch)

// parseAuthorization reads
// "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex".
func parseAuthorization(s string) (authHeader, error) {
	var ah authHeader
	alg, rest, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok || alg != sigAlgorithm {
		return ah, authErr(codeIncompleteSignature, "Authorization header must use the "+sigAlgorithm+" algorithm.")
	}
	var cred, signed string
	for part := range strings.SplitSeq(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			cred = val
		case "SignedHeaders":
			signed = val
		case "Signature":
			ah.signature = val
		}
	}
	if cred == "" || signed == "" || ah.signature == "" {
		return ah, authErr(codeIncompleteSignature, "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.")
	}
	f := strings.Split(cred, "/")
	if len(f) != 5 || f[4] != scopeTerminate || f[0] == "" {
		return ah, authErr(codeIncompleteSignature, "Credential must have the form <access key>/<date>/<region>/<service>/aws4_request.")
	}
	ah.accessKey, ah.date, ah.region, ah.service = f[0], f[1], f[2], f[3]
	ah.signedHeaders = strings.Split(signed, ";")
	return ah, nil
}
