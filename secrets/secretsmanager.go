package secrets

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ecskit/ecs/internal/awsjson"
)

// Secrets Manager staging labels.
const (
	StageCurrent  = "AWSCURRENT"
	StagePrevious = "AWSPREVIOUS"
)

type secret struct {
	name        string
	arn         string
	description string
	created     awsjson.Time
	deleted     awsjson.Time // zero unless scheduled for deletion
	versions    []*secretVersion
}

type secretVersion struct {
	id      string
	str     *string
	bin     []byte
	stages  []string
	created awsjson.Time
}

// CreateSecretInput is CreateSecret's request.
type CreateSecretInput struct {
	Name               string  `json:"Name"`
	ClientRequestToken string  `json:"ClientRequestToken,omitempty"`
	Description        string  `json:"Description,omitempty"`
	KmsKeyID           string  `json:"KmsKeyId,omitempty"`
	SecretString       *string `json:"SecretString,omitempty"`
	SecretBinary       []byte  `json:"SecretBinary,omitempty"`
}

// CreateSecretOutput is CreateSecret's response.
type CreateSecretOutput struct {
	ARN       string `json:"ARN"`
	Name      string `json:"Name"`
	VersionID string `json:"VersionId,omitempty"`
}

// GetSecretValueInput is GetSecretValue's request. SecretID is a name, a
// full ARN or an ARN without its six-character suffix.
type GetSecretValueInput struct {
	SecretID     string `json:"SecretId"`
	VersionID    string `json:"VersionId,omitempty"`
	VersionStage string `json:"VersionStage,omitempty"`
}

// GetSecretValueOutput is GetSecretValue's response.
type GetSecretValueOutput struct {
	ARN           string       `json:"ARN"`
	Name          string       `json:"Name"`
	VersionID     string       `json:"VersionId"`
	SecretString  *string      `json:"SecretString,omitempty"`
	SecretBinary  []byte       `json:"SecretBinary,omitempty"`
	VersionStages []string     `json:"VersionStages"`
	CreatedDate   awsjson.Time `json:"CreatedDate"`
}

// PutSecretValueInput is PutSecretValue's request.
type PutSecretValueInput struct {
	SecretID           string   `json:"SecretId"`
	ClientRequestToken string   `json:"ClientRequestToken,omitempty"`
	SecretString       *string  `json:"SecretString,omitempty"`
	SecretBinary       []byte   `json:"SecretBinary,omitempty"`
	VersionStages      []string `json:"VersionStages,omitempty"`
}

// PutSecretValueOutput is PutSecretValue's response.
type PutSecretValueOutput struct {
	ARN           string   `json:"ARN"`
	Name          string   `json:"Name"`
	VersionID     string   `json:"VersionId"`
	VersionStages []string `json:"VersionStages"`
}

// DeleteSecretInput is DeleteSecret's request.
type DeleteSecretInput struct {
	SecretID                   string `json:"SecretId"`
	RecoveryWindowInDays       int    `json:"RecoveryWindowInDays,omitempty"`
	ForceDeleteWithoutRecovery bool   `json:"ForceDeleteWithoutRecovery,omitempty"`
}

// DeleteSecretOutput is DeleteSecret's response.
type DeleteSecretOutput struct {
	ARN          string       `json:"ARN"`
	Name         string       `json:"Name"`
	DeletionDate awsjson.Time `json:"DeletionDate"`
}

// DescribeSecretInput is DescribeSecret's request.
type DescribeSecretInput struct {
	SecretID string `json:"SecretId"`
}

// DescribeSecretOutput is DescribeSecret's response: the secret's
// metadata, never its value.
type DescribeSecretOutput struct {
	ARN                string              `json:"ARN"`
	Name               string              `json:"Name"`
	Description        string              `json:"Description,omitempty"`
	CreatedDate        awsjson.Time        `json:"CreatedDate"`
	DeletedDate        awsjson.Time        `json:"DeletedDate,omitzero"`
	VersionIDsToStages map[string][]string `json:"VersionIdsToStages"`
}

func checkSecretName(name string) error {
	if name == "" || len(name) > 512 {
		return validation(fmt.Sprintf("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must have length between 1 and 512", name))
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/_+=.@-", c)) {
			return validation("Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!")
		}
	}
	return nil
}

func checkValue(str *string, bin []byte) error {
	if str != nil && bin != nil {
		return &Error{Code: CodeInvalidParameter, Message: "You can't specify both a binary secret value and a string secret value in the same secret."}
	}
	if (str != nil && len(*str) > 65536) || len(bin) > 65536 {
		return &Error{Code: CodeInvalidParameter, Message: "The secret value is too large: the limit is 65,536 bytes."}
	}
	return nil
}

// CreateSecret creates a secret, with a first version when a value is
// given.
func (s *Store) CreateSecret(_ context.Context, in CreateSecretInput) (CreateSecretOutput, error) {
	if err := checkSecretName(in.Name); err != nil {
		return CreateSecretOutput{}, err
	}
	if err := checkValue(in.SecretString, in.SecretBinary); err != nil {
		return CreateSecretOutput{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.secrets[in.Name]; ok {
		if !old.deleted.IsZero() {
			return CreateSecretOutput{}, &Error{Code: CodeInvalidRequest, Message: "You can't create this secret because a secret with this name is already scheduled for deletion."}
		}
		return CreateSecretOutput{}, &Error{Code: CodeResourceExists, Message: "The operation failed because the secret " + in.Name + " already exists."}
	}
	sec := &secret{
		name:        in.Name,
		arn:         "arn:aws:secretsmanager:" + s.region + ":" + s.account + ":secret:" + in.Name + "-" + s.suffix(),
		description: in.Description,
		created:     awsjson.NewTime(s.now()),
	}
	s.secrets[in.Name] = sec
	out := CreateSecretOutput{ARN: sec.arn, Name: sec.name}
	if in.SecretString != nil || in.SecretBinary != nil {
		v := s.addVersion(sec, in.ClientRequestToken, in.SecretString, in.SecretBinary, []string{StageCurrent})
		out.VersionID = v.id
	}
	return out, nil
}

// addVersion adds a version holding the given stages, taking them from
// older versions (AWSCURRENT's previous holder becomes AWSPREVIOUS).
func (s *Store) addVersion(sec *secret, id string, str *string, bin []byte, stages []string) *secretVersion {
	if id == "" {
		id = s.uuid()
	}
	v := &secretVersion{id: id, str: str, bin: bin, stages: slices.Clone(stages), created: awsjson.NewTime(s.now())}
	for _, old := range sec.versions {
		wasCurrent := slices.Contains(old.stages, StageCurrent)
		old.stages = slices.DeleteFunc(old.stages, func(st string) bool {
			return slices.Contains(stages, st) || (st == StagePrevious && slices.Contains(stages, StageCurrent))
		})
		if wasCurrent && slices.Contains(stages, StageCurrent) {
			old.stages = append(old.stages, StagePrevious)
		}
	}
	sec.versions = append(sec.versions, v)
	// Like Secrets Manager, keep at most 100 versions: the oldest
	// unlabelled ones go.
	for len(sec.versions) > 100 {
		i := slices.IndexFunc(sec.versions, func(o *secretVersion) bool { return len(o.stages) == 0 })
		if i < 0 {
			break
		}
		sec.versions = slices.Delete(sec.versions, i, i+1)
	}
	return v
}

// findSecret resolves a SecretId. Call with s.mu held.
func (s *Store) findSecret(id string) (*secret, error) {
	if !strings.HasPrefix(id, "arn:") {
		if sec, ok := s.secrets[id]; ok {
			return s.live(sec)
		}
		return nil, &Error{Code: CodeResourceNotFound, Message: msgSecretNotFound}
	}
	for _, sec := range s.secrets {
		if sec.arn == id || sec.arn[:len(sec.arn)-7] == id {
			return s.live(sec)
		}
	}
	return nil, &Error{Code: CodeResourceNotFound, Message: msgSecretNotFound}
}

// live hides a secret whose recovery window has passed.
func (s *Store) live(sec *secret) (*secret, error) {
	if !sec.deleted.IsZero() && !s.now().Before(sec.deleted.Time) {
		return nil, &Error{Code: CodeResourceNotFound, Message: msgSecretNotFound}
	}
	return sec, nil
}

func errMarkedForDeletion() error {
	return &Error{Code: CodeInvalidRequest, Message: "You can't perform this operation on the secret because it was marked for deletion."}
}

// GetSecretValue reads a version of a secret: AWSCURRENT unless a
// VersionId or VersionStage says otherwise.
func (s *Store) GetSecretValue(_ context.Context, in GetSecretValueInput) (GetSecretValueOutput, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sec, err := s.findSecret(in.SecretID)
	if err != nil {
		return GetSecretValueOutput{}, err
	}
	if !sec.deleted.IsZero() {
		return GetSecretValueOutput{}, errMarkedForDeletion()
	}
	stage := in.VersionStage
	if stage == "" && in.VersionID == "" {
		stage = StageCurrent
	}
	for _, v := range sec.versions {
		if (in.VersionID == "" || v.id == in.VersionID) && (stage == "" || slices.Contains(v.stages, stage)) {
			return GetSecretValueOutput{ARN: sec.arn, Name: sec.name, VersionID: v.id, SecretString: v.str, SecretBinary: v.bin,
				VersionStages: slices.Clone(v.stages), CreatedDate: v.created}, nil
		}
	}
	if in.VersionID != "" {
		return GetSecretValueOutput{}, &Error{Code: CodeResourceNotFound, Message: "Secrets Manager can't find the specified secret value for VersionId: " + in.VersionID}
	}
	return GetSecretValueOutput{}, &Error{Code: CodeResourceNotFound, Message: "Secrets Manager can't find the specified secret value for staging label: " + stage}
}

// PutSecretValue adds a version to a secret, AWSCURRENT by default.
func (s *Store) PutSecretValue(_ context.Context, in PutSecretValueInput) (PutSecretValueOutput, error) {
	if err := checkValue(in.SecretString, in.SecretBinary); err != nil {
		return PutSecretValueOutput{}, err
	}
	if in.SecretString == nil && in.SecretBinary == nil {
		return PutSecretValueOutput{}, &Error{Code: CodeInvalidRequest, Message: "You must provide either SecretString or SecretBinary."}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.findSecret(in.SecretID)
	if err != nil {
		return PutSecretValueOutput{}, err
	}
	if !sec.deleted.IsZero() {
		return PutSecretValueOutput{}, errMarkedForDeletion()
	}
	if in.ClientRequestToken != "" {
		for _, v := range sec.versions {
			if v.id != in.ClientRequestToken {
				continue
			}
			if ptrEq(v.str, in.SecretString) && string(v.bin) == string(in.SecretBinary) {
				return PutSecretValueOutput{ARN: sec.arn, Name: sec.name, VersionID: v.id, VersionStages: slices.Clone(v.stages)}, nil
			}
			return PutSecretValueOutput{}, &Error{Code: CodeResourceExists, Message: "You can't modify an existing version, you can only create a new version."}
		}
	}
	stages := in.VersionStages
	if len(stages) == 0 {
		stages = []string{StageCurrent}
	}
	v := s.addVersion(sec, in.ClientRequestToken, in.SecretString, in.SecretBinary, stages)
	return PutSecretValueOutput{ARN: sec.arn, Name: sec.name, VersionID: v.id, VersionStages: slices.Clone(v.stages)}, nil
}

func ptrEq(a, b *string) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

// DeleteSecret schedules a secret for deletion after a recovery window (7
// to 30 days, default 30), or deletes it at once with
// ForceDeleteWithoutRecovery.
func (s *Store) DeleteSecret(_ context.Context, in DeleteSecretInput) (DeleteSecretOutput, error) {
	if in.ForceDeleteWithoutRecovery && in.RecoveryWindowInDays != 0 {
		return DeleteSecretOutput{}, &Error{Code: CodeInvalidParameter, Message: "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."}
	}
	days := in.RecoveryWindowInDays
	if days == 0 {
		days = 30
	}
	if days < 7 || days > 30 {
		return DeleteSecretOutput{}, &Error{Code: CodeInvalidParameter, Message: "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.findSecret(in.SecretID)
	if err != nil {
		return DeleteSecretOutput{}, err
	}
	now := s.now()
	if in.ForceDeleteWithoutRecovery {
		delete(s.secrets, sec.name)
		return DeleteSecretOutput{ARN: sec.arn, Name: sec.name, DeletionDate: awsjson.NewTime(now)}, nil
	}
	if !sec.deleted.IsZero() {
		return DeleteSecretOutput{}, errMarkedForDeletion()
	}
	sec.deleted = awsjson.NewTime(now.Add(time.Duration(days) * 24 * time.Hour))
	return DeleteSecretOutput{ARN: sec.arn, Name: sec.name, DeletionDate: sec.deleted}, nil
}

// DescribeSecret reports a secret's metadata and versions.
func (s *Store) DescribeSecret(_ context.Context, in DescribeSecretInput) (DescribeSecretOutput, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sec, err := s.findSecret(in.SecretID)
	if err != nil {
		return DescribeSecretOutput{}, err
	}
	out := DescribeSecretOutput{ARN: sec.arn, Name: sec.name, Description: sec.description, CreatedDate: sec.created,
		DeletedDate: sec.deleted, VersionIDsToStages: map[string][]string{}}
	for _, v := range sec.versions {
		out.VersionIDsToStages[v.id] = slices.Clone(v.stages)
	}
	return out, nil
}
