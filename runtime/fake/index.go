package fake

// labelIndex finds containers by the value of a label without a scan. It
// indexes only the label keys List has been asked to match by value (the
// agent looks its task's containers up by task ARN), so an engine that
// carries thousands of containers answers those lookups at the cost of
// what they return, and keeps nothing for labels nobody asks about.
type labelIndex map[string]map[string]map[string]struct{}

// lookup returns the IDs of the containers whose label key has value,
// indexing key first if need be; r.mu is held.
func (r *Runtime) lookupLabel(key, value string) map[string]struct{} {
	byValue, ok := r.index[key]
	if !ok {
		if r.index == nil {
			r.index = labelIndex{}
		}
		byValue = map[string]map[string]struct{}{}
		r.index[key] = byValue
		for id, c := range r.containers {
			if v, ok := c.status.Labels[key]; ok {
				addID(byValue, v, id)
			}
		}
	}
	return byValue[value]
}

// indexContainer adds a new container to the indexes; r.mu is held.
func (r *Runtime) indexContainer(c *container) {
	for key, byValue := range r.index {
		if v, ok := c.status.Labels[key]; ok {
			addID(byValue, v, c.status.ID)
		}
	}
}

// unindexContainer removes a dropped container; r.mu is held.
func (r *Runtime) unindexContainer(c *container) {
	for key, byValue := range r.index {
		if v, ok := c.status.Labels[key]; ok {
			delete(byValue[v], c.status.ID)
			if len(byValue[v]) == 0 {
				delete(byValue, v)
			}
		}
	}
}

func addID(byValue map[string]map[string]struct{}, value, id string) {
	ids := byValue[value]
	if ids == nil {
		ids = map[string]struct{}{}
		byValue[value] = ids
	}
	ids[id] = struct{}{}
}
