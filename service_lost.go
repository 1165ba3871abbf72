package ecs

// lost reports whether a task sits on an instance whose agent is
// disconnected. The scheduler cannot reach such a task: it neither counts
// it nor stops it, so a replacement starts elsewhere; when the agent comes
// back the task counts again and the surplus is scaled in.
func (p *pass) lost(t *taskRecord) bool {
	in := p.insts[t.InstanceID]
	if in == nil || in.Status == StatusInactive || t.Task.DesiredStatus != TaskStatusRunning {
		return false
	}
	return !p.cp.agents.connected(p.cp.instanceARN(in.Cluster, in.ID))
}
