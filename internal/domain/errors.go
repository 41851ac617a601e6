package domain

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error for API clients (GraphQL extensions.code).
type Code string

// The error codes clients decide on.
const (
	CodeUnauthenticated Code = "UNAUTHENTICATED"
	CodeForbidden       Code = "FORBIDDEN"
	CodeNotFound        Code = "NOT_FOUND"
	CodeBadUserInput    Code = "BAD_USER_INPUT"
	CodeConflict        Code = "CONFLICT"
	CodeInternal        Code = "INTERNAL"
	// CodeTooManyRequests: the caller tried too often (sign-in guesses);
	// the error's RetryAfter says when to try again.
	CodeTooManyRequests Code = "TOO_MANY_REQUESTS"
	// CodeUnavailable: the server is too busy right now (HTTP 503); try
	// again after RetryAfter.
	CodeUnavailable Code = "UNAVAILABLE"
)

// Error is an error whose message is safe to show to the user.
type Error struct {
	Code Code
	// Field names the input field at fault, when there is one.
	Field   string
	Message string
	// RetryAfter is when the client may try again (TOO_MANY_REQUESTS,
	// UNAVAILABLE); zero otherwise.
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Message }

// Errorf builds an Error.
func Errorf(code Code, format string, a ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
}

// InvalidField is a BAD_USER_INPUT error about one input field.
func InvalidField(field string, err error) error {
	return &Error{Code: CodeBadUserInput, Field: field, Message: field + ": " + err.Error()}
}

// NotFound is a NOT_FOUND error for a kind of thing and its id.
func NotFound(kind string, id int) error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf("%s %d not found", kind, id)}
}

// CodeOf returns the code of a domain error in err's chain, or "".
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
