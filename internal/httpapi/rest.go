package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emberhq/ember"
)

// The REST conventions every /v1 route shares, as Phoenix's clients expect
// them: {"data": ...} envelopes, next_cursor for lists, GlobalIDs, plain-text
// errors, and FastAPI-style JSON 422s for malformed input.

// maxJSONBody caps REST request bodies.
const maxJSONBody = 16 << 20

// dataEnvelope is the body of a single-object reply.
type dataEnvelope struct {
	Data any `json:"data"`
}

// listEnvelope is the body of a list reply. NextCursor is the GlobalID of the
// first row of the next page, or null on the last page.
type listEnvelope struct {
	Data       any     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// writeJSON writes v as a JSON reply.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		WriteText(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeNoContent answers a bodiless success.
func writeNoContent(w http.ResponseWriter) {
	w.WriteHeader(http.StatusNoContent)
}

// validationIssue is one entry of a FastAPI-style 422 "detail" list.
type validationIssue struct {
	Type  string         `json:"type"`
	Loc   []any          `json:"loc"`
	Msg   string         `json:"msg"`
	Input any            `json:"input"`
	Ctx   map[string]any `json:"ctx,omitempty"`
}

// writeValidation answers 422 with FastAPI's JSON shape, which clients
// read as {"detail": [...]}.
func writeValidation(w http.ResponseWriter, issues ...validationIssue) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": issues})
}

// queryLimit reads the limit query parameter: def when absent, and a 422
// unless it is an integer from 1 to max.
func queryLimit(w http.ResponseWriter, r *http.Request, def, max int) (int, bool) {
	raw, ok := r.URL.Query()["limit"]
	if !ok || len(raw) == 0 {
		return def, true
	}
	v := raw[len(raw)-1]
	n, err := strconv.Atoi(strings.TrimSpace(v))
	switch {
	case err != nil:
		writeValidation(w, validationIssue{Type: "int_parsing", Loc: []any{"query", "limit"}, Msg: "Input should be a valid integer, unable to parse string as an integer", Input: v})
		return 0, false
	case n <= 0:
		writeValidation(w, validationIssue{Type: "greater_than", Loc: []any{"query", "limit"}, Msg: "Input should be greater than 0", Input: v, Ctx: map[string]any{"gt": 0}})
		return 0, false
	case max > 0 && n > max:
		writeValidation(w, validationIssue{Type: "less_than_equal", Loc: []any{"query", "limit"}, Msg: fmt.Sprintf("Input should be less than or equal to %d", max), Input: v, Ctx: map[string]any{"le": max}})
		return 0, false
	}
	return n, true
}

// queryBool reads a boolean query parameter as FastAPI does.
func queryBool(w http.ResponseWriter, r *http.Request, name string, def bool) (bool, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, true
	}
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on", "t", "y":
		return true, true
	case "false", "0", "no", "off", "f", "n":
		return false, true
	}
	writeValidation(w, validationIssue{Type: "bool_parsing", Loc: []any{"query", name}, Msg: "Input should be a valid boolean, unable to interpret input", Input: v})
	return false, false
}

// queryCursor reads the cursor query parameter, a GlobalID whose row opens
// the page; 0 when absent. A cursor that does not decode is a plain-text 422.
func (h *Handler) queryCursor(w http.ResponseWriter, r *http.Request) (int64, bool) {
	v := r.URL.Query().Get("cursor")
	if v == "" {
		return 0, true
	}
	_, id, err := ember.ParseGlobalID(v)
	if err != nil {
		WriteText(w, http.StatusUnprocessableEntity, fmt.Sprintf("Invalid cursor format: %s", v))
		return 0, false
	}
	return id, true
}

// queryPage reads a listing's limit (def when absent, at most max when max
// is above 0) and cursor; on a bad one it answers 422 and returns false.
func (h *Handler) queryPage(w http.ResponseWriter, r *http.Request, def, max int) (limit int, cursor int64, ok bool) {
	if limit, ok = queryLimit(w, r, def, max); !ok {
		return 0, 0, false
	}
	if cursor, ok = h.queryCursor(w, r); !ok {
		return 0, 0, false
	}
	return limit, cursor, true
}

// page cuts rows fetched with limit+1 into a page and the next cursor.
func page[T any](rows []T, limit int, id func(T) string) ([]T, *string) {
	if len(rows) <= limit {
		return rows, nil
	}
	next := id(rows[limit])
	return rows[:limit], &next
}

// decodeBody decodes a JSON request body into v; on failure it answers 422
// as FastAPI does and returns false.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		WriteText(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body too large: the limit is %d bytes", maxJSONBody))
		return false
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		writeValidation(w, validationIssue{Type: "missing", Loc: []any{"body"}, Msg: "Field required", Input: nil})
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			loc := []any{"body"}
			for _, f := range strings.Split(typeErr.Field, ".") {
				if f != "" {
					loc = append(loc, f)
				}
			}
			kind := typeErr.Type.Kind().String()
			writeValidation(w, validationIssue{Type: kind + "_type", Loc: loc, Msg: "Input should be a valid " + kind, Input: nil})
			return false
		}
		writeValidation(w, validationIssue{Type: "json_invalid", Loc: []any{"body", 0}, Msg: "JSON decode error", Input: map[string]any{}, Ctx: map[string]any{"error": err.Error()}})
		return false
	}
	return true
}

// rowIDOf returns the row id in identifier when it is a GlobalID of type
// typ; otherwise the identifier names the thing another way (a name, an
// OTel id or a session id).
func rowIDOf(identifier, typ string) (int64, bool) {
	t, id, err := ember.ParseGlobalID(identifier)
	return id, err == nil && t == typ
}

// queryTimeRange reads the start_time (inclusive) and end_time (exclusive)
// query parameters, ISO 8601; a bad one is answered with a 422.
func queryTimeRange(w http.ResponseWriter, r *http.Request) (start, end *time.Time, ok bool) {
	for _, name := range []string{"start_time", "end_time"} {
		v := r.URL.Query().Get(name)
		if v == "" {
			continue
		}
		t, parsed := parseISOTime(v)
		if !parsed {
			writeValidation(w, validationIssue{Type: "datetime_from_date_parsing", Loc: []any{"query", name}, Msg: "Input should be a valid datetime or date", Input: v})
			return nil, nil, false
		}
		if name == "start_time" {
			start = &t
		} else {
			end = &t
		}
	}
	return start, end, true
}

// queryEnum reads a query parameter that must be one of allowed, listed in
// the order the error message names them; def when absent.
func queryEnum(w http.ResponseWriter, r *http.Request, name, def string, allowed ...string) (string, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, true
	}
	if slices.Contains(allowed, v) {
		return v, true
	}
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = "'" + a + "'"
	}
	expected := strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
	writeValidation(w, validationIssue{Type: "enum", Loc: []any{"query", name}, Msg: "Input should be " + expected, Input: v, Ctx: map[string]any{"expected": expected}})
	return "", false
}

// globalIDOf reads raw as a GlobalID of type typ and returns its row id.
// When raw does not decode it answers 422 "Invalid <typ> ID: <raw>"; when
// it names another type it answers wrongType: 404 "<typ> with ID <raw> does
// not exist", or 422 as for a malformed one, as the route's Phoenix
// counterpart does.
func globalIDOf(w http.ResponseWriter, raw, typ string, wrongType int) (int64, bool) {
	t, id, err := ember.ParseGlobalID(raw)
	switch {
	case err != nil || (t != typ && wrongType != http.StatusNotFound):
		WriteText(w, http.StatusUnprocessableEntity, fmt.Sprintf("Invalid %s ID: %s", typ, raw))
		return 0, false
	case t != typ:
		WriteText(w, http.StatusNotFound, fmt.Sprintf("%s with ID %s does not exist", typ, raw))
		return 0, false
	}
	return id, true
}
