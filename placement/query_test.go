package placement

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// queryFleet is a small fleet the §4.5 examples are evaluated against.
func queryFleet() []Instance {
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	return []Instance{
		{ID: "a", EC2InstanceID: "i-abcd1234", AgentConnected: true, AgentVersion: "1.14.4", RegisteredAt: at("2018-02-12T10:00:00Z"),
			RunningTasksCount: 1, Groups: map[string]int{"service:production": 1},
			Attributes: map[string]string{"ecs.instance-type": "t2.small", "ecs.availability-zone": "us-east-1a", "stack": "prod", "ecs.os-family": "WINDOWS_SERVER_2019_FULL"}},
		{ID: "b", EC2InstanceID: "i-wxyx7890", AgentConnected: true, AgentVersion: "1.14.5", RegisteredAt: at("2018-02-13T00:00:00Z"),
			RunningTasksCount: 2, Groups: map[string]int{"database": 2},
			Attributes: map[string]string{"ecs.instance-type": "g2.2xlarge", "ecs.availability-zone": "us-east-1b", "stack": "dev"}},
		{ID: "c", EC2InstanceID: "i-0000aaaa", AgentConnected: false, AgentVersion: "1.2.0", RegisteredAt: at("2019-01-01T00:00:00Z"),
			Attributes: map[string]string{"ecs.instance-type": "t2.medium", "ecs.availability-zone": "us-east-1d"}},
		{ID: "d", EC2InstanceID: "i-1111bbbb", AgentConnected: true, AgentVersion: "1.100.0", RegisteredAt: at("2017-06-01T00:00:00Z"),
			RunningTasksCount: 1, Groups: map[string]int{"databases": 1, "database": 0},
			Attributes: map[string]string{"ecs.instance-type": "g2.8xlarge", "ecs.availability-zone": "us-east-1d", "ecs.os-family": "WINDOWS_SERVER_2019_FULL"}},
	}
}

func matching(t *testing.T, expr string) string {
	t.Helper()
	e, err := ParseExpression(expr)
	if err != nil {
		t.Fatalf("ParseExpression(%q): %v", expr, err)
	}
	var ids []string
	for _, in := range queryFleet() {
		if e.Match(&in) {
			ids = append(ids, in.ID)
		}
	}
	return strings.Join(ids, ",")
}

// TestSpecExamples evaluates every example of ECS-SPEC §4.5.
func TestSpecExamples(t *testing.T) {
	tests := []struct {
		name, expr, want string
	}{
		{"1 instance type equals", "attribute:ecs.instance-type == t2.small", "a"},
		{"2 AZ in list", "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]", "a,b"},
		{"3 regex and not-equal", "attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d", "b"},
		{"4 task group affinity", "task:group == service:production", "a"},
		{"5 task group anti-affinity", "not(task:group == database)", "a,c,d"},
		{"6 running tasks count", "runningTasksCount == 1", "a,d"},
		{"7 agent version", "agentVersion < 1.14.5", "a,c"},
		{"8 registered before", "registeredAt < 2018-02-13", "a,d"},
		{"9 instance ids quoted list", "ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']", "a,b"},
		{"10 list filter", "attribute:ecs.instance-type == g2.2xlarge", "b"},
		{"11 custom attribute", "attribute:stack == prod", "a"},
		{"12 custom attribute not equal (missing does not match)", "attribute:stack != prod", "b"},
		{"13 type in list", "attribute:ecs.instance-type in [t2.small, t2.medium]", "a,c"},
		{"14 T2 in us-east-1a", "attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone == us-east-1a", "a"},
		{"15 windows build", "attribute:ecs.os-family == WINDOWS_SERVER_2019_FULL", "a,d"},
		{"16a T2 only", "attribute:ecs.instance-type =~ t2.*", "a,c"},
		{"16b co-locate with databases", "task:group == databases", "d"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := matching(t, tc.expr); got != tc.want {
				t.Errorf("%s matched %q, want %q", tc.expr, got, tc.want)
			}
		})
	}
}

func TestExpressionSemantics(t *testing.T) {
	tests := []struct {
		name, expr, want string
	}{
		{"word operator", "attribute:stack equals prod", "a"},
		{"and symbol", "attribute:stack == prod && runningTasksCount >= 1", "a"},
		{"or symbol", "attribute:stack == prod || attribute:stack == dev", "a,b"},
		{"or word upper case", "attribute:stack == prod OR attribute:stack == dev", "a,b"},
		{"bang not", "!(attribute:stack exists)", "c,d"},
		{"not precedence over and", "not attribute:stack exists and agentConnected == true", "d"},
		{"and binds tighter than or", "attribute:stack == dev or attribute:stack == prod and runningTasksCount == 5", "b"},
		{"parentheses", "(attribute:stack == dev or attribute:stack == prod) and runningTasksCount == 1", "a"},
		{"exists", "attribute:stack exists", "a,b"},
		{"not exists symbol", "attribute:stack !exists", "c,d"},
		{"not_exists word", "attribute:stack not_exists", "c,d"},
		{"not in symbol", "attribute:ecs.availability-zone !in [us-east-1a, us-east-1b]", "c,d"},
		{"not_in word", "attribute:ecs.availability-zone not_in [us-east-1a]", "b,c,d"},
		{"in single value", "attribute:stack in prod", "a"},
		{"regex whole value", "attribute:ecs.instance-type =~ t2", ""},
		{"regex not matches", "attribute:ecs.instance-type !~ t2.*", "b,d"},
		{"regex double quoted", `attribute:ecs.instance-type matches "g2\.(2|8)xlarge"`, "b,d"},
		{"version numeric components", "agentVersion >= 1.14.5", "b,d"},
		{"version equal with missing component", "agentVersion == 1.2", "c"},
		{"date with time Z", "registeredAt >= 2018-02-13T00:00:00Z", "b,c"},
		{"date with offset", "registeredAt > 2018-02-12T09:00:00-01:00", "b,c"},
		{"date without zone", "registeredAt == 2018-02-12T10:00:00", "a"},
		{"date only equality is by day", "registeredAt == 2018-02-12", "a"},
		{"agent connected", "agentConnected == false", "c"},
		{"agent connected regex", "agentConnected =~ f.*", "c"},
		{"running tasks greater", "runningTasksCount greater_than 1", "b"},
		{"running tasks le", "runningTasksCount less_than_equal 0", "c"},
		{"task group exists", "task:group exists", "a,b,d"},
		{"task group not equal means none", "task:group != database", "a,c,d"},
		{"task group regex", "task:group =~ data.*", "b,d"},
		{"attribute numeric order", "attribute:n > 9", ""},
		{"no spaces", "attribute:stack==prod&&runningTasksCount<2", "a"},
		{"quoted value with spaces", "attribute:stack in ['prod', \"dev\"]", "a,b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := matching(t, tc.expr); got != tc.want {
				t.Errorf("%s matched %q, want %q", tc.expr, got, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, expr string
		pos        int
		expected   string
	}{
		{"empty", "", 0, "a subject"},
		{"unknown subject", "color == red", 0, "a subject"},
		{"missing operator", "attribute:stack prod", 16, "an operator"},
		{"missing value", "attribute:stack ==", 18, "a value"},
		{"operator not valid for subject", "agentVersion =~ 1.*", 13, "an operator valid for agentVersion"},
		{"list with equals", "attribute:stack == [a, b]", 19, "a single value"},
		{"unclosed list", "attribute:stack in [a, b", 24, "',' or ']'"},
		{"unclosed quote", "attribute:stack == 'prod", 24, "closing"},
		{"unclosed paren", "(attribute:stack == prod", 24, "')'"},
		{"trailing garbage", "attribute:stack == prod prod", 24, "'and', 'or' or end of expression"},
		{"bad date", "registeredAt < yesterday", 15, "a date"},
		{"bad count", "runningTasksCount > many", 20, "an integer"},
		{"bad version", "agentVersion < latest", 15, "a version number"},
		{"bad bool", "agentConnected == yes", 18, "true or false"},
		{"bad regex", "attribute:x =~ 'a('", 15, "a regular expression"},
		{"dangling and", "attribute:stack == prod and", 27, "a subject"},
		{"empty attribute name", "attribute: == x", 0, "a subject"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseExpression(tc.expr)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("ParseExpression(%q) error = %v, want *SyntaxError", tc.expr, err)
			}
			if se.Pos != tc.pos || !strings.HasPrefix(se.Expected, tc.expected) {
				t.Errorf("got %q (pos %d, expected %q), want pos %d expected %q", err, se.Pos, se.Expected, tc.pos, tc.expected)
			}
			if !strings.Contains(err.Error(), "position") {
				t.Errorf("message %q does not say the position", err)
			}
		})
	}
}

func TestExpressionString(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"simple", "attribute:stack == prod", "attribute:stack == prod"},
		{"word ops become symbols", "attribute:a not_in [x,y] and b", ""},
		{"canonical compound", "(attribute:a == 1 || attribute:b == 2) && !(task:group == g)", "(attribute:a == 1 or attribute:b == 2) and not(task:group == g)"},
		{"quotes when needed", "attribute:a == 'x y'", "attribute:a == 'x y'"},
		{"list", "ec2InstanceId in ['i-1',i-2]", "ec2InstanceId in [i-1, i-2]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ParseExpression(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("ParseExpression(%q) succeeded, want error", tc.in)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := e.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}
