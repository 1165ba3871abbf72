package placement

import "fmt"

// memberOfFilter admits instances that satisfy a cluster query expression.
type memberOfFilter struct{ expr *Expression }

func (f memberOfFilter) pass(in *Instance) bool { return f.expr.Match(in) }
func (memberOfFilter) reason() string           { return ReasonMemberOf }
func (f memberOfFilter) explain(n int) string {
	return fmt.Sprintf("%d failed memberOf(%s)", n, f.expr)
}
