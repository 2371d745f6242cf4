package web

import (
	"net/http"

	"github.com/emberhq/ember"
)

type turn struct {
	N             int
	Trace         *ember.Trace
	Root          *ember.Span
	Input, Output ioValue
	LatencyMS     float64
	Tokens        int64
	Error         bool
}

type sessionData struct {
	Session  *ember.Session
	Summary  *ember.SessionSummary
	Turns    []turn
	Feedback *annotationCard
}

// sessionPage shows a session as a conversation: each trace is a turn, its
// root span's input the user's message and its output the answer.
func (h *Handler) sessionPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.project(w, r)
	if !ok {
		return
	}
	s, err := h.Traces.FindSessionBySessionID(r.Context(), r.PathValue("sessionID"))
	if err == nil && s.ProjectID != p.ID {
		err = ember.Errorf(ember.ENOTFOUND, "Session %s is not in project %s", s.SessionID, p.Name)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	traces, err := h.Traces.FindTraces(r.Context(), ember.TraceFilter{Sessions: &ember.SessionSet{RowIDs: []int64{s.ID}}, Ascending: true, Limit: 1000})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	sums, err := h.Summaries.SummarizeSessions(r.Context(), []int64{s.ID})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := sessionData{Session: s, Summary: sums[s.ID]}
	if d.Summary == nil {
		d.Summary = &ember.SessionSummary{SessionRowID: s.ID}
	}
	ids := make([]string, len(traces))
	for i, t := range traces {
		ids[i] = t.TraceID
	}
	roots := map[int64]*ember.Span{}
	if len(ids) > 0 {
		spans, err := h.Spans.FindSpans(r.Context(), ember.SpanFilter{TraceIDs: ids, RootsOnly: true})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, sp := range spans {
			if old := roots[sp.TraceRowID]; old == nil || sp.StartTime.Before(old.StartTime) {
				roots[sp.TraceRowID] = sp
			}
		}
	}
	for i, t := range traces {
		tn := turn{N: i + 1, Trace: t, LatencyMS: float64(t.EndTime.Sub(t.StartTime)) / 1e6, Tokens: t.TokenCountPrompt + t.TokenCountCompletion}
		if root := roots[t.ID]; root != nil {
			a := parseAttrs(root.Attributes)
			tn.Root, tn.Input, tn.Output = root, ioOf(a, "input"), ioOf(a, "output")
			tn.Error = root.StatusCode == ember.StatusError || root.CumulativeErrorCount > 0
		}
		d.Turns = append(d.Turns, tn)
	}
	if d.Feedback, err = h.annotationCard(r.Context(), annTarget{project: p, session: s}); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "session", page{Title: "Session " + s.SessionID, Nav: "projects", Range: h.timeRange(r), Project: p, Data: d})
}
