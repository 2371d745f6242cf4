package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/emberhq/ember/api"
)

// Error is a reply with a status other than 2xx. The server writes most
// failures as plain text, which becomes Message; a request it could not
// read gets FastAPI's JSON 422, whose issues are in Issues and summed up in
// Message.
type Error struct {
	StatusCode int
	Message    string
	// Issues lists the problems of a FastAPI-style 422.
	Issues []api.ValidationIssue
	// RejectedSpans is set when SpanService.Create was refused because
	// some spans were already stored or invalid; none was stored.
	RejectedSpans *api.CreateSpansErrorBody
	// Method and Path name the request, for the error text.
	Method string
	Path   string

	body []byte
}

// Error names the request, the status and the server's message.
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.StatusCode, msg)
}

// newError reads a failed reply's body.
func newError(method, path string, status int, contentType string, body []byte) *Error {
	e := &Error{StatusCode: status, Method: method, Path: path, body: body}
	text := strings.TrimSpace(string(body))
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/json" || strings.HasPrefix(text, "{") {
		var reply struct {
			Detail json.RawMessage `json:"detail"`
		}
		if json.Unmarshal(body, &reply) == nil && len(reply.Detail) > 0 {
			var issues []api.ValidationIssue
			var detail string
			if json.Unmarshal(reply.Detail, &issues) == nil {
				e.Issues = issues
				e.Message = issuesMessage(issues)
			} else if json.Unmarshal(reply.Detail, &detail) == nil {
				e.Message = detail
			}
		}
	}
	if e.Message == "" {
		e.Message = text
	}
	return e
}

// issuesMessage sums up FastAPI issues as "query.limit: Input should be
// greater than 0; ...".
func issuesMessage(issues []api.ValidationIssue) string {
	parts := make([]string, len(issues))
	for i, is := range issues {
		loc := make([]string, len(is.Loc))
		for j, l := range is.Loc {
			loc[j] = fmt.Sprint(l)
		}
		parts[i] = is.Msg
		if len(loc) > 0 {
			parts[i] = strings.Join(loc, ".") + ": " + is.Msg
		}
	}
	return strings.Join(parts, "; ")
}

// StatusCode returns the HTTP status of the first *Error in err's chain,
// or 0 when there is none (a transport failure, a canceled context).
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// IsNotFound reports whether err is a 404: an unknown project, span, trace
// or session.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsConflict reports whether err is a 409.
func IsConflict(err error) bool { return StatusCode(err) == http.StatusConflict }

// IsUnauthorized reports whether err is a 401: a missing or wrong API key.
func IsUnauthorized(err error) bool { return StatusCode(err) == http.StatusUnauthorized }

// IsForbidden reports whether err is a 403: a key without the right role,
// a read-only server, or a protected thing such as the default project.
func IsForbidden(err error) bool { return StatusCode(err) == http.StatusForbidden }

// IsUnprocessable reports whether err is a 422: input the server refused.
func IsUnprocessable(err error) bool {
	return StatusCode(err) == http.StatusUnprocessableEntity
}

// IsBadRequest reports whether err is a 400: for annotations, the
// reserved name "note"; for annotation configs, an inconsistent config.
func IsBadRequest(err error) bool { return StatusCode(err) == http.StatusBadRequest }
