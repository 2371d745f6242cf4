package ember

import (
	"errors"
	"fmt"
)

// Application error codes. Each maps to one HTTP status and one gRPC code at
// the edge; any error that is not an *Error is reported as EINTERNAL and its
// details are only logged.
const (
	ECONFLICT      = "conflict"      // a unique name or id is taken
	EINTERNAL      = "internal"      // a bug or an unexpected failure
	EINVALID       = "invalid"       // the request is malformed
	ENOTFOUND      = "not_found"     // the thing asked for does not exist
	EUNAUTHORIZED  = "unauthorized"  // no valid credential
	EFORBIDDEN     = "forbidden"     // a credential without the right
	EUNAVAILABLE   = "unavailable"   // at capacity or shutting down: retry later
	ETOOLARGE      = "too_large"     // the body exceeds its cap
	EUNSUPPORTED   = "unsupported"   // a content type or encoding Ember does not speak
	EUNPROCESSABLE = "unprocessable" // well-formed but semantically invalid input
	ETOOMANY       = "too_many"      // too many requests or failed attempts: wait
)

// Error is a failure meant for the user: Code selects the status, Message is
// shown verbatim.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("ember error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic message for any other error, whose details must not leak.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal Server Error"
}
