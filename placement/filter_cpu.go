package placement

import "fmt"

// cpuFilter admits instances with enough remaining CPU units.
type cpuFilter struct{ cpu int64 }

func (f cpuFilter) pass(in *Instance) bool { return in.RemainingCPU >= f.cpu }
func (cpuFilter) reason() string           { return ReasonCPU }
func (cpuFilter) explain(n int) string     { return fmt.Sprintf("%d lacked CPU", n) }
