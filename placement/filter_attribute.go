package placement

import "fmt"

// attributeFilter admits instances that carry a required attribute (with
// the required value, when one is given).
type attributeFilter struct{ attr Attribute }

func (f attributeFilter) pass(in *Instance) bool {
	v, ok := in.Attributes[f.attr.Name]
	return ok && (f.attr.Value == "" || v == f.attr.Value)
}

func (attributeFilter) reason() string { return ReasonAttribute }

func (f attributeFilter) explain(n int) string {
	if f.attr.Value == "" {
		return fmt.Sprintf("%d lacked attribute %s", n, f.attr.Name)
	}
	return fmt.Sprintf("%d lacked attribute %s=%s", n, f.attr.Name, f.attr.Value)
}
