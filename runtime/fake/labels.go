package fake

// labelList is a container's labels, kept compactly as key, value, key,
// value…: a container's few labels take a third less room than in a map,
// and the runtime hands out maps (copies) anyway. A nil map is a nil list,
// an empty one an empty list.
type labelList []string

func packLabels(m map[string]string) labelList {
	if m == nil {
		return nil
	}
	l := make(labelList, 0, 2*len(m))
	for k, v := range m {
		l = append(l, k, v)
	}
	return l
}

// get returns the value of label k.
func (l labelList) get(k string) (string, bool) {
	for i := 0; i+1 < len(l); i += 2 {
		if l[i] == k {
			return l[i+1], true
		}
	}
	return "", false
}

// toMap returns the labels as a new map.
func (l labelList) toMap() map[string]string {
	if l == nil {
		return nil
	}
	m := make(map[string]string, len(l)/2)
	for i := 0; i+1 < len(l); i += 2 {
		m[l[i]] = l[i+1]
	}
	return m
}

// matches reports whether the container carries every wanted label, with
// its value unless the wanted value is empty.
func (l labelList) matches(want map[string]string) bool {
	for k, v := range want {
		got, ok := l.get(k)
		if !ok || (v != "" && got != v) {
			return false
		}
	}
	return true
}
