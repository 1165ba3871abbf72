package placement

import (
	"errors"
	"testing"
)

// FuzzParse checks that any input either parses, round-trips through its
// canonical form and evaluates without panicking, or fails with a
// *SyntaxError positioned inside the input.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"attribute:ecs.instance-type == t2.small",
		"attribute:ecs.availability-zone in [us-east-1a, us-east-1b]",
		"attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d",
		"not(task:group == database)",
		"runningTasksCount == 1 || agentVersion < 1.14.5",
		"registeredAt < 2018-02-13T22:28:28+00:00",
		"ec2InstanceId in ['i-abcd1234', \"i-wxyx7890\"]",
		"!(attribute:stack exists) && agentConnected != false",
		"attribute:x not_in [a,b] or attribute:y !exists",
		"((attribute:a == 'x y'))",
	} {
		f.Add(s)
	}
	fleet := queryFleet()
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseExpression(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("%q: error %v is not a *SyntaxError", s, err)
			}
			if se.Pos < 0 || se.Pos > len(s) {
				t.Fatalf("%q: position %d outside the input", s, se.Pos)
			}
			return
		}
		canon := e.String()
		e2, err := ParseExpression(canon)
		if err != nil {
			t.Fatalf("%q: canonical form %q does not parse: %v", s, canon, err)
		}
		if again := e2.String(); again != canon {
			t.Fatalf("%q: canonical form %q re-prints as %q", s, canon, again)
		}
		for i := range fleet {
			if e.Match(&fleet[i]) != e2.Match(&fleet[i]) {
				t.Fatalf("%q and its canonical form %q disagree on instance %s", s, canon, fleet[i].ID)
			}
		}
	})
}
