package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emberhq/ember/api"
)

// SpanService calls the span routes.
type SpanService struct {
	client *Client
}

// SpanFilter selects a project's spans; the zero value selects them all,
// newest stored first. Within a list field any value matches; across
// fields every condition must hold.
type SpanFilter struct {
	TraceIDs []string // OpenTelemetry trace ids
	SpanIDs  []string // OpenTelemetry span ids
	// ParentID keeps the children of one span, by OpenTelemetry id.
	ParentID string
	// RootsOnly keeps spans without a parent; it overrides ParentID.
	RootsOnly bool
	Names     []string
	// SpanKinds are OpenInference kinds: LLM, CHAIN, TOOL, RETRIEVER, ...
	SpanKinds []string
	// StatusCodes are api.StatusCodeOK, api.StatusCodeError or
	// api.StatusCodeUnset.
	StatusCodes []string
	// Attributes keeps spans whose attribute at each dotted key equals
	// the value, a string, a number or a bool compared with its type: the
	// string "42" does not match the number 42. List-valued attributes
	// never match.
	Attributes map[string]any
	// StartTime and EndTime bound the span's start time: at or after
	// StartTime, before EndTime. Zero means unbounded.
	StartTime, EndTime time.Time
	// Limit is the page size, up to 1000; 0 leaves the server's default
	// (100).
	Limit int
	// Cursor starts the listing at a next cursor from an earlier page.
	Cursor string
}

func (f SpanFilter) query() (url.Values, error) {
	q := url.Values{}
	setPage(q, f.Limit, f.Cursor)
	setTimeRange(q, f.StartTime, f.EndTime)
	setAll(q, "trace_id", f.TraceIDs)
	setAll(q, "span_id", f.SpanIDs)
	switch {
	case f.RootsOnly:
		q.Set("parent_id", "null") // the server's spelling of "no parent"
	case f.ParentID != "":
		q.Set("parent_id", f.ParentID)
	}
	setAll(q, "name", f.Names)
	setAll(q, "span_kind", f.SpanKinds)
	setAll(q, "status_code", f.StatusCodes)
	for _, k := range slices.Sorted(maps.Keys(f.Attributes)) {
		param, err := attributeParam(k, f.Attributes[k])
		if err != nil {
			return nil, err
		}
		q.Add("attribute", param)
	}
	return q, nil
}

// attributeParam encodes one attribute filter as key:value. The server
// reads the value as JSON when it can and as a bare string otherwise, so
// strings are always JSON-quoted: "42", "true" or " 1" stay strings.
func attributeParam(key string, value any) (string, error) {
	if strings.TrimSpace(key) == "" || strings.Contains(key, ":") {
		return "", fmt.Errorf("attribute filter %q: the key must be non-empty and must not contain ':'", key)
	}
	var text string
	switch v := value.(type) {
	case string:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return "", fmt.Errorf("attribute filter %q: %w", key, err)
		}
		text = strings.TrimSuffix(buf.String(), "\n")
	case bool:
		text = strconv.FormatBool(v)
	case int:
		text = strconv.FormatInt(int64(v), 10)
	case int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		text = fmt.Sprint(v)
	case float32:
		return attributeParam(key, float64(v))
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "", fmt.Errorf("attribute filter %q: %v cannot be matched", key, v)
		}
		text = strconv.FormatFloat(v, 'g', -1, 64)
	case json.Number:
		text = v.String()
	default:
		return "", fmt.Errorf("attribute filter %q: the value must be a string, number or bool, not %T", key, value)
	}
	return key + ":" + text, nil
}

// List returns one page of a project's spans and the cursor of the next
// page, "" on the last one. project is a GlobalID or a name.
func (s *SpanService) List(ctx context.Context, project string, filter SpanFilter) ([]api.Span, string, error) {
	path, err := endpoint("/v1/projects/%s/spans", project)
	if err != nil {
		return nil, "", err
	}
	q, err := filter.query()
	if err != nil {
		return nil, "", err
	}
	return listPage[api.Span](ctx, s.client, path, q)
}

// All yields every span of a project that filter selects, fetching pages
// as the loop goes.
func (s *SpanService) All(ctx context.Context, project string, filter SpanFilter) iter.Seq2[api.Span, error] {
	return walk(ctx, filter.Cursor, func(ctx context.Context, cursor string) ([]api.Span, string, error) {
		filter.Cursor = cursor
		return s.List(ctx, project, filter)
	})
}

// Create sends spans to a project, which is created when it is named by a
// name that does not exist yet. Span ids are ignored; times must carry an
// offset, which api.Time always writes. Storing may finish after Create
// returns.
//
// The request is all or nothing: if a span is already stored or cannot be
// converted, nothing is stored and the *Error's RejectedSpans lists them.
func (s *SpanService) Create(ctx context.Context, project string, spans []api.Span) (*api.CreateSpansResponse, error) {
	path, err := endpoint("/v1/projects/%s/spans", project)
	if err != nil {
		return nil, err
	}
	if spans == nil {
		spans = []api.Span{} // null would be refused as a missing field
	}
	var reply api.CreateSpansResponse
	err = s.client.do(ctx, "POST", path, nil, api.CreateSpansRequest{Data: spans}, &reply)
	var e *Error
	if errors.As(err, &e) && e.StatusCode == http.StatusBadRequest {
		// The details come as JSON inside a plain-text body.
		var rejected api.CreateSpansErrorBody
		if json.Unmarshal(e.body, &rejected) == nil && rejected.Error != "" {
			e.RejectedSpans = &rejected
			e.Message = fmt.Sprintf("%s: %d duplicate, %d invalid", rejected.Error, rejected.TotalDuplicates, rejected.TotalInvalid)
		}
	}
	if err != nil {
		return nil, err
	}
	return &reply, nil
}

// Delete deletes one span, by GlobalID or OpenTelemetry span id. Its
// children stay, orphaned; a trace left empty goes too.
func (s *SpanService) Delete(ctx context.Context, identifier string) error {
	path, err := endpoint("/v1/spans/%s", identifier)
	if err != nil {
		return err
	}
	return s.client.do(ctx, "DELETE", path, nil, nil, nil)
}
