package ecsapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/ecskit/ecs/internal/awsjson"
)

// Authenticator checks AWS Signature Version 4 exactly as the ECS handler
// does, for the other AWS JSON services served beside it (CloudWatch Logs,
// SSM, Secrets Manager), so that one set of keys signs them all.
type Authenticator struct {
	keys   map[string]string
	region string
	now    func() time.Time
}

// NewAuthenticator returns an Authenticator accepting the given keys
// (access key ID -> secret access key) in region; now is the clock that
// dates are checked against (nil: time.Now).
func NewAuthenticator(keys map[string]string, region string, now func() time.Time) *Authenticator {
	if now == nil {
		now = time.Now
	}
	cp := make(map[string]string, len(keys))
	for k, v := range keys {
		cp[k] = v
	}
	return &Authenticator{keys: cp, region: region, now: now}
}

// Authenticate accepts r or returns the AWS error refusing it, for a
// request signed for service signingName.
func (a *Authenticator) Authenticate(r *http.Request, body []byte, signingName string) error {
	v := verifier{keys: a.keys, region: a.region, now: a.now, service: signingName}
	err := v.verify(r, body)
	var ae *apiError
	if errors.As(err, &ae) {
		return &awsjson.Error{Code: ae.code, Message: ae.message, Status: ae.status}
	}
	return err
}
