package sim

import (
	"fmt"
	"strings"

	"github.com/ecskit/ecs/placement"
)

// ParseStrategies reads strategies in the console's shorthand, separated
// by commas: "spread(attribute:ecs.availability-zone), binpack(memory),
// random".
func ParseStrategies(s string) ([]placement.Strategy, error) {
	var out []placement.Strategy
	for _, part := range splitTop(s) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		typ, field, err := call(part)
		if err != nil {
			return nil, err
		}
		out = append(out, placement.Strategy{Type: placement.StrategyType(typ), Field: field})
	}
	return out, nil
}

// ParseConstraint reads a constraint in the console's shorthand:
// "distinctInstance" or "memberOf(EXPRESSION)".
func ParseConstraint(s string) (placement.Constraint, error) {
	typ, expr, err := call(strings.TrimSpace(s))
	if err != nil {
		return placement.Constraint{}, err
	}
	return placement.Constraint{Type: placement.ConstraintType(typ), Expression: expr}, nil
}

// call splits "name(argument)" or "name".
func call(s string) (name, arg string, err error) {
	open := strings.IndexByte(s, '(')
	if open < 0 {
		return s, "", nil
	}
	if !strings.HasSuffix(s, ")") {
		return "", "", fmt.Errorf("%q: expected ')' at the end", s)
	}
	return strings.TrimSpace(s[:open]), strings.TrimSpace(s[open+1 : len(s)-1]), nil
}

// splitTop splits s at the commas outside parentheses and brackets.
func splitTop(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}
