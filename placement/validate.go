package placement

import (
	"errors"
	"fmt"
	"strings"
)

// Request limits, as ECS enforces them.
const (
	// MaxConstraints is the most placement constraints a task may have,
	// the task definition's included.
	MaxConstraints = 10
	// MaxStrategies is the most placement strategies a request may have.
	MaxStrategies = 5
	// MaxExpressionLength is the longest memberOf expression, in bytes.
	MaxExpressionLength = 2000
)

// ErrInvalidRequest matches every *RequestError with errors.Is.
var ErrInvalidRequest = errors.New("placement: invalid request")

// RequestError is an invalid placement request. Field names the offending
// field as the ECS API spells it (placementConstraints[2].expression);
// Err, when set, is the cause (a *SyntaxError for an expression that does
// not parse). The message is fit to return as an ECS
// InvalidParameterException.
type RequestError struct {
	Field   string
	Message string
	Err     error
}

// Error returns "field: message".
func (e *RequestError) Error() string { return e.Field + ": " + e.Message }

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// Is matches ErrInvalidRequest.
func (e *RequestError) Is(target error) bool { return target == ErrInvalidRequest }

// ValidateRequest checks a request against ECS's rules: at most 10
// constraints and 5 strategies, distinctInstance without an expression,
// memberOf with a valid expression of at most 2000 characters, known
// strategy types and fields, and no negative count or reservation. Errors
// are *RequestError. Place returns the same errors.
func ValidateRequest(req Request) error {
	_, err := compileRequest(req)
	return err
}

// compileRequest validates req and compiles its memberOf expressions,
// indexed like req.Constraints.
func compileRequest(req Request) ([]*Expression, error) {
	bad := func(field, format string, args ...any) error {
		return &RequestError{Field: field, Message: fmt.Sprintf(format, args...)}
	}
	switch {
	case req.Count < 0:
		return nil, bad("count", "must not be negative, got %d", req.Count)
	case req.CPU < 0:
		return nil, bad("cpu", "must not be negative, got %d", req.CPU)
	case req.Memory < 0:
		return nil, bad("memory", "must not be negative, got %d", req.Memory)
	case len(req.Constraints) > MaxConstraints:
		return nil, bad("placementConstraints", "at most %d constraints are allowed, task definition included, got %d", MaxConstraints, len(req.Constraints))
	case len(req.Strategies) > MaxStrategies:
		return nil, bad("placementStrategy", "at most %d strategies are allowed, got %d", MaxStrategies, len(req.Strategies))
	}
	exprs := make([]*Expression, len(req.Constraints))
	for i, c := range req.Constraints {
		field := fmt.Sprintf("placementConstraints[%d]", i)
		switch c.Type {
		case DistinctInstance:
			if c.Expression != "" {
				return nil, bad(field+".expression", "distinctInstance does not take an expression")
			}
		case MemberOf:
			if c.Expression == "" {
				return nil, bad(field+".expression", "memberOf requires an expression")
			}
			if len(c.Expression) > MaxExpressionLength {
				return nil, bad(field+".expression", "must be at most %d characters, got %d", MaxExpressionLength, len(c.Expression))
			}
			e, err := ParseExpression(c.Expression)
			if err != nil {
				return nil, &RequestError{Field: field + ".expression", Message: err.Error(), Err: err}
			}
			exprs[i] = e
		default:
			return nil, bad(field+".type", "must be distinctInstance or memberOf, got %q", c.Type)
		}
	}
	for i, s := range req.Strategies {
		if err := validateStrategy(fmt.Sprintf("placementStrategy[%d]", i), s); err != nil {
			return nil, err
		}
	}
	return exprs, nil
}

func validateStrategy(field string, s Strategy) error {
	bad := func(format string, args ...any) error {
		return &RequestError{Field: field + ".field", Message: fmt.Sprintf(format, args...)}
	}
	switch s.Type {
	case Random:
		return nil
	case Binpack:
		if !strings.EqualFold(s.Field, "cpu") && !strings.EqualFold(s.Field, "memory") {
			return bad("binpack takes cpu or memory, got %q", s.Field)
		}
	case Spread:
		if s.Field == "instanceId" || s.Field == "host" {
			return nil
		}
		if name, ok := strings.CutPrefix(s.Field, "attribute:"); !ok || name == "" {
			return bad("spread takes instanceId, host or attribute:NAME, got %q", s.Field)
		}
	default:
		return &RequestError{Field: field + ".type", Message: fmt.Sprintf("must be random, spread or binpack, got %q", s.Type)}
	}
	return nil
}

// DefaultServiceStrategies returns the strategies ECS applies to a REPLICA
// service that names none: spread across Availability Zones, then across
// instances. RunTask without strategies places at random, which is what an
// empty Request.Strategies means.
func DefaultServiceStrategies() []Strategy {
	return []Strategy{
		{Type: Spread, Field: "attribute:ecs.availability-zone"},
		{Type: Spread, Field: "instanceId"},
	}
}
