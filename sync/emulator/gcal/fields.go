package gcal

import (
	"errors"
	"strings"
)

// selection is a parsed partial-response "fields" parameter: each key maps
// to its sub-selection, nil meaning the whole value.
type selection map[string]selection

var errFieldSyntax = errors.New("gcal: bad fields syntax")

// parseFields parses Google's fields syntax: "a,b/c,items(id,start/dateTime)".
func parseFields(s string) (selection, error) {
	p := &fieldParser{s: strings.ReplaceAll(s, " ", "")}
	sel, err := p.list()
	if err != nil {
		return nil, err
	}
	if p.i != len(p.s) {
		return nil, errFieldSyntax
	}
	return sel, nil
}

type fieldParser struct {
	s string
	i int
}

func (p *fieldParser) list() (selection, error) {
	sel := selection{}
	for {
		if err := p.field(sel); err != nil {
			return nil, err
		}
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		return sel, nil
	}
}

func (p *fieldParser) name() (string, error) {
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(",/()", rune(p.s[p.i])) {
		p.i++
	}
	if p.i == start {
		return "", errFieldSyntax
	}
	return p.s[start:p.i], nil
}

func (p *fieldParser) field(into selection) error {
	n, err := p.name()
	if err != nil {
		return err
	}
	switch {
	case p.i < len(p.s) && p.s[p.i] == '/':
		p.i++
		sub := into[n]
		if sub == nil {
			sub = selection{}
		}
		if err := p.field(sub); err != nil {
			return err
		}
		into[n] = sub
	case p.i < len(p.s) && p.s[p.i] == '(':
		p.i++
		sub, err := p.list()
		if err != nil {
			return err
		}
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return errFieldSyntax
		}
		p.i++
		into[n] = mergeSelections(into[n], sub)
	default:
		into[n] = nil
	}
	return nil
}

func mergeSelections(a, b selection) selection {
	if a == nil {
		return b
	}
	for k, v := range b {
		a[k] = v
	}
	return a
}

// apply keeps the selected parts of a generic JSON value.
func (sel selection) apply(v any) any {
	if sel == nil {
		return v
	}
	if _, all := sel["*"]; all {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, sub := range sel {
			if val, ok := x[k]; ok {
				out[k] = sub.apply(val)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			out[i] = sel.apply(el)
		}
		return out
	default:
		return v
	}
}
