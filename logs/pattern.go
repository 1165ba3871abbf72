package logs

import "strings"

// pattern is a plain-text filter pattern: every required term must occur,
// at least one optional (?) term must occur if there are any, and no
// excluded (-) term may occur. Terms are case-sensitive; a quoted term is
// one phrase.
type pattern struct {
	all, any, none []string
}

func compilePattern(p string) (*pattern, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return nil, nil
	}
	if p[0] == '{' || p[0] == '[' || p[0] == '%' {
		return nil, invalid("Invalid filter pattern: only plain terms are supported, not JSON, space-delimited or regex patterns: %s", p)
	}
	terms, err := splitTerms(p)
	if err != nil {
		return nil, err
	}
	pt := &pattern{}
	for _, t := range terms {
		switch {
		case strings.HasPrefix(t.text, "?") && !t.quoted:
			if t.text != "?" {
				pt.any = append(pt.any, t.text[1:])
			}
		case strings.HasPrefix(t.text, "-") && !t.quoted && len(t.text) > 1:
			pt.none = append(pt.none, t.text[1:])
		default:
			pt.all = append(pt.all, t.text)
		}
	}
	return pt, nil
}

type term struct {
	text   string
	quoted bool
}

// splitTerms splits on spaces outside double quotes; `?"a b"` and
// `-"a b"` keep their prefix.
func splitTerms(p string) ([]term, error) {
	var out []term
	var b strings.Builder
	inQuote, quoted := false, false
	flush := func() {
		if b.Len() > 0 || quoted {
			out = append(out, term{b.String(), quoted})
		}
		b.Reset()
		quoted = false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '"':
			inQuote = !inQuote
			if b.Len() == 0 {
				quoted = true
			}
		case c == '\\' && inQuote && i+1 < len(p):
			i++
			b.WriteByte(p[i])
		case c == ' ' && !inQuote:
			flush()
		default:
			b.WriteByte(c)
		}
	}
	if inQuote {
		return nil, invalid("Invalid filter pattern: unbalanced quote in %s", p)
	}
	flush()
	return out, nil
}

func (pt *pattern) match(msg string) bool {
	if pt == nil {
		return true
	}
	for _, t := range pt.all {
		if !strings.Contains(msg, t) {
			return false
		}
	}
	for _, t := range pt.none {
		if strings.Contains(msg, t) {
			return false
		}
	}
	if len(pt.any) == 0 {
		return true
	}
	for _, t := range pt.any {
		if strings.Contains(msg, t) {
			return true
		}
	}
	return false
}
