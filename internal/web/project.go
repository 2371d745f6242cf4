package web

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/spanquery"
)

// pageSize is the number of rows of a table page.
const pageSize = 50

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

type spanRow struct {
	Span          *ember.Span
	Input, Output string
	Tokens        int64
	Cost          float64
	Error         bool // the span or a descendant failed
	Depth         int  // in a trace's expanded rows
	Ann           []annCell
}

type traceRow struct {
	Trace         *ember.Trace
	Root          *ember.Span // nil when the trace's root span never arrived
	Input, Output string
	Tokens        int64
	Cost          float64
	LatencyMS     float64
	Error         bool
	Ann           []annCell
}

type sessionRow struct {
	Session                *ember.Session
	Summary                *ember.SessionSummary
	FirstInput, LastOutput string
}

// filterError is a filter that does not parse, cut at its position so the
// page can point at it.
type filterError struct {
	Msg, Before, At, After, Suggestion string
}

type projectData struct {
	Tab        string // "spans", "traces" or "sessions"
	Filter     string
	FilterErr  *filterError
	Examples   []string
	Sort, Dir  string
	Roots      bool
	Spans      []spanRow
	Traces     []traceRow
	Sessions   []sessionRow
	NextCursor string
	Empty      bool // the project has no spans at all
	Back       string
	AnnColumns []annColumn
}

var spanExamples = []string{
	"span_kind == 'LLM'",
	"status_code == 'ERROR'",
	"latency_ms > 1000",
	"'refund' in input.value",
	"llm.token_count.total > 1000",
	"metadata['tier'] == 'gold'",
}

var traceExamples = []string{
	"latency_ms > 5000",
	"error_count > 0",
	"any(span.span_kind == 'TOOL' for span in spans)",
	"token_count_total > 1000",
	"'refund' in input",
}

var sessionExamples = []string{
	"num_traces > 3",
	"num_traces_with_error > 0",
	"'refund' in any_input",
	"token_count_total > 1000",
}

func (h *Handler) projectPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.project(w, r)
	if !ok {
		return
	}
	tr := h.timeRange(r)
	q := r.URL.Query()
	d := projectData{Tab: q.Get("tab"), Filter: strings.TrimSpace(q.Get("filter")), Sort: q.Get("sort"), Dir: q.Get("dir"), Roots: q.Get("roots") != "0", Back: r.URL.RequestURI()}
	var err error
	switch d.Tab {
	case "traces":
		d.Examples = traceExamples
		err = h.traceTab(r, p, tr, &d)
	case "sessions":
		d.Examples = sessionExamples
		err = h.sessionTab(r, p, tr, &d)
	default:
		d.Tab = "spans"
		d.Examples = spanExamples
		err = h.spanTab(r, p, tr, &d)
	}
	var perr *spanquery.Error
	if errors.As(err, &perr) {
		d.FilterErr = cutFilterError(d.Filter, perr)
		err = nil
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(d.Spans) == 0 && len(d.Traces) == 0 && len(d.Sessions) == 0 && d.FilterErr == nil {
		any, err := h.Spans.FindSpans(r.Context(), ember.SpanFilter{ProjectID: &p.ID, Limit: 1})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		d.Empty = len(any) == 0
	}
	h.render(w, r, http.StatusOK, "project", page{Title: p.Name, Nav: "projects", Range: tr, Project: p, Data: d})
}

func cutFilterError(filter string, e *spanquery.Error) *filterError {
	pos := min(max(e.Pos, 0), len(filter))
	end := pos + max(len(e.Token), 1)
	if end > len(filter) {
		end = len(filter)
	}
	return &filterError{Msg: e.Msg, Before: filter[:pos], At: filter[pos:end], After: filter[end:], Suggestion: e.Suggestion}
}

func (h *Handler) spanTab(r *http.Request, p *ember.Project, tr timeRange, d *projectData) error {
	f := ember.SpanFilter{ProjectID: &p.ID, StartTime: tr.Start, EndTime: tr.End, RootsOnly: d.Roots, Limit: pageSize + 1}
	if d.Filter != "" {
		cond, err := spanquery.Parse(d.Filter)
		if err != nil {
			return err
		}
		f.Condition = cond
	}
	cursor := r.URL.Query().Get("cursor")
	switch d.Sort {
	case "latency", "tokens", "cost":
		f.OrderBy = ember.SpanOrder(d.Sort)
		f.Ascending = d.Dir == "asc"
		if v, id, ok := parseMeasureCursor(cursor); ok {
			f.After = &ember.SpanKey{Value: v, ID: id}
		}
	default:
		d.Sort, d.Dir = "time", "desc"
		if n, err := strconv.ParseInt(cursor, 10, 64); err == nil && n > 0 {
			f.Cursor = n
		}
	}
	spans, err := h.Spans.FindSpans(r.Context(), f)
	if err != nil {
		return err
	}
	more := len(spans) > pageSize
	if more {
		spans = spans[:pageSize]
	}
	rows, err := h.spanRows(r, spans)
	if err != nil {
		return err
	}
	d.Spans = rows
	ids := make([]int64, len(rows))
	for i, row := range rows {
		ids[i] = row.Span.ID
	}
	cols, cells, err := h.annotationColumns(r.Context(), p, ember.AnnotationTargetSpan, ids)
	if err != nil {
		return err
	}
	d.AnnColumns = cols
	for i := range d.Spans {
		d.Spans[i].Ann = cells[d.Spans[i].Span.ID]
	}
	if more {
		last := rows[len(rows)-1]
		if f.OrderBy == "" {
			d.NextCursor = strconv.FormatInt(last.Span.ID-1, 10)
		} else {
			d.NextCursor = measureCursor(last.Span.SortValue(f.OrderBy, last.Cost), last.Span.ID)
		}
	}
	return nil
}

// spanRows adds previews, tokens and costs to spans: a root span costs
// its whole trace, any other span its own call.
func (h *Handler) spanRows(r *http.Request, spans []*ember.Span) ([]spanRow, error) {
	var own, traces []int64
	for _, s := range spans {
		if s.ParentID == "" {
			traces = append(traces, s.TraceRowID)
		} else {
			own = append(own, s.ID)
		}
	}
	ownCosts, err := h.Summaries.FindSpanCosts(r.Context(), own)
	if err != nil {
		return nil, err
	}
	traceCosts, err := h.Summaries.TraceCosts(r.Context(), traces)
	if err != nil {
		return nil, err
	}
	rows := make([]spanRow, len(spans))
	for i, s := range spans {
		a := parseAttrs(s.Attributes)
		row := spanRow{Span: s, Input: preview(a.str("input.value"), 120), Output: preview(a.str("output.value"), 120),
			Tokens: s.CumulativeLLMTokenCountPrompt + s.CumulativeLLMTokenCountCompletion,
			Error:  s.StatusCode == ember.StatusError || s.CumulativeErrorCount > 0}
		if s.ParentID == "" {
			row.Cost = traceCosts[s.TraceRowID]
		} else if c := ownCosts[s.ID]; c != nil {
			row.Cost = c.TotalCost
		}
		rows[i] = row
	}
	return rows, nil
}

func (h *Handler) traceTab(r *http.Request, p *ember.Project, tr timeRange, d *projectData) error {
	f := ember.TraceFilter{ProjectID: p.ID, StartTime: tr.Start, EndTime: tr.End, Limit: pageSize + 1}
	if d.Filter != "" {
		cond, err := spanquery.ParseTrace(d.Filter)
		if err != nil {
			return err
		}
		f.Condition = cond
	}
	cursor := r.URL.Query().Get("cursor")
	switch d.Sort {
	case "latency", "tokens", "cost":
		// Keyset paging by the measure and the row id of the last row.
		f.OrderBy, f.Ascending = ember.TraceOrder(d.Sort), d.Dir == "asc"
		if v, id, ok := parseMeasureCursor(cursor); ok {
			f.After = &ember.TraceKey{Value: v, ID: id}
		}
	default:
		d.Sort, d.Dir = "time", "desc"
		// Keyset paging by start time: the next page ends where this one did.
		if n, err := strconv.ParseInt(cursor, 10, 64); err == nil {
			end := time.Unix(0, n).UTC()
			if f.EndTime == nil || end.Before(*f.EndTime) {
				f.EndTime = &end
			}
		}
	}
	traces, err := h.Traces.FindTraces(r.Context(), f)
	if err != nil {
		return err
	}
	more := len(traces) > pageSize
	if more {
		traces = traces[:pageSize]
	}
	d.Traces, err = h.traceRows(r, p, traces)
	if err != nil {
		return err
	}
	if more {
		last := d.Traces[len(d.Traces)-1]
		if f.OrderBy == "" {
			d.NextCursor = strconv.FormatInt(last.Trace.StartTime.UnixNano(), 10)
		} else {
			d.NextCursor = measureCursor(last.Trace.SortValue(f.OrderBy, last.Cost), last.Trace.ID)
		}
	}
	ids := make([]int64, len(traces))
	for i, t := range traces {
		ids[i] = t.ID
	}
	cols, cells, err := h.annotationColumns(r.Context(), p, ember.AnnotationTargetTrace, ids)
	if err != nil {
		return err
	}
	d.AnnColumns = cols
	for i := range d.Traces {
		d.Traces[i].Ann = cells[d.Traces[i].Trace.ID]
	}
	return nil
}

func (h *Handler) traceRows(r *http.Request, p *ember.Project, traces []*ember.Trace) ([]traceRow, error) {
	if len(traces) == 0 {
		return nil, nil
	}
	ids := make([]string, len(traces))
	rowIDs := make([]int64, len(traces))
	for i, t := range traces {
		ids[i], rowIDs[i] = t.TraceID, t.ID
	}
	roots, err := h.Spans.FindSpans(r.Context(), ember.SpanFilter{ProjectID: &p.ID, TraceIDs: ids, RootsOnly: true})
	if err != nil {
		return nil, err
	}
	rootOf := map[int64]*ember.Span{}
	for _, s := range roots {
		if old := rootOf[s.TraceRowID]; old == nil || s.StartTime.Before(old.StartTime) {
			rootOf[s.TraceRowID] = s
		}
	}
	costs, err := h.Summaries.TraceCosts(r.Context(), rowIDs)
	if err != nil {
		return nil, err
	}
	rows := make([]traceRow, len(traces))
	for i, t := range traces {
		row := traceRow{Trace: t, Tokens: t.TokenCountPrompt + t.TokenCountCompletion, Cost: costs[t.ID],
			LatencyMS: float64(t.EndTime.Sub(t.StartTime)) / 1e6}
		if s := rootOf[t.ID]; s != nil {
			a := parseAttrs(s.Attributes)
			row.Root, row.Input, row.Output = s, preview(a.str("input.value"), 120), preview(a.str("output.value"), 120)
			row.Error = s.StatusCode == ember.StatusError || s.CumulativeErrorCount > 0
		}
		rows[i] = row
	}
	return rows, nil
}

func (h *Handler) sessionTab(r *http.Request, p *ember.Project, tr timeRange, d *projectData) error {
	f := ember.SessionFilter{ProjectID: p.ID, StartTime: tr.Start, EndTime: tr.End, Limit: pageSize + 1}
	d.Sort, d.Dir = "time", "desc"
	if d.Filter != "" {
		cond, err := spanquery.ParseSession(d.Filter)
		if err != nil {
			return err
		}
		f.Condition = cond
	}
	if n, err := strconv.ParseInt(r.URL.Query().Get("cursor"), 10, 64); err == nil && n > 0 {
		f.Cursor = n
	}
	sessions, err := h.Traces.FindSessions(r.Context(), f)
	if err != nil {
		return err
	}
	if len(sessions) > pageSize {
		sessions = sessions[:pageSize]
		d.NextCursor = strconv.FormatInt(sessions[len(sessions)-1].ID-1, 10)
	}
	d.Sessions, err = h.sessionRows(r, sessions)
	return err
}

func (h *Handler) sessionRows(r *http.Request, sessions []*ember.Session) ([]sessionRow, error) {
	if len(sessions) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(sessions))
	for i, s := range sessions {
		ids[i] = s.ID
	}
	sums, err := h.Summaries.SummarizeSessions(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	var traceIDs []string
	for _, s := range sums {
		traceIDs = append(traceIDs, s.FirstTraceID, s.LastTraceID)
	}
	roots := map[string]attrs{}
	if len(traceIDs) > 0 {
		spans, err := h.Spans.FindSpans(r.Context(), ember.SpanFilter{TraceIDs: traceIDs, RootsOnly: true})
		if err != nil {
			return nil, err
		}
		for _, s := range spans {
			roots[s.TraceID] = parseAttrs(s.Attributes)
		}
	}
	rows := make([]sessionRow, len(sessions))
	for i, s := range sessions {
		sum := sums[s.ID]
		if sum == nil {
			sum = &ember.SessionSummary{SessionRowID: s.ID}
		}
		row := sessionRow{Session: s, Summary: sum}
		if a := roots[sum.FirstTraceID]; a != nil {
			row.FirstInput = preview(a.str("input.value"), 120)
		}
		if a := roots[sum.LastTraceID]; a != nil {
			row.LastOutput = preview(a.str("output.value"), 120)
		}
		rows[i] = row
	}
	return rows, nil
}

// traceChildren is the Traces tab's expansion of one trace: its spans
// below the root, indented, up to a limit.
func (h *Handler) traceChildren(w http.ResponseWriter, r *http.Request) {
	p, ok := h.project(w, r)
	if !ok {
		return
	}
	const limit = 50
	spans, err := h.Spans.FindSpans(r.Context(), ember.SpanFilter{ProjectID: &p.ID, TraceIDs: []string{r.PathValue("traceID")}, Limit: 1000})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	nodes := buildTree(spans)
	var flat []*spanNode
	var walk func(n *spanNode)
	walk = func(n *spanNode) {
		flat = append(flat, n)
		for _, c := range n.Children {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	if len(flat) > 0 && flat[0].Span.ParentID == "" {
		flat = flat[1:] // the root is the trace's own row
	}
	more := 0
	if len(flat) > limit {
		more, flat = len(flat)-limit, flat[:limit]
	}
	ordered := make([]*ember.Span, len(flat))
	for i, n := range flat {
		ordered[i] = n.Span
	}
	rows, err := h.spanRows(r, ordered)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for i := range rows {
		rows[i].Depth = flat[i].Depth
	}
	h.renderFragment(w, r, "project", "child-rows", page{Range: h.timeRange(r), Project: p, Data: map[string]any{"Rows": rows, "More": more, "TraceID": r.PathValue("traceID")}})
}

func (h *Handler) deleteRows(w http.ResponseWriter, r *http.Request) {
	p, ok := h.project(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, ember.Errorf(ember.EINVALID, "unreadable form"))
		return
	}
	for _, id := range r.PostForm["span"] {
		if err := h.Spans.DeleteSpan(r.Context(), id); err != nil && ember.ErrorCode(err) != ember.ENOTFOUND {
			h.fail(w, r, err)
			return
		}
	}
	for _, v := range r.PostForm["trace"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		t, err := h.Traces.FindTraceByID(r.Context(), id)
		if err != nil || t.ProjectID != p.ID {
			continue // gone already, or not this project's
		}
		if err := h.Traces.DeleteTrace(r.Context(), id); err != nil && ember.ErrorCode(err) != ember.ENOTFOUND {
			h.fail(w, r, err)
			return
		}
	}
	back := r.PostForm.Get("back")
	if !strings.HasPrefix(back, h.RootPath+"/projects/") || strings.HasPrefix(back, "//") {
		back = h.RootPath + "/projects/" + strconv.FormatInt(p.ID, 10)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// spanNode is a span in a trace's tree.
type spanNode struct {
	Span     *ember.Span
	Children []*spanNode
	Depth    int
	Error    bool // the span or a descendant failed
}

// buildTree arranges a trace's spans: children by start time under their
// parents; spans whose parent never arrived are roots too.
func buildTree(spans []*ember.Span) []*spanNode {
	byID := make(map[string]*spanNode, len(spans))
	for _, s := range spans {
		byID[s.SpanID] = &spanNode{Span: s}
	}
	var roots []*spanNode
	for _, s := range spans {
		n := byID[s.SpanID]
		if parent := byID[s.ParentID]; s.ParentID != "" && parent != nil && parent != n {
			parent.Children = append(parent.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	byStart := func(ns []*spanNode) {
		sort.SliceStable(ns, func(i, j int) bool {
			a, b := ns[i].Span, ns[j].Span
			if !a.StartTime.Equal(b.StartTime) {
				return a.StartTime.Before(b.StartTime)
			}
			return a.ID < b.ID
		})
	}
	visited := map[*spanNode]bool{}
	var fix func(n *spanNode, depth int) bool
	fix = func(n *spanNode, depth int) bool {
		visited[n] = true
		n.Depth = depth
		n.Error = n.Span.StatusCode == ember.StatusError
		byStart(n.Children)
		for _, c := range n.Children {
			if !visited[c] && fix(c, depth+1) {
				n.Error = true
			}
		}
		return n.Error
	}
	// Real roots (no parent id) first, then orphans.
	sort.SliceStable(roots, func(i, j int) bool {
		if (roots[i].Span.ParentID == "") != (roots[j].Span.ParentID == "") {
			return roots[i].Span.ParentID == ""
		}
		return roots[i].Span.StartTime.Before(roots[j].Span.StartTime)
	})
	for _, n := range roots {
		fix(n, 0)
	}
	return roots
}

// measureCursor is the keyset cursor of a listing sorted by a measure: the
// last row's measure and row id.
func measureCursor(value float64, id int64) string {
	return strconv.FormatFloat(value, 'g', -1, 64) + ":" + strconv.FormatInt(id, 10)
}

// parseMeasureCursor reads a measureCursor; ok is false for anything else.
func parseMeasureCursor(cursor string) (value float64, id int64, ok bool) {
	v, i, found := strings.Cut(cursor, ":")
	if !found {
		return 0, 0, false
	}
	value, err1 := strconv.ParseFloat(v, 64)
	id, err2 := strconv.ParseInt(i, 10, 64)
	return value, id, err1 == nil && err2 == nil
}
