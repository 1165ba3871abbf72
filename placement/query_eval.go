package placement

import (
	"cmp"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// cmpNode is one comparison `subject op [argument]`, with its argument
// parsed once for the subject's type.
type cmpNode struct {
	subj  subject
	name  string // attribute name for attribute:NAME
	op    op
	args  []string
	re    *regexp.Regexp
	ints  []int64
	dates []dateArg
}

// dateArg is a registeredAt argument; day is set for date-only values,
// which compare by calendar day (UTC).
type dateArg struct {
	t   time.Time
	day bool
}

var dateLayouts = [...]string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"}

func parseDate(s string) (dateArg, bool) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return dateArg{t: t.UTC(), day: l == "2006-01-02"}, true
		}
	}
	return dateArg{}, false
}

// compile parses the arguments for the subject; on error it returns what
// was expected instead.
func (c *cmpNode) compile() (expected string, offset int) {
	if c.op == opMatches || c.op == opNotMatches {
		re, err := compileJavaRegexp(c.args[0])
		if err != nil {
			return "a regular expression (" + err.Error() + ")", 0
		}
		c.re = re
		return "", 0
	}
	for _, a := range c.args {
		switch c.subj {
		case subjAgentConnected:
			if a != "true" && a != "false" {
				return "true or false", 0
			}
		case subjAgentVersion:
			if !validVersion(a) {
				return "a version number such as 1.14.5", 0
			}
		case subjRegisteredAt:
			d, ok := parseDate(a)
			if !ok {
				return "a date (2018-06-18T22:28:28+00:00, 2018-06-18T22:28:28Z, 2018-06-18T22:28:28 or 2018-06-18)", 0
			}
			c.dates = append(c.dates, d)
		case subjRunningTasksCount:
			n, err := strconv.ParseInt(a, 10, 64)
			if err != nil {
				return "an integer", 0
			}
			c.ints = append(c.ints, n)
		}
	}
	return "", 0
}

// compileJavaRegexp compiles a java.util.regex pattern with String.matches
// semantics (the whole value must match). Constructs RE2 lacks
// (backreferences, lookaround, possessive quantifiers) are errors.
func compileJavaRegexp(s string) (*regexp.Regexp, error) {
	if _, err := regexp.Compile(s); err != nil {
		return nil, err
	}
	return regexp.Compile(`^(?:` + s + `)$`)
}

func (c *cmpNode) match(in *Instance) bool {
	if c.subj == subjTaskGroup {
		return c.matchGroups(in)
	}
	v, ok := c.value(in)
	switch c.op {
	case opExists:
		return ok
	case opNotExists:
		return !ok
	}
	if !ok {
		return false
	}
	switch c.op {
	case opEq, opIn:
		return c.anyEqual(in, v)
	case opNe, opNotIn:
		return !c.anyEqual(in, v)
	case opMatches:
		return c.re.MatchString(v)
	case opNotMatches:
		return !c.re.MatchString(v)
	}
	d := c.order(in, v, 0)
	switch c.op {
	case opGt:
		return d > 0
	case opGe:
		return d >= 0
	case opLt:
		return d < 0
	default: // opLe
		return d <= 0
	}
}

// matchGroups evaluates task:group, a subject with one value per task
// group on the instance: positive operators hold when any group satisfies
// them, negated ones when none does.
func (c *cmpNode) matchGroups(in *Instance) bool {
	some := func(f func(g string) bool) bool {
		for g, n := range in.Groups {
			if n > 0 && f(g) {
				return true
			}
		}
		return false
	}
	switch c.op {
	case opExists:
		return some(func(string) bool { return true })
	case opNotExists:
		return !some(func(string) bool { return true })
	case opEq, opIn:
		return some(c.inArgs)
	case opNe, opNotIn:
		return !some(c.inArgs)
	case opMatches:
		return some(c.re.MatchString)
	default: // opNotMatches
		return !some(c.re.MatchString)
	}
}

func (c *cmpNode) inArgs(v string) bool {
	for _, a := range c.args {
		if a == v {
			return true
		}
	}
	return false
}

// value reads the subject from the instance; ok is false when the
// instance lacks it.
func (c *cmpNode) value(in *Instance) (string, bool) {
	switch c.subj {
	case subjAgentConnected:
		return strconv.FormatBool(in.AgentConnected), true
	case subjAgentVersion:
		return in.AgentVersion, in.AgentVersion != ""
	case subjAttribute:
		v, ok := in.Attributes[c.name]
		return v, ok
	case subjEC2InstanceID:
		return in.EC2InstanceID, in.EC2InstanceID != ""
	case subjRegisteredAt:
		return "", !in.RegisteredAt.IsZero()
	default: // subjRunningTasksCount
		return "", true
	}
}

func (c *cmpNode) anyEqual(in *Instance, v string) bool {
	switch c.subj {
	case subjAgentVersion, subjRegisteredAt, subjRunningTasksCount:
		for i := range c.args {
			if c.order(in, v, i) == 0 {
				return true
			}
		}
		return false
	}
	return c.inArgs(v)
}

// order compares the instance's value with argument i in the subject's
// type: versions by component, dates at the argument's precision, counts
// as integers, attributes as numbers when both are numeric and as strings
// otherwise.
func (c *cmpNode) order(in *Instance, v string, i int) int {
	switch c.subj {
	case subjAgentVersion:
		return compareVersions(v, c.args[i])
	case subjRegisteredAt:
		d := c.dates[i]
		t := in.RegisteredAt.UTC()
		if d.day {
			y, m, dd := t.Date()
			t = time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
		} else {
			t = t.Truncate(time.Second)
		}
		return t.Compare(d.t)
	case subjRunningTasksCount:
		return cmp.Compare(int64(in.RunningTasksCount), c.ints[i])
	}
	a, errA := strconv.ParseFloat(v, 64)
	b, errB := strconv.ParseFloat(c.args[i], 64)
	if errA == nil && errB == nil {
		return cmp.Compare(a, b)
	}
	return strings.Compare(v, c.args[i])
}

func (c *cmpNode) write(b *strings.Builder) {
	if c.subj == subjAttribute {
		b.WriteString("attribute:" + c.name)
	} else {
		b.WriteString(c.subj.String())
	}
	b.WriteString(" " + c.op.String())
	switch {
	case c.op == opExists || c.op == opNotExists:
	case c.op == opIn || c.op == opNotIn:
		b.WriteString(" [")
		for i, a := range c.args {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quoteValue(a))
		}
		b.WriteByte(']')
	default:
		b.WriteString(" " + quoteValue(c.args[0]))
	}
}

// quoteValue quotes a value that would not scan back as one bare value.
func quoteValue(v string) string {
	if v != "" && !strings.ContainsAny(v, valueStop+" \t\r\n") {
		return v
	}
	if strings.ContainsRune(v, '\'') {
		return `"` + v + `"`
	}
	return "'" + v + "'"
}
