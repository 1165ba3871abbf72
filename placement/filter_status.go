package placement

import "fmt"

// statusFilter admits ACTIVE instances only: DRAINING and INACTIVE ones
// take no new tasks.
type statusFilter struct{}

func (statusFilter) pass(in *Instance) bool { return in.Status == StatusActive }
func (statusFilter) reason() string         { return ReasonAgent }
func (statusFilter) explain(n int) string   { return fmt.Sprintf("%d had a status other than ACTIVE", n) }
