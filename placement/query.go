package placement

import (
	"fmt"
	"strings"
)

// Expression is a compiled cluster query language expression (ECS-SPEC
// §4.5). It is immutable and safe for concurrent use. The same value serves
// the memberOf placement constraint and the ListContainerInstances filter.
type Expression struct {
	root node
}

// SyntaxError reports an expression that does not parse or does not
// type-check. Pos is the byte offset (0-based) at which the problem was
// found and Expected says what would have been valid there.
type SyntaxError struct {
	// Expr is the expression text.
	Expr string
	// Pos is the byte offset of the problem.
	Pos int
	// Expected describes what was expected at Pos.
	Expected string
	// Found is what was found at Pos ("end of expression" at the end).
	Found string
}

// Error says what was expected at which position.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("expected %s at position %d, found %s", e.Expected, e.Pos, e.Found)
}

// maxDepth bounds the nesting of parentheses and not, so that no input can
// exhaust the stack.
const maxDepth = 100

// ParseExpression compiles a cluster query language expression such as
// `attribute:ecs.instance-type =~ t2.* and not(task:group == database)`.
// Errors are *SyntaxError.
func ParseExpression(s string) (*Expression, error) {
	p := &parser{src: s}
	root, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		return nil, p.errorf("'and', 'or' or end of expression")
	}
	return &Expression{root: root}, nil
}

// MustParseExpression is ParseExpression for expressions known to be
// valid, such as constants in tests; it panics on error.
func MustParseExpression(s string) *Expression {
	e, err := ParseExpression(s)
	if err != nil {
		panic(err)
	}
	return e
}

// Match reports whether the instance satisfies the expression.
func (e *Expression) Match(in *Instance) bool {
	return e.root.match(in)
}

// String returns the expression in canonical form: operators as symbols,
// compounds as 'and', 'or' and 'not(...)', values quoted only when needed.
// Parsing the canonical form yields an equivalent expression.
func (e *Expression) String() string {
	var b strings.Builder
	e.root.write(&b)
	return b.String()
}

// node is one node of a compiled expression.
type node interface {
	match(in *Instance) bool
	write(b *strings.Builder)
}

type orNode []node

func (n orNode) match(in *Instance) bool {
	for _, c := range n {
		if c.match(in) {
			return true
		}
	}
	return false
}

func (n orNode) write(b *strings.Builder) {
	for i, c := range n {
		if i > 0 {
			b.WriteString(" or ")
		}
		c.write(b)
	}
}

type andNode []node

func (n andNode) match(in *Instance) bool {
	for _, c := range n {
		if !c.match(in) {
			return false
		}
	}
	return true
}

func (n andNode) write(b *strings.Builder) {
	for i, c := range n {
		if i > 0 {
			b.WriteString(" and ")
		}
		if _, ok := c.(orNode); ok {
			b.WriteByte('(')
			c.write(b)
			b.WriteByte(')')
			continue
		}
		c.write(b)
	}
}

type notNode struct{ x node }

func (n notNode) match(in *Instance) bool { return !n.x.match(in) }

func (n notNode) write(b *strings.Builder) {
	b.WriteString("not(")
	n.x.write(b)
	b.WriteByte(')')
}
