package fake

// labelIndex finds containers by the value of a label without a scan. It
// indexes only the label keys List has been asked to match by value (the
// agent looks its task's containers up by task ARN), so an engine that
// carries thousands of containers answers those lookups at the cost of
// what they return, and keeps nothing for labels nobody asks about.
type labelIndex map[string]map[string]*idSet

// idSet is a set of container IDs. Most label values name one or a few
// containers (a task's ARN), so a set starts as a slice and becomes a map
// only once it grows past maxFewIDs.
type idSet struct {
	few  []string
	many map[string]struct{}
}

const maxFewIDs = 8

func (s *idSet) add(id string) {
	switch {
	case s.many != nil:
		s.many[id] = struct{}{}
	case len(s.few) < maxFewIDs:
		for _, x := range s.few {
			if x == id {
				return
			}
		}
		s.few = append(s.few, id)
	default:
		s.many = make(map[string]struct{}, 2*maxFewIDs)
		for _, x := range s.few {
			s.many[x] = struct{}{}
		}
		s.many[id] = struct{}{}
		s.few = nil
	}
}

func (s *idSet) remove(id string) {
	if s.many != nil {
		delete(s.many, id)
		return
	}
	for i, x := range s.few {
		if x == id {
			s.few = append(s.few[:i], s.few[i+1:]...)
			return
		}
	}
}

func (s *idSet) len() int { return len(s.few) + len(s.many) }

// each calls f with every ID of the set.
func (s *idSet) each(f func(id string)) {
	for _, id := range s.few {
		f(id)
	}
	for id := range s.many {
		f(id)
	}
}

// lookupLabel returns the IDs of the containers whose label key has value
// (nil: none), indexing key first if need be; r.mu is held.
func (r *Runtime) lookupLabel(key, value string) *idSet {
	byValue, ok := r.index[key]
	if !ok {
		if r.index == nil {
			r.index = labelIndex{}
		}
		byValue = map[string]*idSet{}
		r.index[key] = byValue
		for id, c := range r.containers {
			if v, ok := c.labels.get(key); ok {
				addID(byValue, v, id)
			}
		}
	}
	return byValue[value]
}

// indexContainer adds a new container to the indexes; r.mu is held.
func (r *Runtime) indexContainer(c *container) {
	for key, byValue := range r.index {
		if v, ok := c.labels.get(key); ok {
			addID(byValue, v, c.status.ID)
		}
	}
}

// unindexContainer removes a dropped container; r.mu is held.
func (r *Runtime) unindexContainer(c *container) {
	for key, byValue := range r.index {
		if v, ok := c.labels.get(key); ok {
			if ids := byValue[v]; ids != nil {
				ids.remove(c.status.ID)
				if ids.len() == 0 {
					delete(byValue, v)
				}
			}
		}
	}
}

func addID(byValue map[string]*idSet, value, id string) {
	ids := byValue[value]
	if ids == nil {
		ids = &idSet{}
		byValue[value] = ids
	}
	ids.add(id)
}
