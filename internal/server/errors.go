package server

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"calsync/ent"
	"calsync/ent/privacy"
	"calsync/internal/domain"
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
		if code == "" {
			var ge *gqlerror.Error
			if errors.As(err, &ge) && ge.Err == nil {
				// Raised by gqlgen itself while reading arguments.
				code, msg = domain.CodeBadUserInput, ge.Message
			} else if errors.As(err, &ge) && ge.Err != nil && isInputError(ge) {
				code, msg = domain.CodeBadUserInput, ge.Message
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
		return gerr
	}
}

// isInputError tells argument-decoding failures (a bad Time, an unknown
// enum value): gqlgen reports them against an input path.
func isInputError(ge *gqlerror.Error) bool {
	return strings.Contains(ge.Message, "cannot parse") || strings.HasPrefix(ge.Message, "input:")
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
		return domain.CodeBadUserInput, "invalid " + ve.Name + ": " + cleanValidation(ve), ve.Name
	case errors.As(err, &nf):
		return domain.CodeNotFound, "not found", ""
	case errors.As(err, &ce):
		return domain.CodeConflict, "conflicts with existing data (duplicate, or still in use)", ""
	case errors.Is(err, privacy.Deny):
		return domain.CodeForbidden, "not allowed", ""
	}
	return "", "", ""
}

func cleanValidation(ve *ent.ValidationError) string {
	if u := errors.Unwrap(ve); u != nil {
		return u.Error()
	}
	return ve.Error()
}
