package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/emberhq/ember"
)

// maxTraceSpans caps the spans the trace view loads.
const maxTraceSpans = 5000

type treeRow struct {
	Span          *ember.Span
	Depth         int
	Error         bool
	Tokens        int64
	Offset, Width float64 // the timeline bar, in percent of the trace
	Selected      bool
}

type traceData struct {
	Trace     *ember.Trace
	Rows      []treeRow
	Detail    *spanDetail
	Tokens    int64
	Cost      float64
	LatencyMS float64
	Errors    int
	Truncated bool
}

type message struct {
	Role, Content, Name, ToolCallID string
	ToolCalls                       []toolCall
}

type toolCall struct{ ID, Name, Arguments string }

type document struct{ ID, Content, Score, Metadata string }

type ioValue struct {
	Text string
	MIME string
	JSON bool
}

type event struct {
	Name, Time, ExcType, ExcMessage, Stack string
	Attributes                             []byte
}

type spanDetail struct {
	Span             *ember.Span
	Cost             *ember.SpanCost
	Model, Provider  string
	InputMessages    []message
	OutputMessages   []message
	InvocationParams string
	PromptTemplate   string
	PromptVariables  string
	PromptVersion    string
	Tools            []string
	Documents        []document
	Embeddings       []string
	EmbeddingModel   string
	ToolName         string
	ToolDescription  string
	ToolParameters   string
	Input, Output    ioValue
	Metadata         string
	Events           []event
	HasException     bool
	Attributes       jsonNode
	Tokens           [3]int64 // prompt, completion, total of this span
	// SpanFeedback and TraceFeedback are the annotations and notes of the
	// span and of its trace.
	SpanFeedback, TraceFeedback *annotationCard
	// DocFeedback is a card per retrieved document, by position.
	DocFeedback []*annotationCard
}

func (h *Handler) tracePage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.project(w, r)
	if !ok {
		return
	}
	t, err := h.Traces.FindTraceByTraceID(r.Context(), r.PathValue("traceID"))
	if err == nil && t.ProjectID != p.ID {
		err = ember.Errorf(ember.ENOTFOUND, "Trace %s is not in project %s", t.TraceID, p.Name)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	spans, err := h.Spans.FindSpans(r.Context(), ember.SpanFilter{ProjectID: &p.ID, TraceIDs: []string{t.TraceID}, Limit: maxTraceSpans + 1})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := traceData{Trace: t, LatencyMS: float64(t.EndTime.Sub(t.StartTime)) / 1e6}
	if len(spans) > maxTraceSpans {
		spans, d.Truncated = spans[:maxTraceSpans], true
	}
	costs, err := h.Summaries.TraceCosts(r.Context(), []int64{t.ID})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Cost = costs[t.ID]
	selected := r.URL.Query().Get("span")
	total := t.EndTime.Sub(t.StartTime)
	var flat func(n *spanNode)
	flat = func(n *spanNode) {
		row := treeRow{Span: n.Span, Depth: n.Depth, Error: n.Error,
			Tokens: n.Span.CumulativeLLMTokenCountPrompt + n.Span.CumulativeLLMTokenCountCompletion}
		if total > 0 {
			row.Offset = 100 * float64(n.Span.StartTime.Sub(t.StartTime)) / float64(total)
			row.Width = 100 * float64(n.Span.EndTime.Sub(n.Span.StartTime)) / float64(total)
		}
		row.Offset = min(max(row.Offset, 0), 99.5)
		row.Width = min(max(row.Width, 0.5), 100-row.Offset)
		if n.Span.StatusCode == ember.StatusError {
			d.Errors++
		}
		d.Tokens += n.Span.LLMTokenCountPrompt + n.Span.LLMTokenCountCompletion
		d.Rows = append(d.Rows, row)
		for _, c := range n.Children {
			flat(c)
		}
	}
	for _, n := range buildTree(spans) {
		flat(n)
	}
	if len(d.Rows) > 0 {
		idx := 0
		for i, row := range d.Rows {
			if row.Span.SpanID == selected {
				idx = i
			}
		}
		d.Rows[idx].Selected = true
		d.Detail, err = h.spanDetail(r, d.Rows[idx].Span)
		if err == nil {
			d.Detail.SpanFeedback, err = h.annotationCard(r.Context(), annTarget{project: p, trace: t, span: d.Rows[idx].Span})
		}
		if err == nil {
			d.Detail.TraceFeedback, err = h.annotationCard(r.Context(), annTarget{project: p, trace: t})
		}
		// Documents can be annotated when they are the span's retrieval
		// documents, the ones the store counts for document annotations.
		s := d.Rows[idx].Span
		docs := min(len(parseAttrs(s.Attributes).list("retrieval.documents")), maxAnnotatedDocuments)
		for i := 0; err == nil && i < docs && h.Annotations != nil; i++ {
			var c *annotationCard
			c, err = h.annotationCard(r.Context(), annTarget{project: p, trace: t, span: s, doc: int64(i), isDoc: true})
			d.Detail.DocFeedback = append(d.Detail.DocFeedback, c)
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.render(w, r, http.StatusOK, "trace", page{Title: "Trace " + t.TraceID, Nav: "projects", Range: h.timeRange(r), Project: p, Data: d})
}

// maxAnnotatedDocuments caps the documents of a span offered for
// annotation: each costs two queries.
const maxAnnotatedDocuments = 20

func (h *Handler) spanDetail(r *http.Request, s *ember.Span) (*spanDetail, error) {
	a := parseAttrs(s.Attributes)
	d := &spanDetail{Span: s, Attributes: jsonTree(s.Attributes)}
	costs, err := h.Summaries.FindSpanCosts(r.Context(), []int64{s.ID})
	if err != nil {
		return nil, err
	}
	d.Cost = costs[s.ID]
	d.Tokens = [3]int64{s.LLMTokenCountPrompt, s.LLMTokenCountCompletion, s.LLMTokenCountPrompt + s.LLMTokenCountCompletion}
	d.Model, d.Provider = a.str("llm.model_name"), a.str("llm.provider")
	d.InputMessages = messages(a.list("llm.input_messages"))
	d.OutputMessages = messages(a.list("llm.output_messages"))
	if v := a.get("llm.invocation_parameters"); v != nil {
		d.InvocationParams = prettyJSON(text(v))
	}
	d.PromptTemplate = a.str("llm.prompt_template.template")
	if v := a.get("llm.prompt_template.variables"); v != nil {
		d.PromptVariables = prettyJSON(text(v))
	}
	d.PromptVersion = a.str("llm.prompt_template.version")
	for _, t := range a.list("llm.tools") {
		d.Tools = append(d.Tools, prettyJSON(text(dig(t, []string{"tool", "json_schema"}))))
	}
	for _, doc := range a.list("retrieval.documents") {
		d.Documents = append(d.Documents, docOf(dig(doc, []string{"document"})))
	}
	if len(d.Documents) == 0 {
		for _, doc := range a.list("reranker.output_documents") {
			d.Documents = append(d.Documents, docOf(dig(doc, []string{"document"})))
		}
	}
	d.EmbeddingModel = a.str("embedding.model_name")
	for _, e := range a.list("embedding.embeddings") {
		d.Embeddings = append(d.Embeddings, text(dig(e, []string{"embedding", "text"})))
	}
	d.ToolName, d.ToolDescription = a.str("tool.name"), a.str("tool.description")
	if v := a.get("tool.parameters"); v != nil {
		d.ToolParameters = prettyJSON(text(v))
	}
	d.Input = ioOf(a, "input")
	d.Output = ioOf(a, "output")
	if v := a.get("metadata"); v != nil {
		d.Metadata = prettyJSON(text(v))
	}
	var events []struct {
		Name       string          `json:"name"`
		Timestamp  any             `json:"timestamp"`
		Attributes json.RawMessage `json:"attributes"`
	}
	_ = json.Unmarshal(s.Events, &events) // unreadable events show as none
	for _, e := range events {
		ea := parseAttrs(e.Attributes)
		ev := event{Name: e.Name, Time: text(e.Timestamp), ExcType: ea.str("exception.type"), ExcMessage: ea.str("exception.message"),
			Stack: ea.str("exception.stacktrace"), Attributes: e.Attributes}
		if e.Name == "exception" || ev.ExcType != "" {
			d.HasException = true
		}
		d.Events = append(d.Events, ev)
	}
	return d, nil
}

func messages(list []any) []message {
	var out []message
	for _, item := range list {
		m := dig(item, []string{"message"})
		if m == nil {
			continue
		}
		msg := message{Role: text(dig(m, []string{"role"})), Content: text(dig(m, []string{"content"})),
			Name: text(dig(m, []string{"name"})), ToolCallID: text(dig(m, []string{"tool_call_id"}))}
		if parts, ok := dig(m, []string{"contents"}).([]any); ok && msg.Content == "" {
			for _, part := range parts {
				if t := text(dig(part, []string{"message_content", "text"})); t != "" {
					msg.Content += t + "\n"
				} else if u := text(dig(part, []string{"message_content", "image", "image", "url"})); u != "" {
					msg.Content += "[image] " + u + "\n"
				}
			}
		}
		calls, _ := dig(m, []string{"tool_calls"}).([]any)
		for _, c := range calls {
			msg.ToolCalls = append(msg.ToolCalls, toolCall{
				ID:        text(dig(c, []string{"tool_call", "id"})),
				Name:      text(dig(c, []string{"tool_call", "function", "name"})),
				Arguments: prettyJSON(text(dig(c, []string{"tool_call", "function", "arguments"}))),
			})
		}
		out = append(out, msg)
	}
	return out
}

func docOf(v any) document {
	d := document{ID: text(dig(v, []string{"id"})), Content: text(dig(v, []string{"content"})), Score: text(dig(v, []string{"score"}))}
	if m := dig(v, []string{"metadata"}); m != nil {
		d.Metadata = prettyJSON(text(m))
	}
	return d
}

// ioOf reads input or output with its MIME type; JSON is pretty-printed.
func ioOf(a attrs, key string) ioValue {
	v := ioValue{Text: a.str(key + ".value"), MIME: a.str(key + ".mime_type")}
	if v.Text == "" {
		return v
	}
	if v.MIME == "application/json" || (v.MIME == "" && (v.Text[0] == '{' || v.Text[0] == '[')) {
		if p := prettyJSON(v.Text); p != v.Text || json.Valid([]byte(v.Text)) {
			v.Text, v.JSON = p, true
		}
	}
	return v
}

// downloadTrace answers the trace as JSON: its spans with their OTel ids,
// times, status and attributes.
func (h *Handler) downloadTrace(w http.ResponseWriter, r *http.Request) {
	p, ok := h.project(w, r)
	if !ok {
		return
	}
	traceID := r.PathValue("traceID")
	spans, err := h.Spans.FindSpans(r.Context(), ember.SpanFilter{ProjectID: &p.ID, TraceIDs: []string{traceID}})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(spans) == 0 {
		h.fail(w, r, ember.Errorf(ember.ENOTFOUND, "Trace %s not found", traceID))
		return
	}
	type jsonSpan struct {
		Name          string          `json:"name"`
		SpanKind      string          `json:"span_kind"`
		TraceID       string          `json:"trace_id"`
		SpanID        string          `json:"span_id"`
		ParentID      *string         `json:"parent_id"`
		StartTime     string          `json:"start_time"`
		EndTime       string          `json:"end_time"`
		StatusCode    string          `json:"status_code"`
		StatusMessage string          `json:"status_message"`
		Attributes    json.RawMessage `json:"attributes"`
		Events        json.RawMessage `json:"events"`
	}
	out := struct {
		Project string     `json:"project"`
		TraceID string     `json:"trace_id"`
		Spans   []jsonSpan `json:"spans"`
	}{Project: p.Name, TraceID: traceID}
	for i := len(spans) - 1; i >= 0; i-- { // oldest row first
		s := spans[i]
		js := jsonSpan{Name: s.Name, SpanKind: string(s.Kind), TraceID: s.TraceID, SpanID: s.SpanID,
			StartTime: s.StartTime.Format(time.RFC3339Nano), EndTime: s.EndTime.Format(time.RFC3339Nano),
			StatusCode: string(s.StatusCode), StatusMessage: s.StatusMessage, Attributes: s.Attributes, Events: s.Events}
		if s.ParentID != "" {
			js.ParentID = &s.ParentID
		}
		out.Spans = append(out.Spans, js)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="trace-`+url.PathEscape(traceID)+`.json"`)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
}

func (h *Handler) redirectProject(w http.ResponseWriter, r *http.Request) {
	p, err := h.Projects.FindProjectByName(r.Context(), r.PathValue("name"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, h.RootPath+"/projects/"+strconv.FormatInt(p.ID, 10), http.StatusFound)
}

func (h *Handler) redirectTrace(w http.ResponseWriter, r *http.Request) {
	t, err := h.Traces.FindTraceByTraceID(r.Context(), r.PathValue("traceID"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, h.RootPath+"/projects/"+strconv.FormatInt(t.ProjectID, 10)+"/traces/"+url.PathEscape(t.TraceID), http.StatusFound)
}

func (h *Handler) redirectSpan(w http.ResponseWriter, r *http.Request) {
	spans, err := h.Spans.FindSpans(r.Context(), ember.SpanFilter{SpanIDs: []string{r.PathValue("spanID")}, Limit: 1})
	if err == nil && len(spans) == 0 {
		err = ember.Errorf(ember.ENOTFOUND, "No span has id %s", r.PathValue("spanID"))
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	s := spans[0]
	http.Redirect(w, r, h.RootPath+"/projects/"+strconv.FormatInt(s.ProjectID, 10)+"/traces/"+url.PathEscape(s.TraceID)+"?span="+url.QueryEscape(s.SpanID), http.StatusFound)
}

func (h *Handler) redirectSession(w http.ResponseWriter, r *http.Request) {
	s, err := h.Traces.FindSessionBySessionID(r.Context(), r.PathValue("sessionID"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, h.RootPath+"/projects/"+strconv.FormatInt(s.ProjectID, 10)+"/sessions/"+url.PathEscape(s.SessionID), http.StatusFound)
}
