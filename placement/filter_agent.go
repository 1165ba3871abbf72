package placement

import "fmt"

// agentFilter admits instances whose agent is connected.
type agentFilter struct{}

func (agentFilter) pass(in *Instance) bool { return in.AgentConnected }
func (agentFilter) reason() string         { return ReasonAgent }
func (agentFilter) explain(n int) string {
	return fmt.Sprintf("%d had no connected agent", n)
}
