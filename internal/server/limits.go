package server

import (
	"context"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"calsync/internal/auth"
	"calsync/internal/domain"
)

// depthLimit rejects operations nested deeper than max (fragments count at
// the depth where they are spread).
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if depth := selectionDepth(oc.Operation.SelectionSet, 0, d.max+1); depth > d.max {
		e := gqlerror.Errorf("operation is nested %d levels deep; the limit is %d", depth, d.max)
		e.Extensions = map[string]any{"code": string(domain.CodeBadUserInput)}
		return e
	}
	return nil
}

func selectionDepth(set ast.SelectionSet, depth, stop int) int {
	if depth >= stop {
		return depth
	}
	deepest := depth
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.SelectionSet) == 0 {
				d = depth + 1
			} else {
				d = selectionDepth(s.SelectionSet, depth+1, stop)
			}
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, depth, stop)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				d = selectionDepth(s.Definition.SelectionSet, depth, stop)
			}
		}
		if d > deepest {
			deepest = d
		}
	}
	return deepest
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

// signInAlone refuses operations that carry signIn next to any other root
// field (or twice): each sign-in runs a deliberately slow password hash,
// and aliases would otherwise try hundreds of passwords per request.
type signInAlone struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = signInAlone{}

func (signInAlone) ExtensionName() string                   { return "SignInAlone" }
func (signInAlone) Validate(graphql.ExecutableSchema) error { return nil }

func (signInAlone) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || oc.Operation.Operation != ast.Mutation {
		return nil
	}
	signIns := 0
	for _, sel := range oc.Operation.SelectionSet {
		if f, ok := sel.(*ast.Field); ok && f.Name == "signIn" {
			signIns++
		}
	}
	if signIns > 0 && len(oc.Operation.SelectionSet) > 1 {
		e := gqlerror.Errorf("signIn must be the only field of its mutation")
		e.Extensions = map[string]any{"code": string(domain.CodeBadUserInput)}
		return e
	}
	return nil
}
