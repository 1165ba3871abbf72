package placement

import "fmt"

// memoryFilter admits instances with enough remaining memory.
type memoryFilter struct{ memory int64 }

func (f memoryFilter) pass(in *Instance) bool { return in.RemainingMemory >= f.memory }
func (memoryFilter) reason() string           { return ReasonMemory }
func (memoryFilter) explain(n int) string     { return fmt.Sprintf("%d lacked memory", n) }
