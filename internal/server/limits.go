package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"calsync/internal/auth"
	"calsync/internal/domain"
)

// Limits bound what one GraphQL document may cost. Every figure is checked
// with work linear in the size of the document (fragment spreads are
// memoized), so a hostile document is refused for about the cost of
// reading it.
type Limits struct {
	// MaxTokens bounds the lexical size of a document.
	MaxTokens int
	// MaxFragments bounds the fragment definitions of a document.
	MaxFragments int
	// MaxMergeCost bounds the work of checking that fields with the same
	// response name can be merged (validation compares them pairwise): the
	// sum over selection sets and response names of the squared size of the
	// fields sharing that name, fragments expanded.
	MaxMergeCost float64
	// MaxDepth bounds nesting; fragments count where they are spread.
	MaxDepth int
	// MaxComplexity bounds the cost of executing an operation: one per
	// field, children multiplied by the page size of connections and by
	// the number of ids of nodes(ids:).
	MaxComplexity int
	// MaxPageSize bounds first/last; DefaultPageSize applies when a
	// connection is asked for with neither.
	MaxPageSize, DefaultPageSize int
	// MaxNodes bounds nodes(ids:).
	MaxNodes int
	// MaxInputList bounds any list given as an argument (idIn, …);
	// MaxInputDepth the nesting of argument values (where: {not: {not: …}});
	// MaxInputNodes the values, lists and objects of all arguments of an
	// operation together (where: {or: [{or: [...]}, …]}).
	MaxInputList, MaxInputDepth, MaxInputNodes int
	// MaxSchemaFields and MaxTypeFields bound __schema and __type per
	// operation: their lists are long and aliases would repeat them.
	MaxSchemaFields, MaxTypeFields int
	// MaxSubscriptions bounds the subscriptions open on one websocket.
	MaxSubscriptions int
}

// DefaultLimits are the limits unless configured otherwise.
func DefaultLimits() Limits {
	return Limits{
		MaxTokens:        5000,
		MaxFragments:     100,
		MaxMergeCost:     200_000,
		MaxDepth:         12,
		MaxComplexity:    5000,
		MaxPageSize:      500,
		DefaultPageSize:  100,
		MaxNodes:         100,
		MaxInputList:     500,
		MaxInputDepth:    10,
		MaxInputNodes:    2000,
		MaxSchemaFields:  1,
		MaxTypeFields:    10,
		MaxSubscriptions: 20,
	}
}

func limitError(code domain.Code, format string, args ...any) *gqlerror.Error {
	e := gqlerror.Errorf(format, args...)
	e.Extensions = map[string]any{"code": string(code)}
	return e
}

// codeComplexity is gqlgen's code for an operation over the complexity limit.
const codeComplexity domain.Code = "COMPLEXITY_LIMIT_EXCEEDED"

// documentGuard refuses documents whose validation alone would be costly,
// before gqlgen parses and validates them: validation compares fields
// pairwise and walks fragments, and a document of a few hundred bytes can
// otherwise cost seconds. A document already in gqlgen's query cache has
// passed this check and is not parsed again.
type documentGuard struct {
	limits Limits
	cache  graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = documentGuard{}

func (documentGuard) ExtensionName() string                   { return "DocumentGuard" }
func (documentGuard) Validate(graphql.ExecutableSchema) error { return nil }

func (g documentGuard) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	// Variables are bounded before gqlgen coerces them against their
	// input types, which costs far more per value than reading the JSON.
	nodes := 0
	for name, v := range p.Variables {
		if msg := valueBound(v, 1, &nodes, g.limits); msg != "" {
			e := limitError(domain.CodeBadUserInput, "variable $%s: %s", name, msg)
			e.Extensions["field"] = name
			return e
		}
	}
	if p.Query == "" {
		return nil
	}
	if _, ok := g.cache.Get(ctx, p.Query); ok {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, g.limits.MaxTokens)
	if err != nil {
		return nil // gqlgen reports the parse error itself
	}
	if n := len(doc.Fragments); n > g.limits.MaxFragments {
		return limitError(domain.CodeBadUserInput, "the document defines %d fragments; the limit is %d", n, g.limits.MaxFragments)
	}
	if c := mergeCost(doc); c > g.limits.MaxMergeCost {
		return limitError(codeComplexity, "the document repeats too many fields (merge cost %s; the limit is %.0f)", humanCost(c), g.limits.MaxMergeCost)
	}
	return nil
}

// valueBound checks an argument or variable value against the limits on
// argument values: list length, nesting and the number of values in all
// variables together (counted in *nodes).
func valueBound(v any, depth int, nodes *int, l Limits) string {
	if *nodes++; *nodes > l.MaxInputNodes {
		return fmt.Sprintf("the arguments hold more than %d values together", l.MaxInputNodes)
	}
	if depth > l.MaxInputDepth {
		return fmt.Sprintf("nested more than %d levels deep", l.MaxInputDepth)
	}
	switch x := v.(type) {
	case []any:
		if len(x) > l.MaxInputList {
			return fmt.Sprintf("a list of %d items; the limit is %d", len(x), l.MaxInputList)
		}
		for _, e := range x {
			if msg := valueBound(e, depth+1, nodes, l); msg != "" {
				return msg
			}
		}
	case map[string]any:
		for _, e := range x {
			if msg := valueBound(e, depth+1, nodes, l); msg != "" {
				return msg
			}
		}
	}
	return ""
}

func humanCost(c float64) string {
	if c > 1e12 || math.IsInf(c, 0) {
		return "over 10¹²"
	}
	return fmt.Sprintf("%.0f", c)
}

// mergeCost bounds the pairwise work of the overlapping-fields check: for
// every selection set written in the document, the sizes of the fields
// sharing a response name (fragment spreads expanded, memoized per
// fragment) are summed and squared.
func mergeCost(doc *ast.QueryDocument) float64 {
	m := &merger{doc: doc, memo: map[string]*expansion{}, sets: map[*ast.Selection]*expansion{}}
	var cost float64
	// Every selection set written in the document is checked once —
	// field sets and inline fragments at any depth as well as the
	// operations' and fragments' own.
	var walk func(set ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		if cost > 1e15 {
			return
		}
		cost += m.setCost(set)
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if len(s.SelectionSet) > 0 {
					walk(s.SelectionSet)
				}
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			}
		}
	}
	for _, op := range doc.Operations {
		walk(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		walk(f.SelectionSet)
	}
	return cost
}

// expansion is a selection set with fragments expanded: its size in
// fields and, per response name, the summed size of the fields bearing it.
type expansion struct {
	size   float64
	byName map[string]float64
}

type merger struct {
	doc  *ast.QueryDocument
	memo map[string]*expansion
	// sets memoizes expansions by selection set (its first element).
	sets map[*ast.Selection]*expansion
	// visiting breaks fragment cycles (validation reports them).
	visiting map[string]bool
}

func (m *merger) setCost(set ast.SelectionSet) float64 {
	var cost float64
	for _, v := range m.expand(set).byName {
		cost += v * v
		if cost > 1e15 {
			return math.Inf(1)
		}
	}
	return cost
}

func (m *merger) expand(set ast.SelectionSet) *expansion {
	if len(set) == 0 {
		return &expansion{}
	}
	if x, ok := m.sets[&set[0]]; ok {
		return x
	}
	e := &expansion{byName: map[string]float64{}}
	add := func(x *expansion) {
		e.size += x.size
		for k, v := range x.byName {
			e.byName[k] += v
		}
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			name := s.Alias
			if name == "" {
				name = s.Name
			}
			size := 1.0
			if len(s.SelectionSet) > 0 {
				size += m.expand(s.SelectionSet).size
			}
			e.size += size
			e.byName[name] += size
		case *ast.InlineFragment:
			add(m.expand(s.SelectionSet))
		case *ast.FragmentSpread:
			add(m.fragment(s.Name))
		}
	}
	m.sets[&set[0]] = e
	return e
}

func (m *merger) fragment(name string) *expansion {
	if x, ok := m.memo[name]; ok {
		return x
	}
	def := m.doc.Fragments.ForName(name)
	if def == nil || m.visiting[name] {
		return &expansion{}
	}
	if m.visiting == nil {
		m.visiting = map[string]bool{}
	}
	m.visiting[name] = true
	x := m.expand(def.SelectionSet)
	delete(m.visiting, name)
	m.memo[name] = x
	return x
}

// operationLimits checks a validated operation against the limits with
// its variables: depth, complexity, page sizes, nodes(ids:) and the size
// of argument values. Fragments are measured once and reused wherever
// they are spread.
type operationLimits struct{ limits Limits }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = operationLimits{}

func (operationLimits) ExtensionName() string                   { return "OperationLimits" }
func (operationLimits) Validate(graphql.ExecutableSchema) error { return nil }

func (o operationLimits) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	m := &measure{limits: o.limits, doc: oc.Doc, vars: oc.Variables, memo: map[string]cost{}}
	c := m.set(oc.Operation.SelectionSet)
	if m.err != nil {
		return m.err
	}
	if c.depth > o.limits.MaxDepth {
		return limitError(domain.CodeBadUserInput, "operation is nested %d levels deep; the limit is %d", c.depth, o.limits.MaxDepth)
	}
	if c.schemaFields > float64(o.limits.MaxSchemaFields) || c.typeFields > float64(o.limits.MaxTypeFields) {
		return limitError(domain.CodeBadUserInput, "an operation may ask for __schema at most %d time(s) and for __type at most %d times", o.limits.MaxSchemaFields, o.limits.MaxTypeFields)
	}
	if c.complexity > float64(o.limits.MaxComplexity) {
		return limitError(codeComplexity, "operation has complexity %s, which exceeds the limit of %d", humanCost(c.complexity), o.limits.MaxComplexity)
	}
	return nil
}

type cost struct {
	depth      int
	complexity float64
	// schemaFields and typeFields count __schema and __type, fragments
	// counted wherever they are spread.
	schemaFields, typeFields float64
}

type measure struct {
	limits   Limits
	doc      *ast.QueryDocument
	vars     map[string]any
	memo     map[string]cost
	visiting map[string]bool
	// inputNodes counts argument values checked so far.
	inputNodes int
	err        *gqlerror.Error
}

func (m *measure) set(set ast.SelectionSet) cost {
	var out cost
	for _, sel := range set {
		if m.err != nil {
			return out
		}
		var c cost
		switch s := sel.(type) {
		case *ast.Field:
			c = m.field(s)
		case *ast.InlineFragment:
			c = m.set(s.SelectionSet)
		case *ast.FragmentSpread:
			c = m.fragment(s.Name)
		}
		out.depth = max(out.depth, c.depth)
		out.complexity = math.Min(out.complexity+c.complexity, math.MaxFloat64)
		out.schemaFields += c.schemaFields
		out.typeFields += c.typeFields
	}
	return out
}

func (m *measure) fragment(name string) cost {
	if c, ok := m.memo[name]; ok {
		return c
	}
	def := m.doc.Fragments.ForName(name)
	if def == nil || m.visiting[name] {
		return cost{}
	}
	if m.visiting == nil {
		m.visiting = map[string]bool{}
	}
	m.visiting[name] = true
	c := m.set(def.SelectionSet)
	delete(m.visiting, name)
	m.memo[name] = c
	return c
}

func (m *measure) field(f *ast.Field) cost {
	// Each field is measured once: fragments are memoized by name.
	mult := m.arguments(f)
	if m.err != nil {
		return cost{}
	}
	child := m.set(f.SelectionSet)
	c := cost{depth: child.depth + 1, complexity: 1 + mult*child.complexity, schemaFields: child.schemaFields, typeFields: child.typeFields}
	switch f.Name {
	case "__schema":
		c.schemaFields++
	case "__type":
		c.typeFields++
	}
	return c
}

// arguments checks a field's argument values once and returns the factor
// its children's cost is multiplied by.
func (m *measure) arguments(f *ast.Field) float64 {
	if len(f.Arguments) == 0 {
		if n, ok := listBounds[objectField(f)]; ok {
			return n
		}
		return 1
	}
	args := f.ArgumentMap(m.vars)
	for name, v := range args {
		if msg := valueBound(v, 1, &m.inputNodes, m.limits); msg != "" {
			m.err = limitError(domain.CodeBadUserInput, "argument %s of %s: %s", name, f.Name, msg)
			m.err.Extensions["field"] = name
			return 1
		}
	}
	for _, name := range []string{"first", "last"} {
		if n, ok := intArg(args[name]); ok && (n < 0 || n > int64(m.limits.MaxPageSize)) {
			m.err = limitError(domain.CodeBadUserInput, "%s must be between 0 and %d", name, m.limits.MaxPageSize)
			m.err.Extensions["field"] = name
			return 1
		}
	}
	if f.Name == "nodes" {
		if ids, ok := args["ids"].([]any); ok && len(ids) > m.limits.MaxNodes {
			m.err = limitError(domain.CodeBadUserInput, "nodes takes at most %d ids at once", m.limits.MaxNodes)
			m.err.Extensions["field"] = "ids"
			return 1
		}
	}
	return m.multiplier(f, args)
}

func (m *measure) multiplier(f *ast.Field, args map[string]any) float64 {
	if f.Name == "nodes" {
		if ids, ok := args["ids"].([]any); ok {
			return float64(max(len(ids), 1))
		}
	}
	if n, ok := listBounds[objectField(f)]; ok {
		return n
	}
	if !isConnection(f) {
		return 1
	}
	for _, name := range []string{"first", "last"} {
		if n, ok := intArg(args[name]); ok {
			return float64(max(n, 1))
		}
	}
	return float64(m.limits.DefaultPageSize)
}

// listBounds are list fields without paging arguments: their children
// count this many times. Booking.conflicts holds at most 25 entries (so
// the count is what it costs, nested or not); a calendar view's entries
// and overlaps are bounded by their range and counted as a page of 100.
var listBounds = map[string]float64{
	"Booking.conflicts":    25,
	"CalendarView.entries": 100,
	"Query.overlaps":       100,
}

func objectField(f *ast.Field) string {
	if f.ObjectDefinition == nil {
		return f.Name
	}
	return f.ObjectDefinition.Name + "." + f.Name
}

func isConnection(f *ast.Field) bool {
	return f.Definition != nil && f.Definition.Type != nil && strings.HasSuffix(f.Definition.Type.Name(), "Connection")
}

func intArg(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case float64:
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

// defaultPage gives a connection asked for with neither first nor last a
// page of DefaultPageSize rather than every row.
func defaultPage(limits Limits) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc != nil && fc.Args != nil && isConnection(fc.Field.Field) {
			first, hasFirst := fc.Args["first"].(*int)
			last, hasLast := fc.Args["last"].(*int)
			if hasFirst && hasLast && first == nil && last == nil {
				n := limits.DefaultPageSize
				fc.Args["first"] = &n
			}
		}
		return next(ctx)
	}
}

// csrfCheck refuses mutations authenticated by the session cookie unless
// they carry the session's X-CSRF-Token header. Bearer-token requests are
// not exposed to CSRF and pass.
type csrfCheck struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = csrfCheck{}

func (csrfCheck) ExtensionName() string                   { return "CSRFCheck" }
func (csrfCheck) Validate(graphql.ExecutableSchema) error { return nil }

func (csrfCheck) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || oc.Operation.Operation != ast.Mutation {
		return nil
	}
	r := auth.RequestFromContext(ctx)
	if r != nil && r.Kind == auth.KindSession && !r.CSRFValid {
		e := gqlerror.Errorf("missing or wrong %s header", auth.CSRFHeader)
		e.Extensions = map[string]any{"code": string(domain.CodeForbidden)}
		return e
	}
	return nil
}

// txPerMutation runs each mutation operation in one database transaction
// (entgql.Transactioner). It lets requests that never became an operation
// (malformed JSON, unparsable query) through untouched: Transactioner
// itself assumes an operation context and would panic on them.
type txPerMutation struct{ entgql.Transactioner }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = txPerMutation{}

func (t txPerMutation) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	return t.Transactioner.InterceptResponse(ctx, next)
}

// hashingFields hash a password (argon2: tens of milliseconds and 19 MiB
// each): an operation may hold one of them, written as its only root field.
var hashingFields = map[string]bool{"signIn": true, "setPassword": true, "createUser": true}

// passwordFieldAlone refuses mutations that carry a password-hashing field
// next to any other root field, more than once, or inside a fragment:
// aliases would otherwise hash hundreds of passwords per request (and the
// transaction decision, which looks at root fields, would not see it).
type passwordFieldAlone struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = passwordFieldAlone{}

func (passwordFieldAlone) ExtensionName() string                   { return "PasswordFieldAlone" }
func (passwordFieldAlone) Validate(graphql.ExecutableSchema) error { return nil }

func (passwordFieldAlone) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || oc.Operation.Operation != ast.Mutation {
		return nil
	}
	name := rootField(oc.Doc, oc.Operation.SelectionSet, func(n string) bool { return hashingFields[n] }, map[string]bool{})
	if name == "" {
		return nil
	}
	set := oc.Operation.SelectionSet
	if f, ok := set[0].(*ast.Field); ok && len(set) == 1 && f.Name == name {
		return nil
	}
	return limitError(domain.CodeBadUserInput, "%s must be the only field of its mutation (no aliases, fragments or other fields)", name)
}

// rootField names the first root field, fragments included (each looked
// at once), that match accepts, or "". doc may be nil for a validated
// operation (its spreads know their fragments).
func rootField(doc *ast.QueryDocument, set ast.SelectionSet, match func(string) bool, seen map[string]bool) string {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if match(s.Name) {
				return s.Name
			}
		case *ast.InlineFragment:
			if n := rootField(doc, s.SelectionSet, match, seen); n != "" {
				return n
			}
		case *ast.FragmentSpread:
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			def := s.Definition // set by validation
			if def == nil && doc != nil {
				def = doc.Fragments.ForName(s.Name)
			}
			if def != nil {
				if n := rootField(doc, def.SelectionSet, match, seen); n != "" {
					return n
				}
			}
		}
	}
	return ""
}
