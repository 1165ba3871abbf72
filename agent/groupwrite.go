package agent

import "sync"

// groupWrite lets concurrent callers share writes of a file that holds a
// whole state (group commit): a caller that comes while a write is on its
// way waits for the next one, which covers every caller that came before
// it started, so that a caller returns once the file holds its change and
// changes made together cost a few encodings of the whole state rather
// than one each.
type groupWrite struct {
	mu      sync.Mutex
	cond    sync.Cond // L is &mu; broadcast when a write ends
	writing bool
	asked   uint64 // calls so far
	done    uint64 // calls covered by the last write that ended
}

// do returns once a call of write that started after do was called has
// ended; write takes its snapshot of the state when called.
func (g *groupWrite) do(write func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cond.L == nil {
		g.cond.L = &g.mu
	}
	g.asked++
	for mine := g.asked; g.done < mine; {
		if g.writing {
			g.cond.Wait()
			continue
		}
		g.writing = true
		upto := g.asked
		g.mu.Unlock()
		write()
		g.mu.Lock()
		g.writing, g.done = false, upto
		g.cond.Broadcast()
	}
}
