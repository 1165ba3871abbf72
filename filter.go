package ecs

import (
	"fmt"

	"github.com/ecskit/ecs/placement"
)

// compileFilter compiles a ListContainerInstances filter; nil matches all.
func compileFilter(expr string) (func(*placement.Instance) bool, error) {
	if expr == "" {
		return nil, nil
	}
	e, err := placement.ParseExpression(expr)
	if err != nil {
		return nil, &Error{Code: InvalidParameterException, Field: "filter", Message: err.Error(), Err: err}
	}
	return e.Match, nil
}

// validatePlacement checks the limits and shapes of constraints and
// strategies, with ECS's wording.
func validatePlacement(req placement.Request) error {
	if len(req.Constraints) > 10 {
		return &Error{Code: InvalidParameterException, Field: "placementConstraints", Message: "The number of placement constraints cannot exceed 10."}
	}
	if len(req.Strategies) > 5 {
		return &Error{Code: InvalidParameterException, Field: "placementStrategy", Message: "The number of placement strategies cannot exceed 5."}
	}
	for i, c := range req.Constraints {
		field := fmt.Sprintf("placementConstraints[%d]", i)
		switch c.Type {
		case placement.DistinctInstance:
			if c.Expression != "" {
				return &Error{Code: InvalidParameterException, Field: field, Message: "Expression must not be specified for distinctInstance constraint."}
			}
		case placement.MemberOf:
			if c.Expression == "" {
				return &Error{Code: InvalidParameterException, Field: field, Message: "Expression must be specified for memberOf constraint."}
			}
			if len(c.Expression) > 2000 {
				return &Error{Code: InvalidParameterException, Field: field, Message: "Expression is too long (at most 2000 characters)."}
			}
			if _, err := placement.ParseExpression(c.Expression); err != nil {
				return &Error{Code: InvalidParameterException, Field: field, Message: err.Error(), Err: err}
			}
		default:
			return &Error{Code: InvalidParameterException, Field: field, Message: fmt.Sprintf("Invalid placement constraint type %q.", c.Type)}
		}
	}
	for i, s := range req.Strategies {
		field := fmt.Sprintf("placementStrategy[%d]", i)
		switch s.Type {
		case placement.Random:
		case placement.Binpack:
			if s.Field != "cpu" && s.Field != "memory" && s.Field != "CPU" && s.Field != "MEMORY" {
				return &Error{Code: InvalidParameterException, Field: field, Message: "Invalid field for binpack strategy: " + s.Field + ". Valid values are cpu and memory."}
			}
		case placement.Spread:
			if s.Field == "" {
				return &Error{Code: InvalidParameterException, Field: field, Message: "Field must be specified for spread strategy."}
			}
		default:
			return &Error{Code: InvalidParameterException, Field: field, Message: fmt.Sprintf("Invalid placement strategy type %q.", s.Type)}
		}
	}
	return nil
}
