package outlook

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// This file implements the part of OData $filter that calendar clients
// use on events: comparisons joined by and/or/not, and any() lambdas over
// categories and singleValueExtendedProperties, inside which a string
// extended property's value also takes startswith() and contains(), as
// Graph documents for extended properties (case-insensitive), e.g.
//
//	singleValueExtendedProperties/Any(ep: ep/id eq 'String {guid} Name x' and ep/value eq 'y')
//	singleValueExtendedProperties/Any(ep: ep/id eq 'String {guid} Name x' and startswith(ep/value, 'calsync:'))
//	start/dateTime ge '2024-01-01T00:00:00' and subject eq 'Standup'

// filterNode is a parsed filter expression.
type filterNode interface {
	eval(env filterEnv) bool
}

// filterEnv resolves property paths against one item (and a lambda
// variable bound to an element of a collection).
type filterEnv struct {
	in      instance
	lambdaV string
	elem    any // ExtendedProp or string
}

type tokKind int

const (
	tokIdent tokKind = iota
	tokString
	tokNumber
	tokLParen
	tokRParen
	tokSlash
	tokColon
	tokComma
	tokEOF
)

type token struct {
	kind tokKind
	text string
}

func lexFilter(s string) ([]token, error) {
	var out []token
	i := 0
	for i < len(s) {
		ch := rune(s[i])
		switch {
		case unicode.IsSpace(ch):
			i++
		case ch == '(':
			out = append(out, token{tokLParen, "("})
			i++
		case ch == ')':
			out = append(out, token{tokRParen, ")"})
			i++
		case ch == '/':
			out = append(out, token{tokSlash, "/"})
			i++
		case ch == ':':
			out = append(out, token{tokColon, ":"})
			i++
		case ch == ',':
			out = append(out, token{tokComma, ","})
			i++
		case ch == '\'':
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated string literal")
			}
			out = append(out, token{tokString, b.String()})
		case ch == '-' || (ch >= '0' && ch <= '9'):
			j := i + 1
			for j < len(s) && !unicode.IsSpace(rune(s[j])) && s[j] != ')' && s[j] != ',' {
				j++
			}
			out = append(out, token{tokNumber, s[i:j]})
			i = j
		case unicode.IsLetter(ch) || ch == '_' || ch == '@' || ch == '$':
			j := i + 1
			for j < len(s) && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])) || s[j] == '_' || s[j] == '.' || s[j] == '@') {
				j++
			}
			out = append(out, token{tokIdent, s[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q", ch)
		}
	}
	return append(out, token{kind: tokEOF}), nil
}

type filterParser struct {
	toks []token
	pos  int
	vars map[string]string // lambda variable -> its collection, lower case
}

// parseFilter parses a $filter value; the error text is what Graph's 400
// says after "Invalid filter clause".
func parseFilter(s string) (filterNode, error) {
	toks, err := lexFilter(s)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks, vars: map[string]string{}}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tokEOF {
		return nil, fmt.Errorf("syntax error at position %d", p.pos)
	}
	return n, nil
}

func (p *filterParser) peek() token { return p.toks[p.pos] }
func (p *filterParser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *filterParser) isKeyword(word string) bool {
	t := p.peek()
	return t.kind == tokIdent && strings.EqualFold(t.text, word)
}

func (p *filterParser) parseOr() (filterNode, error) {
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("or") {
		p.next()
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		left = orNode{left, right}
	}
	return left, nil
}

func (p *filterParser) parseAnd() (filterNode, error) {
	left, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("and") {
		p.next()
		right, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		left = andNode{left, right}
	}
	return left, nil
}

func (p *filterParser) parseUnary() (filterNode, error) {
	if p.isKeyword("not") {
		p.next()
		n, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	}
	if p.peek().kind == tokLParen {
		p.next()
		n, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if p.next().kind != tokRParen {
			return nil, fmt.Errorf("missing ')'")
		}
		return n, nil
	}
	return p.parseComparison()
}

// parsePath reads ident(/ident)* and stops before a lambda operator.
func (p *filterParser) parsePath() ([]string, error) {
	t := p.next()
	if t.kind != tokIdent {
		return nil, fmt.Errorf("expected a property name")
	}
	path := []string{t.text}
	for p.peek().kind == tokSlash {
		p.next()
		t := p.next()
		if t.kind != tokIdent {
			return nil, fmt.Errorf("expected a property name after '/'")
		}
		path = append(path, t.text)
		if strings.EqualFold(t.text, "any") || strings.EqualFold(t.text, "all") {
			break
		}
	}
	return path, nil
}

func (p *filterParser) parseComparison() (filterNode, error) {
	path, err := p.parsePath()
	if err != nil {
		return nil, err
	}
	last := path[len(path)-1]
	if strings.EqualFold(last, "any") || strings.EqualFold(last, "all") {
		return p.parseLambda(path[:len(path)-1], strings.EqualFold(last, "all"))
	}
	if len(path) == 1 && p.peek().kind == tokLParen {
		return p.parseFunction(path[0])
	}
	opTok := p.next()
	op := strings.ToLower(opTok.text)
	switch op {
	case "eq", "ne", "gt", "ge", "lt", "le":
	default:
		return nil, fmt.Errorf("expected a comparison operator after '%s'", strings.Join(path, "/"))
	}
	lit := p.next()
	var value any
	switch lit.kind {
	case tokString:
		value = lit.text
	case tokNumber:
		value = lit.text
	case tokIdent:
		switch strings.ToLower(lit.text) {
		case "true":
			value = true
		case "false":
			value = false
		case "null":
			value = nil
		default:
			return nil, fmt.Errorf("unsupported literal '%s'", lit.text)
		}
	default:
		return nil, fmt.Errorf("expected a literal after '%s'", op)
	}
	if err := p.checkPath(path); err != nil {
		return nil, err
	}
	return cmpNode{path: path, op: op, value: value}, nil
}

func (p *filterParser) parseLambda(coll []string, all bool) (filterNode, error) {
	if p.next().kind != tokLParen {
		return nil, fmt.Errorf("expected '(' after any")
	}
	v := p.next()
	if v.kind != tokIdent {
		return nil, fmt.Errorf("expected a lambda variable")
	}
	if p.next().kind != tokColon {
		return nil, fmt.Errorf("expected ':' after the lambda variable")
	}
	name := strings.Join(coll, "/")
	if !strings.EqualFold(name, "singleValueExtendedProperties") && !strings.EqualFold(name, "categories") {
		return nil, fmt.Errorf("any() is not supported on '%s'", name)
	}
	p.vars[v.text] = strings.ToLower(name)
	body, err := p.parseOr()
	delete(p.vars, v.text)
	if err != nil {
		return nil, err
	}
	if p.next().kind != tokRParen {
		return nil, fmt.Errorf("missing ')' after the lambda body")
	}
	return lambdaNode{coll: strings.ToLower(name), v: v.text, body: body, all: all}, nil
}

// parseFunction reads startswith(path, 'text') or contains(path, 'text'),
// optionally compared with eq/ne true/false as OData allows. Graph
// documents them on the value of a string extended property; elsewhere
// the emulator refuses them rather than guess what Outlook supports.
func (p *filterParser) parseFunction(name string) (filterNode, error) {
	fn := strings.ToLower(name)
	if fn != "startswith" && fn != "contains" {
		return nil, fmt.Errorf("unknown function '%s'", name)
	}
	p.next() // (
	path, err := p.parsePath()
	if err != nil {
		return nil, err
	}
	if p.next().kind != tokComma {
		return nil, fmt.Errorf("expected ',' in %s()", name)
	}
	arg := p.next()
	if arg.kind != tokString {
		return nil, fmt.Errorf("%s() takes a string literal", name)
	}
	if p.next().kind != tokRParen {
		return nil, fmt.Errorf("missing ')' after %s()", name)
	}
	coll, isVar := p.vars[path[0]]
	if !isVar || coll != "singlevalueextendedproperties" || len(path) != 2 || !strings.EqualFold(path[1], "value") {
		return nil, fmt.Errorf("the function '%s' is not supported on '%s'", name, strings.Join(path, "/"))
	}
	n := fnNode{fn: fn, arg: strings.ToLower(arg.text), want: true}
	if p.isKeyword("eq") || p.isKeyword("ne") {
		negate := p.isKeyword("ne")
		p.next()
		lit := p.next()
		if lit.kind != tokIdent || (!strings.EqualFold(lit.text, "true") && !strings.EqualFold(lit.text, "false")) {
			return nil, fmt.Errorf("%s() can only be compared with true or false", name)
		}
		n.want = strings.EqualFold(lit.text, "true") != negate
	}
	return n, nil
}

// fnNode is startswith/contains on the value of the extended property
// bound to the enclosing lambda variable.
type fnNode struct {
	fn   string
	arg  string // lower case
	want bool
}

func (n fnNode) eval(env filterEnv) bool {
	ep, ok := env.elem.(extendedProp)
	if !ok {
		return false
	}
	// Graph compares extended property values case-insensitively.
	v := strings.ToLower(ep.Value)
	var got bool
	switch n.fn {
	case "startswith":
		got = strings.HasPrefix(v, n.arg)
	case "contains":
		got = strings.Contains(v, n.arg)
	}
	return got == n.want
}

// filterable are the event properties the emulator can filter on.
var filterable = map[string]bool{
	"subject": true, "importance": true, "sensitivity": true, "showas": true, "type": true,
	"isallday": true, "iscancelled": true, "icaluid": true, "transactionid": true, "seriesmasterid": true,
	"start/datetime": true, "end/datetime": true, "createddatetime": true, "lastmodifieddatetime": true,
	"location/displayname": true, "isreminderon": true, "id": true,
}

func (p *filterParser) checkPath(path []string) error {
	if _, ok := p.vars[path[0]]; ok {
		return nil
	}
	if !filterable[strings.ToLower(strings.Join(path, "/"))] {
		return fmt.Errorf("the property '%s' does not support filtering", strings.Join(path, "/"))
	}
	return nil
}

type andNode struct{ l, r filterNode }
type orNode struct{ l, r filterNode }
type notNode struct{ n filterNode }

func (n andNode) eval(env filterEnv) bool { return n.l.eval(env) && n.r.eval(env) }
func (n orNode) eval(env filterEnv) bool  { return n.l.eval(env) || n.r.eval(env) }
func (n notNode) eval(env filterEnv) bool { return !n.n.eval(env) }

type lambdaNode struct {
	coll string
	v    string
	body filterNode
	all  bool
}

func (n lambdaNode) eval(env filterEnv) bool {
	var elems []any
	switch n.coll {
	case "singlevalueextendedproperties":
		for _, p := range env.in.Source.ExtendedProps {
			elems = append(elems, p)
		}
	case "categories":
		for _, c := range env.in.Source.Categories {
			elems = append(elems, c)
		}
	}
	for _, el := range elems {
		ok := n.body.eval(filterEnv{in: env.in, lambdaV: n.v, elem: el})
		if ok && !n.all {
			return true
		}
		if !ok && n.all {
			return false
		}
	}
	return n.all
}

type cmpNode struct {
	path  []string
	op    string
	value any
}

func (n cmpNode) eval(env filterEnv) bool {
	left, kind := n.resolve(env)
	switch kind {
	case "time":
		lt, _ := left.(time.Time)
		rs, ok := n.value.(string)
		if !ok {
			return false
		}
		rt, ok := parseFilterTime(rs)
		if !ok {
			return false
		}
		return compareOrdered(lt.Compare(rt), n.op)
	case "bool":
		lb, _ := left.(bool)
		rb, ok := n.value.(bool)
		if !ok {
			return false
		}
		switch n.op {
		case "eq":
			return lb == rb
		case "ne":
			return lb != rb
		}
		return false
	case "ci":
		ls, _ := left.(string)
		rs, _ := n.value.(string)
		return compareOrdered(strings.Compare(strings.ToLower(ls), strings.ToLower(rs)), n.op)
	default:
		ls, _ := left.(string)
		if n.value == nil {
			return (n.op == "eq") == (ls == "")
		}
		rs, ok := n.value.(string)
		if !ok {
			return false
		}
		return compareOrdered(strings.Compare(strings.ToLower(ls), strings.ToLower(rs)), n.op)
	}
}

func compareOrdered(c int, op string) bool {
	switch op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	}
	return false
}

// resolve returns the value of the compared property and how to compare it.
func (n cmpNode) resolve(env filterEnv) (any, string) {
	if env.lambdaV != "" && n.path[0] == env.lambdaV {
		switch el := env.elem.(type) {
		case string:
			return el, "ci"
		case extendedProp:
			if len(n.path) == 2 && strings.EqualFold(n.path[1], "id") {
				return el.ID, "ci"
			}
			if len(n.path) == 2 && strings.EqualFold(n.path[1], "value") {
				return el.Value, "str"
			}
		}
		return "", "str"
	}
	in, ev := env.in, env.in.Source
	switch strings.ToLower(strings.Join(n.path, "/")) {
	case "id":
		return in.ID, "str"
	case "subject":
		return ev.Subject, "str"
	case "importance":
		return ev.Importance, "ci"
	case "sensitivity":
		return ev.Sensitivity, "ci"
	case "showas":
		return ev.ShowAs, "ci"
	case "type":
		return in.Type, "ci"
	case "isallday":
		return ev.IsAllDay, "bool"
	case "iscancelled":
		return ev.IsCancelled, "bool"
	case "isreminderon":
		return ev.IsReminderOn, "bool"
	case "icaluid":
		return ev.ICalUID, "ci"
	case "transactionid":
		return ev.TransactionID, "str"
	case "seriesmasterid":
		if in.Master != nil {
			return in.Master.ID, "str"
		}
		return "", "str"
	case "location/displayname":
		return ev.Location, "str"
	case "start/datetime":
		return in.Start, "time"
	case "end/datetime":
		return in.End, "time"
	case "createddatetime":
		return ev.Created, "time"
	case "lastmodifieddatetime":
		return ev.Modified, "time"
	}
	return "", "str"
}

// parseFilterTime reads a dateTime literal; one without an offset is UTC,
// as start/dateTime values are stored.
func parseFilterTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	return time.Time{}, false
}
