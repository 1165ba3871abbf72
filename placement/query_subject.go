package placement

import "strings"

// subject is what a comparison reads from an instance.
type subject int

const (
	subjAgentConnected subject = iota
	subjAgentVersion
	subjAttribute
	subjEC2InstanceID
	subjRegisteredAt
	subjRunningTasksCount
	subjTaskGroup
)

var subjectNames = [...]string{
	subjAgentConnected:    "agentConnected",
	subjAgentVersion:      "agentVersion",
	subjAttribute:         "attribute:NAME",
	subjEC2InstanceID:     "ec2InstanceId",
	subjRegisteredAt:      "registeredAt",
	subjRunningTasksCount: "runningTasksCount",
	subjTaskGroup:         "task:group",
}

func (s subject) String() string { return subjectNames[s] }

// lookupSubject recognises a subject word; for attribute:NAME it also
// returns NAME.
func lookupSubject(w string) (subject, string, bool) {
	if name, ok := strings.CutPrefix(w, "attribute:"); ok {
		return subjAttribute, name, name != ""
	}
	for s, n := range subjectNames {
		if n == w && subject(s) != subjAttribute {
			return subject(s), "", true
		}
	}
	return 0, "", false
}

// op is a comparison operator.
type op int

const (
	opEq op = iota
	opNe
	opGt
	opGe
	opLt
	opLe
	opExists
	opNotExists
	opIn
	opNotIn
	opMatches
	opNotMatches
)

var opSymbols = [...]string{
	opEq: "==", opNe: "!=", opGt: ">", opGe: ">=", opLt: "<", opLe: "<=",
	opExists: "exists", opNotExists: "!exists", opIn: "in", opNotIn: "!in",
	opMatches: "=~", opNotMatches: "!~",
}

func (o op) String() string { return opSymbols[o] }

// symbolOps lists the symbolic operators, longest first so that ">="
// wins over ">".
var symbolOps = [...]struct {
	text string
	op   op
}{
	{"!exists", opNotExists}, {"==", opEq}, {"!=", opNe}, {">=", opGe}, {"<=", opLe},
	{"=~", opMatches}, {"!~", opNotMatches}, {"!in", opNotIn}, {">", opGt}, {"<", opLt},
}

// wordOps maps the word aliases (lower case) to operators.
var wordOps = map[string]op{
	"equals": opEq, "not_equals": opNe, "greater_than": opGt, "greater_than_equal": opGe,
	"less_than": opLt, "less_than_equal": opLe, "exists": opExists, "not_exists": opNotExists,
	"in": opIn, "not_in": opNotIn, "matches": opMatches, "not_matches": opNotMatches,
}

// allowedOps is the operator set of each subject, from ECS's documentation
// (exists and !exists also for task:group: "runs any task").
var allowedOps = [...][]op{
	subjAgentConnected:    {opEq, opNe, opIn, opNotIn, opMatches, opNotMatches},
	subjAgentVersion:      {opEq, opNe, opGt, opGe, opLt, opLe},
	subjAttribute:         {opEq, opNe, opGt, opGe, opLt, opLe, opExists, opNotExists, opIn, opNotIn, opMatches, opNotMatches},
	subjEC2InstanceID:     {opEq, opNe, opIn, opNotIn, opMatches, opNotMatches},
	subjRegisteredAt:      {opEq, opNe, opGt, opGe, opLt, opLe},
	subjRunningTasksCount: {opEq, opNe, opGt, opGe, opLt, opLe},
	subjTaskGroup:         {opEq, opNe, opIn, opNotIn, opMatches, opNotMatches, opExists, opNotExists},
}

func (s subject) allows(o op) bool {
	for _, a := range allowedOps[s] {
		if a == o {
			return true
		}
	}
	return false
}

func (s subject) allowedOps() string {
	var names []string
	for _, a := range allowedOps[s] {
		names = append(names, a.String())
	}
	return strings.Join(names, ", ")
}
