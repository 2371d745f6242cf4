package httpapi

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/spanquery"
)

// The legacy span query route, POST /v1/spans (and GET with a body): the
// route behind Phoenix's Python get_spans_dataframe and SpanQuery. Each
// query of the body becomes one table of spans — default columns, or the
// projections it selects, explodes and concatenates — answered as one
// part of a multipart/mixed reply of pandas table-format JSON.

// defaultSpanQueryLimit is how many spans a query reads when the body
// names no limit.
const defaultSpanQueryLimit = 1000

// querySpansRequest is the body of the span query route. Times are read
// by hand so that a bad one is reported by name.
type querySpansRequest struct {
	Queries              *[]spanQueryJSON `json:"queries"`
	StartTime            *string          `json:"start_time"`
	EndTime              *string          `json:"end_time"`
	Limit                *int             `json:"limit"`
	RootSpansOnly        *bool            `json:"root_spans_only"`
	OrphanSpanAsRootSpan *bool            `json:"orphan_span_as_root_span"`
	ProjectName          *string          `json:"project_name"` // deprecated: the query parameter wins
	StopTime             *string          `json:"stop_time"`    // deprecated alias of end_time
}

// spanQueryJSON is one query. Objects whose key order makes the column
// order stay raw until compiled.
type spanQueryJSON struct {
	Select  json.RawMessage `json:"select"`
	Filter  json.RawMessage `json:"filter"`
	Explode json.RawMessage `json:"explode"`
	Concat  json.RawMessage `json:"concat"`
	Rename  json.RawMessage `json:"rename"`
	Index   json.RawMessage `json:"index"`
}

// spanQueryAliases are the short names of the id columns.
var spanQueryAliases = map[string]string{"span_id": "context.span_id", "trace_id": "context.trace_id"}

func unaliasKey(k string) string {
	if v, ok := spanQueryAliases[k]; ok {
		return v
	}
	return k
}

// projection is a column computed from a span: a span field, an attribute
// path, or the span's events.
type projection struct {
	label string
	key   string
	expr  ember.Expr // nil for events
}

// explosion turns a list of objects into one row per object.
type explosion struct {
	projection
	kwargs   []keyValue // column name -> dotted path inside each object
	position string     // the name of the position index column
}

// concatenation joins a list's elements (or a field of each) into text.
type concatenation struct {
	projection
	kwargs    []keyValue
	separator string
}

type keyValue struct{ key, value string }

// spanQueryPlan is a compiled query.
type spanQueryPlan struct {
	condition ember.Expr
	selects   []projection
	explode   *explosion
	concat    *concatenation
	rename    map[string]string
	index     projection
}

// invalidQuery is a query that cannot be compiled; it is answered 422
// "Invalid query: ...".
type invalidQuery struct{ msg string }

func (e *invalidQuery) Error() string { return e.msg }

func invalidf(format string, args ...any) error {
	return &invalidQuery{msg: fmt.Sprintf(format, args...)}
}

// parseProjection reads a projection key; events is a span field that
// conditions cannot name but queries may select.
func parseProjection(label, key string) (projection, error) {
	key = unaliasKey(key)
	p := projection{label: label, key: key}
	if key == "events" {
		return p, nil
	}
	e, err := spanquery.ParseKey(key)
	if err != nil {
		return p, invalidf("%s: %v", key, err)
	}
	p.expr = e
	return p, nil
}

// orderedObject decodes a JSON object keeping its key order; null and
// absent are an empty list.
func orderedObject(raw json.RawMessage, what string) ([]keyValue, []json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, nil, invalidf("%s must be an object", what)
	}
	var keys []keyValue
	var values []json.RawMessage
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, invalidf("%s must be an object", what)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, invalidf("%s must be an object", what)
		}
		keys = append(keys, keyValue{key: tok.(string)})
		values = append(values, v)
	}
	return keys, values, nil
}

// stringMap reads an object of strings, in order.
func stringMap(raw json.RawMessage, what string) ([]keyValue, error) {
	keys, values, err := orderedObject(raw, what)
	if err != nil {
		return nil, err
	}
	for i, v := range values {
		if err := json.Unmarshal(v, &keys[i].value); err != nil {
			return nil, invalidf("%s: the value of '%s' must be a string", what, keys[i].key)
		}
	}
	return keys, nil
}

// operand is the object form shared by explode, concat and index.
type operand struct {
	Key             string          `json:"key"`
	Kwargs          json.RawMessage `json:"kwargs"`
	Separator       string          `json:"separator"`
	PrimaryIndexKey string          `json:"primary_index_key"`
	Condition       string          `json:"condition"`
}

func readOperand(raw json.RawMessage, what string) (*operand, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	var o operand
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, invalidf("%s must be an object of strings", what)
	}
	return &o, nil
}

// compileSpanQuery checks a query and turns it into a plan, following
// Phoenix: explode and concat without a key are ignored, and an empty
// filter condition filters nothing.
func compileSpanQuery(q spanQueryJSON) (*spanQueryPlan, error) {
	plan := &spanQueryPlan{}
	var err error
	if plan.index, err = parseProjection("context.span_id", "context.span_id"); err != nil {
		return nil, err
	}
	if idx, err := readOperand(q.Index, "index"); err != nil {
		return nil, err
	} else if idx != nil && !bytes.Equal(bytes.TrimSpace(q.Index), []byte("{}")) {
		key := unaliasKey(idx.Key)
		if plan.index, err = parseProjection(key, key); err != nil {
			return nil, err
		}
	}
	if f, err := readOperand(q.Filter, "filter"); err != nil {
		return nil, err
	} else if f != nil && strings.TrimSpace(f.Condition) != "" {
		if plan.condition, err = spanquery.Parse(f.Condition); err != nil {
			return nil, invalidf("%v", err)
		}
	}
	names, values, err := orderedObject(q.Select, "select")
	if err != nil {
		return nil, err
	}
	for i, n := range names {
		var o operand
		if err := json.Unmarshal(values[i], &o); err != nil {
			return nil, invalidf("select: '%s' must be an object with a key", n.key)
		}
		p, err := parseProjection(unaliasKey(n.key), o.Key)
		if err != nil {
			return nil, err
		}
		plan.selects = append(plan.selects, p)
	}
	if e, err := readOperand(q.Explode, "explode"); err != nil {
		return nil, err
	} else if e != nil && e.Key != "" {
		p, err := parseProjection("", e.Key)
		if err != nil {
			return nil, err
		}
		kw, err := stringMap(e.Kwargs, "explode kwargs")
		if err != nil {
			return nil, err
		}
		position := "position"
		if p.key == "retrieval.documents" || p.key == "attributes.retrieval.documents" {
			position = "document_position"
		}
		plan.explode = &explosion{projection: p, kwargs: kw, position: position}
	}
	if c, err := readOperand(q.Concat, "concat"); err != nil {
		return nil, err
	} else if c != nil && c.Key != "" {
		p, err := parseProjection(c.Key, c.Key)
		if err != nil {
			return nil, err
		}
		kw, err := stringMap(c.Kwargs, "concat kwargs")
		if err != nil {
			return nil, err
		}
		sep := c.Separator
		if sep == "" {
			sep = "\n\n"
		}
		plan.concat = &concatenation{projection: p, kwargs: kw, separator: sep}
	}
	rename, err := stringMap(q.Rename, "rename")
	if err != nil {
		return nil, err
	}
	if len(rename) > 0 {
		plan.rename = map[string]string{}
		for _, kv := range rename {
			plan.rename[kv.key] = kv.value
		}
	}
	return plan, nil
}

// handleQuerySpans answers POST /v1/spans and its deprecated GET alias.
func (h *Handler) handleQuerySpans(w http.ResponseWriter, r *http.Request) {
	var req querySpansRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Queries == nil {
		writeValidation(w, validationIssue{Type: "missing", Loc: []any{"body", "queries"}, Msg: "Field required", Input: map[string]any{}})
		return
	}
	var start, end *time.Time
	for _, f := range []struct {
		name string
		raw  *string
		dst  **time.Time
	}{{"start_time", req.StartTime, &start}, {"end_time", req.EndTime, &end}, {"stop_time", req.StopTime, nil}} {
		if f.raw == nil {
			continue
		}
		t, ok := parseISOTime(*f.raw)
		if !ok {
			writeValidation(w, validationIssue{Type: "datetime_from_date_parsing", Loc: []any{"body", f.name}, Msg: "Input should be a valid datetime or date", Input: *f.raw})
			return
		}
		switch {
		case f.dst != nil:
			*f.dst = &t
		case end == nil:
			end = &t
		}
	}
	limit := defaultSpanQueryLimit
	if req.Limit != nil {
		limit = *req.Limit
	}
	if limit < 0 {
		writeValidation(w, validationIssue{Type: "greater_than_equal", Loc: []any{"body", "limit"}, Msg: "Input should be greater than or equal to 0", Input: limit, Ctx: map[string]any{"ge": 0}})
		return
	}
	plans := make([]*spanQueryPlan, 0, len(*req.Queries))
	for _, q := range *req.Queries {
		plan, err := compileSpanQuery(q)
		if err != nil {
			WriteText(w, http.StatusUnprocessableEntity, "Invalid query: "+err.Error())
			return
		}
		plans = append(plans, plan)
	}
	if len(plans) == 0 {
		WriteText(w, http.StatusNotFound, "Not Found")
		return
	}
	if r.Header.Get("Accept") != "application/json" {
		WriteText(w, http.StatusNotAcceptable, "Ember answers span queries only as JSON: send 'Accept: application/json' to receive multipart/mixed parts of pandas table-format JSON (the Arrow form, application/x-pandas-arrow, is not supported)")
		return
	}
	projectName := r.URL.Query().Get("project_name")
	if projectName == "" {
		projectName = r.URL.Query().Get("project-name")
	}
	if projectName == "" {
		projectName = r.Header.Get("project-name")
	}
	if projectName == "" && req.ProjectName != nil {
		projectName = *req.ProjectName
	}
	if projectName == "" {
		projectName = "default"
	}
	project, err := h.Projects.FindProjectByName(r.Context(), projectName)
	if ember.ErrorCode(err) == ember.ENOTFOUND {
		project, err = nil, nil
	}
	if err != nil {
		h.Error(w, r, err)
		return
	}
	rootsOnly := req.RootSpansOnly != nil && *req.RootSpansOnly
	orphansAsRoots := req.OrphanSpanAsRootSpan == nil || *req.OrphanSpanAsRootSpan
	parts := make([][]byte, 0, len(plans))
	for _, plan := range plans {
		var spans []*ember.Span
		if project != nil && limit > 0 {
			filter := plan.filter(project.ID, start, end, limit, rootsOnly, orphansAsRoots)
			if spans, err = h.Spans.FindSpans(r.Context(), filter); err != nil {
				h.Error(w, r, err)
				return
			}
		}
		f, err := plan.run(spans)
		if err != nil {
			h.Error(w, r, err)
			return
		}
		parts = append(parts, encodeTable(f))
	}
	writeMultipartTables(w, parts)
}

// writeMultipartTables answers with one application/json part per table.
func writeMultipartTables(w http.ResponseWriter, parts [][]byte) {
	var token [48]byte
	_, _ = rand.Read(token[:])
	boundary := base64.RawURLEncoding.EncodeToString(token[:])
	var b bytes.Buffer
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\nContent-Type: application/json\r\n\r\n")
		b.Write(p)
		b.WriteString("\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	w.Header().Set("Content-Type", "multipart/mixed; boundary="+boundary)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
}

// filter is the store filter of a plan. Explode and concat keep only spans
// whose list attribute is present, before the limit, as Phoenix's SQL does;
// whether it is a list is checked on the rows.
func (p *spanQueryPlan) filter(projectID int64, start, end *time.Time, limit int, rootsOnly, orphansAsRoots bool) ember.SpanFilter {
	f := ember.SpanFilter{ProjectID: &projectID, StartTime: start, EndTime: end, Limit: limit}
	var conds []ember.Expr
	if p.condition != nil {
		conds = append(conds, p.condition)
	}
	if rootsOnly {
		if orphansAsRoots {
			conds = append(conds, ember.IsNull{X: ember.Column{Name: ember.ColumnParentSpan}})
		} else {
			f.RootsOnly = true
		}
	}
	var present []ember.Expr
	for _, pr := range []*projection{p.explodeProjection(), p.concatProjection()} {
		if pr == nil {
			continue
		}
		a, ok := pr.expr.(ember.Attribute)
		if !ok || a.Whole {
			present = nil // a span field: test the rows only
			break
		}
		present = append(present, ember.IsNull{X: a, Negate: true})
	}
	switch len(present) {
	case 1:
		conds = append(conds, present[0])
	case 2:
		conds = append(conds, ember.Logical{Op: "or", Args: present})
	}
	switch len(conds) {
	case 1:
		f.Condition = conds[0]
	case 0:
	default:
		f.Condition = ember.Logical{Op: "and", Args: conds}
	}
	return f
}

func (p *spanQueryPlan) explodeProjection() *projection {
	if p.explode == nil {
		return nil
	}
	return &p.explode.projection
}

func (p *spanQueryPlan) concatProjection() *projection {
	if p.concat == nil {
		return nil
	}
	return &p.concat.projection
}

// spanRow is a span with its attributes and events decoded once.
type spanRow struct {
	span   *ember.Span
	attrs  any
	events any
}

func newSpanRow(s *ember.Span) (*spanRow, error) {
	row := &spanRow{span: s}
	var err error
	if row.attrs, err = decodeJSONValue(s.Attributes); err != nil {
		return nil, fmt.Errorf("span %s attributes: %w", s.SpanID, err)
	}
	if row.events, err = decodeJSONValue(s.Events); err != nil {
		return nil, fmt.Errorf("span %s events: %w", s.SpanID, err)
	}
	if row.events == nil {
		row.events = []any{}
	}
	return row, nil
}

func decodeJSONValue(raw []byte) (any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// value computes a projection for a span.
func (pr *projection) value(row *spanRow) any {
	s := row.span
	switch e := pr.expr.(type) {
	case nil:
		return row.events
	case ember.Column:
		switch e.Name {
		case ember.ColumnSpanID:
			return s.SpanID
		case ember.ColumnTraceID:
			return s.TraceID
		case ember.ColumnParentID:
			if s.ParentID == "" {
				return nil
			}
			return s.ParentID
		case ember.ColumnName:
			return s.Name
		case ember.ColumnSpanKind:
			return string(s.Kind)
		case ember.ColumnStatusCode:
			return string(s.StatusCode)
		case ember.ColumnStatusMessage:
			return s.StatusMessage
		case ember.ColumnLatencyMS:
			return s.LatencyMS()
		case ember.ColumnStartTime:
			return s.StartTime
		case ember.ColumnEndTime:
			return s.EndTime
		case ember.ColumnCumulativePrompt:
			return s.CumulativeLLMTokenCountPrompt
		case ember.ColumnCumulativeCompletion:
			return s.CumulativeLLMTokenCountCompletion
		case ember.ColumnCumulativeTotal:
			return s.CumulativeLLMTokenCountPrompt + s.CumulativeLLMTokenCountCompletion
		}
	case ember.Attribute:
		if e.Whole {
			return row.attrs
		}
		v := row.attrs
		for _, seg := range e.Path {
			switch x := v.(type) {
			case map[string]any:
				if seg.IsIndex {
					return nil
				}
				v = x[seg.Key]
			case []any:
				if !seg.IsIndex || seg.Index >= len(x) {
					return nil
				}
				v = x[seg.Index]
			default:
				return nil
			}
		}
		return v
	}
	return nil
}

// dottedValue reads a dotted path inside an object, as Phoenix reads the
// kwargs of explode and concat.
func dottedValue(obj map[string]any, key string) any {
	var v any = obj
	for _, k := range strings.Split(key, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// columnSet is an ordered set of column names.
type columnSet struct {
	names []string
	pos   map[string]int
}

func (c *columnSet) add(name string) int {
	if c.pos == nil {
		c.pos = map[string]int{}
	}
	if i, ok := c.pos[name]; ok {
		return i
	}
	c.pos[name] = len(c.names)
	c.names = append(c.names, name)
	return len(c.names) - 1
}

// run turns the spans a plan's filter found into its table.
func (p *spanQueryPlan) run(spans []*ember.Span) (*frame, error) {
	rows := make([]*spanRow, 0, len(spans))
	for _, s := range spans {
		row, err := newSpanRow(s)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	var f *frame
	if len(p.selects) == 0 && p.explode == nil && p.concat == nil {
		f = defaultFrame(rows)
	} else {
		f = p.projectedFrame(rows)
	}
	for i, c := range f.columns {
		if v, ok := spanQueryAliases[c]; ok {
			c = v
		}
		if v, ok := p.rename[c]; ok {
			c = v
		}
		f.columns[i] = c
	}
	return f, nil
}

// projectedFrame builds the table of a query that selects, explodes or
// concatenates: the selected columns, then the concatenated ones, then the
// exploded ones, indexed by the index key (and the position in the
// exploded list).
func (p *spanQueryPlan) projectedFrame(rows []*spanRow) *frame {
	var cols columnSet
	base := append([]projection{}, p.selects...)
	for _, s := range p.selects {
		cols.add(s.label)
	}
	if _, ok := cols.pos[p.index.label]; !ok {
		base = append(base, p.index)
		cols.add(p.index.label)
	}
	type record struct {
		position any
		values   map[int]any
	}
	var out []record
	anyExploded := false
	for _, row := range rows {
		var exploded []map[string]any
		var positions []int
		hasE, hasC := false, false
		var concat []keyValue
		if p.explode != nil {
			if list, ok := p.explode.value(row).([]any); ok {
				hasE = true
				for i, item := range list {
					obj, ok := item.(map[string]any)
					if !ok {
						continue
					}
					rec := map[string]any{}
					if len(p.explode.kwargs) == 0 {
						for _, kv := range flattenObject(obj) {
							rec[kv.key] = kv.val
						}
					} else {
						for _, kv := range p.explode.kwargs {
							if v := dottedValue(obj, kv.value); v != nil {
								rec[kv.key] = v
							}
						}
					}
					exploded = append(exploded, rec)
					positions = append(positions, i)
				}
			}
		}
		if p.concat != nil {
			if list, ok := p.concat.value(row).([]any); ok {
				hasC = true
				if len(p.concat.kwargs) == 0 {
					parts := make([]string, len(list))
					for i, item := range list {
						parts[i] = pyStr(item)
					}
					concat = append(concat, keyValue{p.concat.label, strings.Join(parts, p.concat.separator)})
				} else {
					for _, kv := range p.concat.kwargs {
						var parts []string
						for _, item := range list {
							if obj, ok := item.(map[string]any); ok {
								if v := dottedValue(obj, kv.value); v != nil {
									parts = append(parts, pyStr(v))
								}
							}
						}
						if parts != nil {
							concat = append(concat, keyValue{kv.key, strings.Join(parts, p.concat.separator)})
						}
					}
				}
			}
		}
		if (p.explode != nil || p.concat != nil) && !hasE && !hasC {
			continue
		}
		values := map[int]any{}
		for _, b := range base {
			values[cols.pos[b.label]] = b.value(row)
		}
		for _, kv := range concat {
			values[cols.add(kv.key)] = kv.value
		}
		if len(exploded) == 0 {
			out = append(out, record{values: values})
			continue
		}
		anyExploded = true
		for i, rec := range exploded {
			vs := make(map[int]any, len(values)+len(rec))
			for k, v := range values {
				vs[k] = v
			}
			names := make([]string, 0, len(rec))
			if len(p.explode.kwargs) == 0 {
				for _, kv := range flattenObject(exploded[i]) {
					names = append(names, kv.key)
				}
			} else {
				for _, kv := range p.explode.kwargs {
					if _, ok := rec[kv.key]; ok {
						names = append(names, kv.key)
					}
				}
			}
			for _, n := range names {
				vs[cols.add(n)] = rec[n]
			}
			out = append(out, record{position: int64(positions[i]), values: vs})
		}
	}
	f := &frame{index: []string{p.index.label}}
	withPosition := p.explode != nil && (anyExploded || len(out) == 0)
	if withPosition {
		f.index = append(f.index, p.explode.position)
	}
	indexCol := cols.pos[p.index.label]
	for i, n := range cols.names {
		if i != indexCol {
			f.columns = append(f.columns, n)
		}
	}
	for _, rec := range out {
		row := []any{rec.values[indexCol]}
		if withPosition {
			row = append(row, rec.position)
		}
		for i := range cols.names {
			if i != indexCol {
				row = append(row, rec.values[i])
			}
		}
		f.rows = append(f.rows, row)
	}
	return f
}

// defaultColumns are the span fields of a query that names no columns.
var defaultColumns = []string{"name", "span_kind", "parent_id", "start_time", "end_time", "status_code", "status_message", "events", "context.span_id", "context.trace_id"}

// defaultFrame builds the table of a query without select, explode or
// concat: the span fields, then one attributes.<key> column per
// OpenInference attribute and per leading key of the others, indexed by
// the span id (kept as a column too).
func defaultFrame(rows []*spanRow) *frame {
	var cols columnSet
	for _, c := range defaultColumns {
		cols.add(c)
	}
	values := make([]map[int]any, len(rows))
	for r, row := range rows {
		s := row.span
		var parent any
		if s.ParentID != "" {
			parent = s.ParentID
		}
		vs := map[int]any{0: s.Name, 1: string(s.Kind), 2: parent, 3: s.StartTime, 4: s.EndTime, 5: string(s.StatusCode), 6: s.StatusMessage, 7: row.events, 8: s.SpanID, 9: s.TraceID}
		if obj, ok := row.attrs.(map[string]any); ok {
			for _, kv := range semconvColumns(obj) {
				vs[cols.add("attributes."+kv.key)] = kv.val
			}
		}
		values[r] = vs
	}
	f := &frame{index: []string{"context.span_id"}, columns: cols.names}
	for r, row := range rows {
		cells := make([]any, 0, 1+len(cols.names))
		cells = append(cells, row.span.SpanID)
		for i := range cols.names {
			cells = append(cells, values[r][i])
		}
		f.rows = append(f.rows, cells)
	}
	return f
}
