package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"regexp"
	"time"
)

// SpanQuery builds one query of the span query route (POST /v1/spans), the
// way Phoenix's Python SpanQuery does:
//
//	q := client.NewSpanQuery().
//		Where("span_kind == 'LLM' and latency_ms > 1000").
//		Select("llm.model_name", "llm.token_count.total").
//		SelectAs("question", "input.value")
//
// Each method returns the query, so calls chain. Without Select, Explode or
// Concat the server returns its default columns.
type SpanQuery struct {
	selects  []selectKey
	filter   string
	explode  *projection
	concat   *projection
	rename   map[string]string
	indexKey string
}

type selectKey struct{ alias, key string }

type projection struct {
	key       string
	kwargs    map[string]string
	separator string
}

// NewSpanQuery starts an empty query.
func NewSpanQuery() *SpanQuery { return &SpanQuery{} }

// Where keeps the spans for which condition, in the filter language,
// holds: span_kind == 'LLM', 'refund' in input.value, ...
func (q *SpanQuery) Where(condition string) *SpanQuery {
	q.filter = condition
	return q
}

// Select adds columns, each named by its key: a span field such as
// latency_ms or an attribute path such as llm.model_name.
func (q *SpanQuery) Select(keys ...string) *SpanQuery {
	for _, k := range keys {
		q.selects = append(q.selects, selectKey{alias: k, key: k})
	}
	return q
}

// SelectAs adds a column named alias holding key.
func (q *SpanQuery) SelectAs(alias, key string) *SpanQuery {
	q.selects = append(q.selects, selectKey{alias: alias, key: key})
	return q
}

// Explode turns the list at key (retrieval.documents, say) into one row per
// element, with columns named by kwargs' keys holding the paths of its
// values ({"content": "document.content"}).
func (q *SpanQuery) Explode(key string, kwargs map[string]string) *SpanQuery {
	q.explode = &projection{key: key, kwargs: kwargs}
	return q
}

// Concat joins the elements of the list at key into one text per span,
// separated by separator ("" for the server's default of a blank line).
func (q *SpanQuery) Concat(key, separator string, kwargs map[string]string) *SpanQuery {
	q.concat = &projection{key: key, kwargs: kwargs, separator: separator}
	return q
}

// Rename renames columns of the result.
func (q *SpanQuery) Rename(names map[string]string) *SpanQuery {
	q.rename = names
	return q
}

// Index names the column that identifies rows (context.span_id unless
// set).
func (q *SpanQuery) Index(key string) *SpanQuery {
	q.indexKey = key
	return q
}

// MarshalJSON writes the query as the route reads it.
func (q *SpanQuery) MarshalJSON() ([]byte, error) {
	out := map[string]any{}
	if len(q.selects) > 0 {
		sel := map[string]any{}
		for _, s := range q.selects {
			sel[s.alias] = map[string]string{"key": s.key}
		}
		out["select"] = sel
	}
	if q.filter != "" {
		out["filter"] = map[string]string{"condition": q.filter}
	}
	proj := func(p *projection) map[string]any {
		m := map[string]any{"key": p.key}
		if len(p.kwargs) > 0 {
			m["kwargs"] = p.kwargs
		}
		if p.separator != "" {
			m["separator"] = p.separator
		}
		return m
	}
	if q.explode != nil {
		out["explode"] = proj(q.explode)
	}
	if q.concat != nil {
		out["concat"] = proj(q.concat)
	}
	if len(q.rename) > 0 {
		out["rename"] = q.rename
	}
	if q.indexKey != "" {
		out["index"] = map[string]string{"key": q.indexKey}
	}
	return json.Marshal(out)
}

// SpanQueryOptions bound a span query.
type SpanQueryOptions struct {
	// StartTime and EndTime bound the spans' start time; zero is unbounded.
	StartTime, EndTime time.Time
	// Limit caps the spans each query reads; 0 leaves the server's 1,000.
	Limit int
	// RootSpansOnly keeps spans without a stored parent. Spans whose
	// parent was never stored count as roots unless StrictRoots is set.
	RootSpansOnly bool
	StrictRoots   bool
}

// Table is one query's result: its rows keyed by column name, the columns
// in the server's order, and the columns that identify a row.
type Table struct {
	Index   []string
	Columns []string
	Rows    []map[string]any
}

// Query runs queries over a project's spans and returns one table per
// query, in order. A condition the server cannot read is an *Error with
// status 422 whose message says where.
func (s *SpanService) Query(ctx context.Context, project string, opts SpanQueryOptions, queries ...*SpanQuery) ([]Table, error) {
	if len(queries) == 0 {
		return nil, errors.New("span query: no queries")
	}
	body := map[string]any{"queries": queries}
	if !opts.StartTime.IsZero() {
		body["start_time"] = opts.StartTime.UTC().Format(time.RFC3339Nano)
	}
	if !opts.EndTime.IsZero() {
		body["end_time"] = opts.EndTime.UTC().Format(time.RFC3339Nano)
	}
	if opts.Limit > 0 {
		body["limit"] = opts.Limit
	}
	if opts.RootSpansOnly {
		body["root_spans_only"] = true
		body["orphan_span_as_root_span"] = !opts.StrictRoots
	}
	resp, err := s.client.send(ctx, "POST", "/v1/spans", url.Values{"project_name": {project}}, body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	mediaType, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/mixed" || params["boundary"] == "" {
		return nil, fmt.Errorf("span query: unexpected reply of type %q", resp.Header.Get("Content-Type"))
	}
	reader := multipart.NewReader(resp.Body, params["boundary"])
	var tables []Table
	for {
		part, err := reader.NextPart()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("span query: read reply: %w", err)
		}
		t, err := decodeTable(part)
		if err != nil {
			return nil, fmt.Errorf("span query: table %d: %w", len(tables)+1, err)
		}
		tables = append(tables, t)
	}
	return tables, nil
}

// columnPrefix is the position prefix the table format puts on column
// names ("0_context.span_id"), which keeps duplicate names apart.
var columnPrefix = regexp.MustCompile(`^\d+_`)

// decodeTable reads a table in pandas' "table" JSON layout.
func decodeTable(r io.Reader) (Table, error) {
	var doc struct {
		Schema struct {
			Fields []struct {
				Name string `json:"name"`
			} `json:"fields"`
			PrimaryKey []string `json:"primaryKey"`
		} `json:"schema"`
		Data []map[string]any `json:"data"`
	}
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return Table{}, err
	}
	strip := func(name string) string { return columnPrefix.ReplaceAllString(name, "") }
	t := Table{Rows: make([]map[string]any, 0, len(doc.Data))}
	for _, k := range doc.Schema.PrimaryKey {
		t.Index = append(t.Index, strip(k))
	}
	for _, f := range doc.Schema.Fields {
		t.Columns = append(t.Columns, strip(f.Name))
	}
	for _, row := range doc.Data {
		out := make(map[string]any, len(row))
		for k, v := range row {
			out[strip(k)] = v
		}
		t.Rows = append(t.Rows, out)
	}
	return t, nil
}
