package server

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"calsync/ent"
	"calsync/ent/privacy"
	"calsync/internal/domain"
	"calsync/internal/viewer"
)

// presentError maps every resolver error to a message and
// extensions.code; anything unexpected becomes "internal error" plus one
// log line, so no internals leak.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		if gerr.Extensions != nil && gerr.Extensions["code"] != nil {
			return gerr // parse/validation errors already carry a code
		}
		code, msg, field := classify(err)
		var retryAfter time.Duration
		if de := (*domain.Error)(nil); errors.As(err, &de) {
			retryAfter = de.RetryAfter
		}
		if code == domain.CodeForbidden && anonymous(ctx) {
			code, msg = domain.CodeUnauthenticated, "sign in first"
		}
		if code == "" {
			var ge *gqlerror.Error
			if errors.As(err, &ge) && (ge.Err == nil || argumentsFailed(ctx)) {
				// Raised by gqlgen itself while reading arguments (a bad
				// Time literal, a malformed ID).
				code, msg = domain.CodeBadUserInput, "invalid argument: "+argumentMessage(ge)
			} else {
				code, msg = domain.CodeInternal, "internal error"
				log.ErrorContext(ctx, "graphql resolver failed", slog.String("path", gerr.Path.String()), slog.Any("error", err))
			}
		}
		gerr.Message = msg
		if gerr.Extensions == nil {
			gerr.Extensions = map[string]any{}
		}
		gerr.Extensions["code"] = string(code)
		if field != "" {
			gerr.Extensions["field"] = field
		}
		if retryAfter > 0 {
			gerr.Extensions["retryAfterSeconds"] = int((retryAfter + time.Second - 1) / time.Second)
		}
		return gerr
	}
}

// argumentsFailed tells whether the error arose while decoding the field's
// arguments: gqlgen sets the field context before decoding them and the
// decoded Args only after success.
func argumentsFailed(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	return fc != nil && fc.Args == nil && fc.Field.Field != nil && len(fc.Field.Arguments) > 0
}

// anonymous reports whether nobody is signed in on this request.
func anonymous(ctx context.Context) bool {
	v, ok := viewer.FromContext(ctx)
	return !ok || v.UserID == 0
}

// argumentMessage says what was wrong with an argument in the user's
// words: gqlgen passes on the parser's error (strconv.Atoi: …).
func argumentMessage(ge *gqlerror.Error) string {
	var ne *strconv.NumError
	if errors.As(ge, &ne) || strings.Contains(ge.Message, "strconv.") {
		return "invalid id" // IDs are the only integers parsed from strings
	}
	if strings.Contains(ge.Message, "cursor") {
		return "invalid cursor: pass one from pageInfo of an earlier page"
	}
	return ge.Message
}

func classify(err error) (code domain.Code, msg, field string) {
	var de *domain.Error
	var ve *ent.ValidationError
	var nf *ent.NotFoundError
	var ce *ent.ConstraintError
	switch {
	case errors.As(err, &de):
		return de.Code, de.Message, de.Field
	case errors.As(err, &ve):
		name := domain.APIFieldName(ve.Name)
		return domain.CodeBadUserInput, "invalid " + name + ": " + cleanValidation(ve), name
	case errors.As(err, &nf):
		return domain.CodeNotFound, "not found", ""
	case errors.As(err, &ce):
		return domain.CodeConflict, "conflicts with existing data (duplicate, or still in use)", ""
	case errors.Is(err, privacy.Deny):
		return domain.CodeForbidden, "not allowed", ""
	case strings.Contains(err.Error(), "empty predicate"):
		// entgql's where-inputs refuse {} inside and/or/not this way.
		return domain.CodeBadUserInput, "a filter (where, and, or, not) may not be empty", "where"
	}
	return "", "", ""
}

// cleanValidation is the validator's own message, without ent's wrapping
// ("ent: validator failed for field …").
func cleanValidation(ve *ent.ValidationError) string {
	var inner error = ve
	for u := errors.Unwrap(inner); u != nil; u = errors.Unwrap(inner) {
		inner = u
	}
	msg := inner.Error()
	if msg == "value is less than the required length" {
		return "must not be empty"
	}
	return msg
}
