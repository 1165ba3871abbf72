package placement

// binpack prefers the instance with the least remaining CPU or memory that
// still fits the task, leaving whole instances free for larger tasks.
type binpack struct{ memory bool }

func (b binpack) key(p *plan, i int) int64 {
	if b.memory {
		return p.s.insts[i].RemainingMemory
	}
	return p.s.insts[i].RemainingCPU
}
