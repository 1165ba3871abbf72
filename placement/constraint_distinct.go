package placement

import "fmt"

// distinctInstanceFilter admits instances that run no task of the group
// yet, counting tasks already running and tasks placed by this request.
type distinctInstanceFilter struct{ group string }

func (f distinctInstanceFilter) pass(in *Instance) bool { return in.Groups[f.group] == 0 }
func (distinctInstanceFilter) reason() string           { return ReasonDistinctInstance }
func (distinctInstanceFilter) explain(n int) string {
	return fmt.Sprintf("%d failed distinctInstance", n)
}
