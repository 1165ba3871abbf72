package secrets

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ecskit/ecs/internal/awsjson"
)

// SSM parameter types.
const (
	TypeString       = "String"
	TypeStringList   = "StringList"
	TypeSecureString = "SecureString"
)

type parameter struct {
	name        string
	typ         string
	value       string
	description string
	version     int64
	modified    awsjson.Time
	dataType    string
}

// Parameter is an SSM parameter as GetParameter returns it.
type Parameter struct {
	Name             string       `json:"Name"`
	Type             string       `json:"Type"`
	Value            string       `json:"Value"`
	Version          int64        `json:"Version"`
	Selector         string       `json:"Selector,omitempty"`
	LastModifiedDate awsjson.Time `json:"LastModifiedDate"`
	ARN              string       `json:"ARN"`
	DataType         string       `json:"DataType"`
}

// PutParameterInput is PutParameter's request.
type PutParameterInput struct {
	Name        string `json:"Name"`
	Value       string `json:"Value"`
	Type        string `json:"Type,omitempty"`
	Description string `json:"Description,omitempty"`
	Overwrite   bool   `json:"Overwrite,omitempty"`
	KeyID       string `json:"KeyId,omitempty"`
	Tier        string `json:"Tier,omitempty"`
	DataType    string `json:"DataType,omitempty"`
}

// PutParameterOutput is PutParameter's response.
type PutParameterOutput struct {
	Version int64  `json:"Version"`
	Tier    string `json:"Tier"`
}

// GetParameterInput is GetParameter's request. Name may be an ARN and may
// end in ":<version>".
type GetParameterInput struct {
	Name           string `json:"Name"`
	WithDecryption bool   `json:"WithDecryption,omitempty"`
}

// GetParameterOutput is GetParameter's response.
type GetParameterOutput struct {
	Parameter Parameter `json:"Parameter"`
}

// GetParametersInput is GetParameters' request.
type GetParametersInput struct {
	Names          []string `json:"Names"`
	WithDecryption bool     `json:"WithDecryption,omitempty"`
}

// GetParametersOutput is GetParameters' response.
type GetParametersOutput struct {
	Parameters        []Parameter `json:"Parameters"`
	InvalidParameters []string    `json:"InvalidParameters"`
}

// GetParametersByPathInput is GetParametersByPath's request.
type GetParametersByPathInput struct {
	Path           string `json:"Path"`
	Recursive      bool   `json:"Recursive,omitempty"`
	WithDecryption bool   `json:"WithDecryption,omitempty"`
	MaxResults     int    `json:"MaxResults,omitempty"`
	NextToken      string `json:"NextToken,omitempty"`
}

// GetParametersByPathOutput is GetParametersByPath's response.
type GetParametersByPathOutput struct {
	Parameters []Parameter `json:"Parameters"`
	NextToken  string      `json:"NextToken,omitempty"`
}

// DeleteParameterInput is DeleteParameter's request.
type DeleteParameterInput struct {
	Name string `json:"Name"`
}

// DeleteParametersInput is DeleteParameters' request.
type DeleteParametersInput struct {
	Names []string `json:"Names"`
}

// DeleteParametersOutput is DeleteParameters' response.
type DeleteParametersOutput struct {
	DeletedParameters []string `json:"DeletedParameters"`
	InvalidParameters []string `json:"InvalidParameters"`
}

func checkParameterName(name string) error {
	if name == "" || len(name) > 2048 {
		return validation(fmt.Sprintf("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must have length between 1 and 2048", name))
	}
	low := strings.ToLower(strings.TrimPrefix(name, "/"))
	if strings.HasPrefix(low, "aws") || strings.HasPrefix(low, "ssm") {
		return validation(`Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_`)
	}
	if strings.Contains(name, "/") && !strings.HasPrefix(name, "/") {
		return validation("Parameter name must be a fully qualified name.")
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_.-/", c)) {
			return validation("Parameter name: can't contain characters other than letters, numbers and the following 3 symbols .-_ , and sub-paths divided by slash symbol.")
		}
	}
	if strings.Count(name, "/") > 15 {
		return &Error{Code: "HierarchyLevelLimitExceededException", Message: "A hierarchy can have a maximum of 15 levels."}
	}
	return nil
}

// parameterARN is arn:aws:ssm:region:account:parameter/name (one slash).
func (s *Store) parameterARN(name string) string {
	return "arn:aws:ssm:" + s.region + ":" + s.account + ":parameter/" + strings.TrimPrefix(name, "/")
}

// PutParameter creates a parameter, or with Overwrite gives it a new
// version.
func (s *Store) PutParameter(_ context.Context, in PutParameterInput) (PutParameterOutput, error) {
	if err := checkParameterName(in.Name); err != nil {
		return PutParameterOutput{}, err
	}
	if in.Value == "" {
		return PutParameterOutput{}, validation("1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(in.Value) > 4096 && in.Tier != "Advanced" {
		return PutParameterOutput{}, validation("Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.")
	}
	switch in.Type {
	case "", TypeString, TypeStringList, TypeSecureString:
	default:
		return PutParameterOutput{}, validation(fmt.Sprintf("1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]", in.Type))
	}
	tier := in.Tier
	if tier == "" || tier == "Intelligent-Tiering" {
		tier = "Standard"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, exists := s.params[in.Name]
	switch {
	case exists && !in.Overwrite:
		return PutParameterOutput{}, &Error{Code: CodeParameterAlreadyExists, Message: "The parameter already exists. To overwrite this value, set the overwrite option in the request to true."}
	case !exists && in.Type == "":
		return PutParameterOutput{}, validation("A parameter type is required when you create a parameter.")
	case !exists:
		p = &parameter{name: in.Name}
		s.params[in.Name] = p
	}
	if in.Type != "" {
		p.typ = in.Type
	}
	p.value = in.Value
	p.description = in.Description
	p.dataType = in.DataType
	if p.dataType == "" {
		p.dataType = "text"
	}
	p.version++
	p.modified = awsjson.NewTime(s.now())
	return PutParameterOutput{Version: p.version, Tier: tier}, nil
}

// findParameter resolves a name or ARN, with an optional ":version"
// selector. Call with s.mu held.
func (s *Store) findParameter(ref string) (*parameter, string, error) {
	name, selector := ref, ""
	if strings.HasPrefix(ref, "arn:") {
		_, rest, ok := strings.Cut(ref, ":parameter")
		if !ok {
			return nil, "", validation("Invalid parameter ARN: " + ref)
		}
		name = rest
		if i := strings.LastIndex(name, ":"); i >= 0 {
			name, selector = name[:i], name[i:]
		}
		if p := s.params[name]; p == nil && strings.Count(name, "/") == 1 {
			name = strings.TrimPrefix(name, "/")
		}
	} else if i := strings.LastIndex(ref, ":"); i >= 0 {
		name, selector = ref[:i], ref[i:]
	}
	p := s.params[name]
	if p == nil {
		return nil, "", &Error{Code: CodeParameterNotFound}
	}
	if selector != "" {
		v, err := strconv.ParseInt(selector[1:], 10, 64)
		if err != nil || v != p.version {
			// Only the latest version is kept; labels are not served.
			return nil, "", &Error{Code: CodeParameterVersionNotFound, Message: fmt.Sprintf("Systems Manager could not find version %s of %s. Verify the version and try again.", selector[1:], name)}
		}
	}
	return p, selector, nil
}

func (s *Store) describeParameter(p *parameter, selector string, decrypt bool) Parameter {
	v := p.value
	if p.typ == TypeSecureString && !decrypt {
		v = base64.StdEncoding.EncodeToString([]byte(v))
	}
	return Parameter{Name: p.name, Type: p.typ, Value: v, Version: p.version, Selector: selector,
		LastModifiedDate: p.modified, ARN: s.parameterARN(p.name), DataType: p.dataType}
}

// GetParameter reads one parameter.
func (s *Store) GetParameter(_ context.Context, in GetParameterInput) (GetParameterOutput, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, sel, err := s.findParameter(in.Name)
	if err != nil {
		return GetParameterOutput{}, err
	}
	return GetParameterOutput{Parameter: s.describeParameter(p, sel, in.WithDecryption)}, nil
}

// GetParameters reads up to ten parameters; names that do not resolve
// are listed in InvalidParameters.
func (s *Store) GetParameters(_ context.Context, in GetParametersInput) (GetParametersOutput, error) {
	if len(in.Names) == 0 || len(in.Names) > 10 {
		return GetParametersOutput{}, validation("1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and 10")
	}
	out := GetParametersOutput{Parameters: []Parameter{}, InvalidParameters: []string{}}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, n := range in.Names {
		p, sel, err := s.findParameter(n)
		if err != nil {
			out.InvalidParameters = append(out.InvalidParameters, n)
			continue
		}
		out.Parameters = append(out.Parameters, s.describeParameter(p, sel, in.WithDecryption))
	}
	return out, nil
}

// GetParametersByPath lists the parameters under a path ("/app"), only
// its direct children unless Recursive, by name.
func (s *Store) GetParametersByPath(_ context.Context, in GetParametersByPathInput) (GetParametersByPathOutput, error) {
	out := GetParametersByPathOutput{Parameters: []Parameter{}}
	if !strings.HasPrefix(in.Path, "/") {
		return out, validation("The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\".")
	}
	limit := in.MaxResults
	if limit == 0 {
		limit = 10
	}
	if limit < 1 || limit > 10 {
		return out, validation(fmt.Sprintf("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10", limit))
	}
	offset := 0
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n < 0 {
			return out, &Error{Code: CodeInvalidNextToken, Message: "The specified token is not valid."}
		}
		offset = n
	}
	prefix := strings.TrimSuffix(in.Path, "/") + "/"
	s.mu.RLock()
	defer s.mu.RUnlock()
	var names []string
	for name := range s.params {
		rest, ok := strings.CutPrefix(name, prefix)
		if ok && rest != "" && (in.Recursive || !strings.Contains(rest, "/")) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	offset = min(offset, len(names))
	end := min(offset+limit, len(names))
	for _, n := range names[offset:end] {
		out.Parameters = append(out.Parameters, s.describeParameter(s.params[n], "", in.WithDecryption))
	}
	if end < len(names) {
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return out, nil
}

// DeleteParameter deletes a parameter.
func (s *Store) DeleteParameter(_ context.Context, in DeleteParameterInput) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.params[in.Name]; !ok {
		return &Error{Code: CodeParameterNotFound}
	}
	delete(s.params, in.Name)
	return nil
}

// DeleteParameters deletes up to ten parameters.
func (s *Store) DeleteParameters(_ context.Context, in DeleteParametersInput) (DeleteParametersOutput, error) {
	if len(in.Names) == 0 || len(in.Names) > 10 {
		return DeleteParametersOutput{}, validation("1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and 10")
	}
	out := DeleteParametersOutput{DeletedParameters: []string{}, InvalidParameters: []string{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range in.Names {
		if _, ok := s.params[n]; ok {
			delete(s.params, n)
			out.DeletedParameters = append(out.DeletedParameters, n)
		} else {
			out.InvalidParameters = append(out.InvalidParameters, n)
		}
	}
	return out, nil
}
