package placement

import (
	"strings"
)

// newStrategy returns the rank stage of a validated strategy, or nil for
// random: a random strategy leaves every remaining tie to the seeded random
// source, so it ends the ordering.
func newStrategy(s Strategy) strategy {
	switch s.Type {
	case Binpack:
		return binpack{memory: strings.EqualFold(s.Field, "memory")}
	case Spread:
		if name, ok := strings.CutPrefix(s.Field, "attribute:"); ok {
			return &spreadAttribute{name: name}
		}
		return spreadInstance{}
	}
	return nil
}
