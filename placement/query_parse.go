package placement

import (
	"strings"
	"unicode/utf8"
)

// parser is a recursive-descent parser over the expression text; it scans
// on demand because what a character means depends on where it appears
// (a '!' starts "not" before a subject but "!=" after one).
type parser struct {
	src string
	pos int
}

func (p *parser) errorf(expected string) error {
	return p.errorAt(p.pos, expected)
}

func (p *parser) errorAt(pos int, expected string) error {
	found := "end of expression"
	if pos < len(p.src) {
		r, _ := utf8.DecodeRuneInString(p.src[pos:])
		found = quoteRune(r)
	}
	return &SyntaxError{Expr: p.src, Pos: pos, Expected: expected, Found: found}
}

func quoteRune(r rune) string {
	if r == '\'' {
		return `"'"`
	}
	return "'" + string(r) + "'"
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && isSpace(p.src[p.pos]) {
		p.pos++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// subjectStop ends a subject or a word operator; valueStop ends a bare value.
const (
	subjectStop = "()[],'\"=!<>~&|"
	valueStop   = "()[],'\"&|"
)

// word scans a run of characters up to whitespace or one of stop.
func (p *parser) word(stop string) string {
	start := p.pos
	for p.pos < len(p.src) && !isSpace(p.src[p.pos]) && !strings.ContainsRune(stop, rune(p.src[p.pos])) {
		p.pos++
	}
	return p.src[start:p.pos]
}

// keyword reports whether the next word (case-insensitively) is kw,
// consuming it if so. A keyword must end at whitespace or punctuation.
func (p *parser) keyword(kw string) bool {
	p.skipSpace()
	save := p.pos
	w := p.word(subjectStop)
	if strings.EqualFold(w, kw) {
		return true
	}
	p.pos = save
	return false
}

// symbol reports whether the text continues with sym, consuming it if so.
func (p *parser) symbol(sym string) bool {
	p.skipSpace()
	if strings.HasPrefix(p.src[p.pos:], sym) {
		p.pos += len(sym)
		return true
	}
	return false
}

func (p *parser) parseOr(depth int) (node, error) {
	list, err := p.parseChain(depth, "||", "or", p.parseAnd)
	if err != nil || len(list) == 1 {
		return first(list), err
	}
	return orNode(list), nil
}

func (p *parser) parseAnd(depth int) (node, error) {
	list, err := p.parseChain(depth, "&&", "and", p.parseUnary)
	if err != nil || len(list) == 1 {
		return first(list), err
	}
	return andNode(list), nil
}

// parseChain parses operands joined by one operator (its symbol or its
// word), each with sub.
func (p *parser) parseChain(depth int, symbol, word string, sub func(int) (node, error)) ([]node, error) {
	n, err := sub(depth)
	if err != nil {
		return nil, err
	}
	list := []node{n}
	for p.symbol(symbol) || p.keyword(word) {
		next, err := sub(depth)
		if err != nil {
			return nil, err
		}
		list = append(list, next)
	}
	return list, nil
}

// first is the only operand of a chain without operators.
func first(list []node) node {
	if len(list) == 0 {
		return nil
	}
	return list[0]
}

func (p *parser) parseUnary(depth int) (node, error) {
	if depth >= maxDepth {
		return nil, p.errorf("an expression nested less deeply")
	}
	p.skipSpace()
	switch {
	case p.pos >= len(p.src):
		return nil, p.errorf("a subject, 'not' or '('")
	case p.src[p.pos] == '!' && !strings.HasPrefix(p.src[p.pos:], "!="):
		p.pos++
		x, err := p.parseUnary(depth + 1)
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	case p.keyword("not"):
		x, err := p.parseUnary(depth + 1)
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	case p.src[p.pos] == '(':
		p.pos++
		x, err := p.parseOr(depth + 1)
		if err != nil {
			return nil, err
		}
		if !p.symbol(")") {
			return nil, p.errorf("')'")
		}
		return x, nil
	}
	return p.parseComparison()
}

func (p *parser) parseComparison() (node, error) {
	p.skipSpace()
	start := p.pos
	w := p.word(subjectStop)
	subj, name, ok := lookupSubject(w)
	if !ok {
		p.pos = start
		return nil, p.errorf("a subject (agentConnected, agentVersion, attribute:NAME, ec2InstanceId, registeredAt, runningTasksCount or task:group)")
	}
	p.skipSpace()
	opPos := p.pos
	o, ok := p.operator()
	if !ok {
		return nil, p.errorAt(opPos, "an operator (==, !=, >, >=, <, <=, exists, !exists, in, !in, =~, !~ or a word alias)")
	}
	if !subj.allows(o) {
		return nil, p.errorAt(opPos, "an operator valid for "+subj.String()+" ("+subj.allowedOps()+")")
	}
	c := &cmpNode{subj: subj, name: name, op: o}
	if o == opExists || o == opNotExists {
		return c, nil
	}
	p.skipSpace()
	argPos := p.pos
	args, err := p.argument(o == opIn || o == opNotIn)
	if err != nil {
		return nil, err
	}
	c.args = args
	if expected, bad := c.compile(); expected != "" {
		return nil, p.errorAt(argPos+bad, expected)
	}
	return c, nil
}

// operator scans a comparison operator, symbol or word alias.
func (p *parser) operator() (op, bool) {
	rest := p.src[p.pos:]
	for _, s := range symbolOps {
		if strings.HasPrefix(rest, s.text) {
			p.pos += len(s.text)
			return s.op, true
		}
	}
	save := p.pos
	w := p.word(subjectStop)
	if o, ok := wordOps[strings.ToLower(w)]; ok {
		return o, true
	}
	p.pos = save
	return 0, false
}

// argument scans a value, or a list of values when list is true (a single
// value is then a list of one).
func (p *parser) argument(list bool) ([]string, error) {
	if p.pos < len(p.src) && p.src[p.pos] == '[' {
		if !list {
			return nil, p.errorf("a single value (lists are only valid with in and not_in)")
		}
		p.pos++
		var vals []string
		for {
			p.skipSpace()
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
			p.skipSpace()
			if p.symbol(",") {
				continue
			}
			if p.symbol("]") {
				return vals, nil
			}
			return nil, p.errorf("',' or ']'")
		}
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	return []string{v}, nil
}

// value scans a bare or quoted value. Quoted values run to the next quote
// of the same kind; there are no escapes.
func (p *parser) value() (string, error) {
	if p.pos < len(p.src) && (p.src[p.pos] == '\'' || p.src[p.pos] == '"') {
		q := p.src[p.pos]
		end := strings.IndexByte(p.src[p.pos+1:], q)
		if end < 0 {
			return "", p.errorAt(len(p.src), "closing "+quoteRune(rune(q)))
		}
		v := p.src[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		return v, nil
	}
	v := p.word(valueStop)
	if v == "" {
		return "", p.errorf("a value")
	}
	return v, nil
}
