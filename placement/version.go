package placement

import (
	"cmp"
	"strconv"
	"strings"
)

// validVersion accepts versions such as 1.14.5, v1.2 or 1.20.0-beta: an
// optional v, then a leading digit.
func validVersion(s string) bool {
	s = strings.TrimPrefix(s, "v")
	return s != "" && s[0] >= '0' && s[0] <= '9'
}

// compareVersions compares dotted versions component by component: the
// numeric prefix of each component as a number, the rest as a string;
// missing components count as 0 ("1.2" == "1.2.0").
func compareVersions(a, b string) int {
	pa := strings.Split(strings.TrimPrefix(a, "v"), ".")
	pb := strings.Split(strings.TrimPrefix(b, "v"), ".")
	for i := range max(len(pa), len(pb)) {
		x, y := "0", "0"
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if d := compareComponent(x, y); d != 0 {
			return d
		}
	}
	return 0
}

func compareComponent(x, y string) int {
	nx, rx := splitNumber(x)
	ny, ry := splitNumber(y)
	if d := cmp.Compare(nx, ny); d != 0 {
		return d
	}
	return strings.Compare(rx, ry)
}

func splitNumber(s string) (uint64, string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, err := strconv.ParseUint(s[:i], 10, 64)
	if err != nil && i > 0 {
		n = ^uint64(0)
	}
	return n, s[i:]
}
