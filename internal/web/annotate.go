package web

import (
	"context"
	"crypto/rand"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/auth"
)

// maxAnnotationText caps the explanation and note a form may carry.
const maxAnnotationText = 10000

// annotationCard is the feedback of one span, trace, session or retrieved
// document: its annotations and notes, and a form per annotation config of
// the project.
type annotationCard struct {
	Target      string // "span", "trace", "session" or "document"
	Key         string // the span's or trace's OpenTelemetry id, the session id, or "span id-position" for a document
	SpanID      string // the span, or the document's span, that forms post as "span"
	Doc         int64  // a document's position, posted as "document"
	Action      string // the path the forms post to, without the root path
	Configs     string // the project's annotation configs page, without the root path
	Annotations []*ember.Annotation
	Notes       []*ember.Annotation
	Users       map[int64]string
	Forms       []*annotationForm
	Note        string // a note that failed validation, shown again
	NoteError   string
	Error       string // a failure not tied to one form
	Flash       string
}

// annotationForm is the form of one annotation config: a choice of labels,
// a number within bounds, or text, filled in with the annotation of that
// name the UI made before (identifier ""), if any.
type annotationForm struct {
	Config                    *ember.AnnotationConfig
	Existing                  *ember.Annotation
	Label, Score, Explanation string
	Error                     string
}

// annTarget is what a feedback request is about: a trace, one of its
// spans, one document a retriever span found, or a session.
type annTarget struct {
	project *ember.Project
	trace   *ember.Trace   // nil for a session
	span    *ember.Span    // the span, or the document's span; nil for the trace
	session *ember.Session // set for a session only
	doc     int64          // the document's position
	isDoc   bool
}

func (t annTarget) kind() ember.AnnotationTarget {
	switch {
	case t.session != nil:
		return ember.AnnotationTargetSession
	case t.isDoc:
		return ember.AnnotationTargetDocument
	case t.span != nil:
		return ember.AnnotationTargetSpan
	}
	return ember.AnnotationTargetTrace
}

// rowID is the row id annotations of the target are found by; a
// document's annotations are its span's, narrowed to its position.
func (t annTarget) rowID() int64 {
	switch {
	case t.session != nil:
		return t.session.ID
	case t.span != nil:
		return t.span.ID
	}
	return t.trace.ID
}

// mine tells whether an annotation found by rowID is the target's: any,
// except for documents, which share their span's row id.
func (t annTarget) mine(a *ember.Annotation) bool {
	return !t.isDoc || a.DocumentPosition == t.doc
}

// set points an annotation at the target.
func (t annTarget) set(a *ember.Annotation) {
	a.Target = t.kind()
	switch {
	case t.session != nil:
		a.SessionID = t.session.SessionID
	case t.span != nil:
		a.SpanID, a.DocumentPosition = t.span.SpanID, t.doc
	default:
		a.TraceID = t.trace.TraceID
	}
}

// annotationCard loads the feedback of a span or trace: one query for the
// annotations, one for the project's configs, and one per user named.
func (h *Handler) annotationCard(ctx context.Context, t annTarget) (*annotationCard, error) {
	c := &annotationCard{Target: string(t.kind()), Configs: "/projects/" + strconv.FormatInt(t.project.ID, 10) + "/annotation-configs"}
	switch {
	case t.session != nil:
		c.Key, c.Action = t.session.SessionID, "/projects/"+strconv.FormatInt(t.project.ID, 10)+"/sessions/"+url.PathEscape(t.session.SessionID)
	default:
		c.Key, c.Action = t.trace.TraceID, "/projects/"+strconv.FormatInt(t.project.ID, 10)+"/traces/"+url.PathEscape(t.trace.TraceID)
		if t.span != nil {
			c.Key, c.SpanID = t.span.SpanID, t.span.SpanID
		}
		if t.isDoc {
			c.Key, c.Doc = t.span.SpanID+"-"+strconv.FormatInt(t.doc, 10), t.doc
		}
	}
	if h.Annotations == nil {
		return c, nil
	}
	found, err := h.Annotations.FindAnnotations(ctx, ember.AnnotationFilter{Target: t.kind(), ProjectID: t.project.ID, TargetRowIDs: []int64{t.rowID()}, Limit: 500})
	if err != nil {
		return nil, err
	}
	var anns []*ember.Annotation
	for _, a := range found {
		if t.mine(a) {
			anns = append(anns, a)
		}
	}
	for _, a := range anns {
		if a.Name == ember.NoteAnnotationName {
			c.Notes = append(c.Notes, a)
		} else {
			c.Annotations = append(c.Annotations, a)
		}
	}
	slices.SortStableFunc(c.Annotations, func(a, b *ember.Annotation) int { return strings.Compare(a.Name, b.Name) })
	if h.AnnotationConfigs != nil {
		configs, err := h.AnnotationConfigs.FindAnnotationConfigs(ctx, ember.AnnotationConfigFilter{ProjectID: t.project.ID})
		if err != nil {
			return nil, err
		}
		slices.SortFunc(configs, func(a, b *ember.AnnotationConfig) int { return strings.Compare(a.Name, b.Name) })
		for _, cfg := range configs {
			f := &annotationForm{Config: cfg}
			for _, a := range c.Annotations {
				if a.Name == cfg.Name && a.Identifier == "" {
					f.Existing = a
					f.Label, f.Explanation = deref(a.Label), deref(a.Explanation)
					if a.Score != nil {
						f.Score = strconv.FormatFloat(*a.Score, 'g', -1, 64)
					}
					break
				}
			}
			c.Forms = append(c.Forms, f)
		}
	}
	c.Users = map[int64]string{}
	for _, a := range anns {
		if a.UserID == 0 || c.Users[a.UserID] != "" {
			continue
		}
		c.Users[a.UserID] = "user " + strconv.FormatInt(a.UserID, 10)
		if h.Users != nil {
			if u, err := h.Users.FindUserByID(ctx, a.UserID); err == nil {
				c.Users[a.UserID] = u.Username
			}
		}
	}
	return c, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// annTarget reads what a feedback request is about: the session of the
// path, or the trace of the path and, from the form fields "span" and
// "document", one of its spans or one document of a span.
func (h *Handler) annTarget(w http.ResponseWriter, r *http.Request) (annTarget, bool) {
	p, ok := h.project(w, r)
	if !ok {
		return annTarget{}, false
	}
	if sid := r.PathValue("sessionID"); sid != "" {
		s, err := h.Traces.FindSessionBySessionID(r.Context(), sid)
		if err == nil && s.ProjectID != p.ID {
			err = ember.Errorf(ember.ENOTFOUND, "Session %s is not in project %s", s.SessionID, p.Name)
		}
		if err != nil {
			h.fail(w, r, err)
			return annTarget{}, false
		}
		return annTarget{project: p, session: s}, true
	}
	t, err := h.Traces.FindTraceByTraceID(r.Context(), r.PathValue("traceID"))
	if err == nil && t.ProjectID != p.ID {
		err = ember.Errorf(ember.ENOTFOUND, "Trace %s is not in project %s", t.TraceID, p.Name)
	}
	if err != nil {
		h.fail(w, r, err)
		return annTarget{}, false
	}
	out := annTarget{project: p, trace: t}
	if id := r.PostFormValue("span"); id != "" {
		spans, err := h.Spans.FindSpans(r.Context(), ember.SpanFilter{ProjectID: &p.ID, TraceIDs: []string{t.TraceID}, SpanIDs: []string{id}, Limit: 1})
		if err == nil && len(spans) == 0 {
			err = ember.Errorf(ember.ENOTFOUND, "Span %s is not in trace %s", id, t.TraceID)
		}
		if err != nil {
			h.fail(w, r, err)
			return annTarget{}, false
		}
		out.span = spans[0]
		if v := r.PostFormValue("document"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || n >= int64(len(parseAttrs(out.span.Attributes).list("retrieval.documents"))) {
				h.fail(w, r, ember.Errorf(ember.ENOTFOUND, "Span %s has no retrieved document %s", id, v))
				return annTarget{}, false
			}
			out.doc, out.isDoc = n, true
		}
	}
	return out, true
}

// userID is the signed-in user's id, 0 when authentication is off.
func userID(ctx context.Context) int64 {
	if p := auth.PrincipalFrom(ctx); p != nil && p.User != nil {
		return p.User.ID
	}
	return 0
}

// respondCard answers a feedback post: the card, for htmx to swap in;
// a plain form post that succeeded goes back to the trace view. A
// validation error answers 422 with the card showing it.
func (h *Handler) respondCard(w http.ResponseWriter, r *http.Request, t annTarget, c *annotationCard, invalid bool) {
	status := http.StatusOK
	if invalid {
		status = http.StatusUnprocessableEntity
	} else if r.Header.Get("HX-Request") == "" {
		u := h.RootPath + c.Action
		if t.span != nil {
			u += "?span=" + url.QueryEscape(t.span.SpanID)
		}
		if t.isDoc {
			u += "#feedback-document-" + strconv.FormatInt(t.doc, 10)
		}
		http.Redirect(w, r, u, http.StatusSeeOther)
		return
	}
	h.renderFragmentStatus(w, r, status, "trace", "annotations-fragment", page{Data: c})

}

// annotate adds or changes an annotation of one of the project's configs.
func (h *Handler) annotate(w http.ResponseWriter, r *http.Request) {
	t, ok := h.annTarget(w, r)
	if !ok {
		return
	}
	name := r.PostFormValue("name")
	c, err := h.annotationCard(r.Context(), t)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var form *annotationForm
	for _, f := range c.Forms {
		if f.Config.Name == name {
			form = f
		}
	}
	if form == nil {
		c.Error = "No annotation config named " + strconv.Quote(name) + " is assigned to this project."
		h.respondCard(w, r, t, c, true)
		return
	}
	form.Label, form.Score, form.Explanation = r.PostFormValue("label"), strings.TrimSpace(r.PostFormValue("score")), strings.TrimSpace(r.PostFormValue("explanation"))
	a, err := annotationFromForm(form.Config, form.Label, form.Score, form.Explanation)
	if err != nil {
		form.Error = ember.ErrorMessage(err)
		h.respondCard(w, r, t, c, true)
		return
	}
	a.AnnotatorKind, a.Source, a.UserID = ember.AnnotatorHuman, ember.AnnotationSourceApp, userID(r.Context())
	t.set(a)
	if err := h.Annotations.UpsertAnnotations(r.Context(), []*ember.Annotation{a}); err != nil {
		if code := ember.ErrorCode(err); code == ember.EINVALID || code == ember.EUNPROCESSABLE {
			form.Error = ember.ErrorMessage(err)
			h.respondCard(w, r, t, c, true)
			return
		}
		h.fail(w, r, err)
		return
	}
	h.reloadCard(w, r, t, "Saved "+name+".")
}

func (h *Handler) reloadCard(w http.ResponseWriter, r *http.Request, t annTarget, flash string) {
	c, err := h.annotationCard(r.Context(), t)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c.Flash = flash
	h.respondCard(w, r, t, c, false)
}

// annotationFromForm builds the annotation a person gives through the
// config c's form, and checks it against the config: a categorical config
// takes one of its labels (and that label's score), a continuous one a
// number within its bounds, a freeform one text. The explanation is
// optional except for freeform configs. Errors are EUNPROCESSABLE.
func annotationFromForm(c *ember.AnnotationConfig, label, score, explanation string) (*ember.Annotation, error) {
	a := &ember.Annotation{Name: c.Name}
	explanation = ember.CleanText(strings.TrimSpace(explanation))
	if len(explanation) > maxAnnotationText {
		return nil, ember.Errorf(ember.EUNPROCESSABLE, "The explanation is too long: at most %d bytes.", maxAnnotationText)
	}
	if explanation != "" {
		a.Explanation = &explanation
	}
	switch c.Type {
	case ember.AnnotationConfigCategorical:
		if label == "" {
			return nil, ember.Errorf(ember.EUNPROCESSABLE, "Choose a label for %s.", c.Name)
		}
		a.Label = &label
		for _, v := range c.Values {
			if v.Label == label && v.Score != nil {
				s := *v.Score
				a.Score = &s
			}
		}
	case ember.AnnotationConfigContinuous:
		if score == "" {
			return nil, ember.Errorf(ember.EUNPROCESSABLE, "Enter a score for %s.", c.Name)
		}
		f, err := strconv.ParseFloat(score, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, ember.Errorf(ember.EUNPROCESSABLE, "The score of %s must be a number.", c.Name)
		}
		a.Score = &f
	default:
		if explanation == "" {
			return nil, ember.Errorf(ember.EUNPROCESSABLE, "Enter some text for %s.", c.Name)
		}
	}
	if err := c.Check(a); err != nil {
		return nil, err
	}
	return a, nil
}

// deleteAnnotation deletes one annotation of the span or trace. With
// authentication on, a member may delete only what they or nobody made;
// admins may delete any.
func (h *Handler) deleteAnnotation(w http.ResponseWriter, r *http.Request) {
	t, ok := h.annTarget(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("annID"), 10, 64)
	if err != nil || id <= 0 {
		h.fail(w, r, ember.Errorf(ember.ENOTFOUND, "Annotation not found"))
		return
	}
	found, err := h.Annotations.FindAnnotations(r.Context(), ember.AnnotationFilter{Target: t.kind(), ProjectID: t.project.ID, TargetRowIDs: []int64{t.rowID()}, Cursor: id, Limit: 1})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(found) == 0 || found[0].ID != id || !t.mine(found[0]) {
		h.fail(w, r, ember.Errorf(ember.ENOTFOUND, "Annotation not found"))
		return
	}
	if p := auth.PrincipalFrom(r.Context()); p != nil && !p.IsAdmin() && found[0].UserID != 0 && found[0].UserID != p.User.ID {
		h.fail(w, r, ember.Errorf(ember.EFORBIDDEN, "Only its author or an admin can delete this annotation."))
		return
	}
	if _, err := h.Annotations.DeleteAnnotations(r.Context(), ember.AnnotationDeletion{Target: t.kind(), ProjectID: t.project.ID, IDs: []int64{id}}); err != nil {
		h.fail(w, r, err)
		return
	}
	h.reloadCard(w, r, t, "Deleted "+found[0].Name+".")
}

// addNote adds a note: free text by a person, each a new one.
func (h *Handler) addNote(w http.ResponseWriter, r *http.Request) {
	t, ok := h.annTarget(w, r)
	if !ok {
		return
	}
	note := ember.CleanText(strings.TrimSpace(r.PostFormValue("note")))
	var problem string
	switch {
	case t.isDoc:
		problem = "Documents take annotations, not notes."
	case note == "":
		problem = "Write a note first."
	case len(note) > maxAnnotationText:
		problem = "The note is too long: at most " + strconv.Itoa(maxAnnotationText) + " bytes."
	}
	if problem != "" {
		c, err := h.annotationCard(r.Context(), t)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		c.Note, c.NoteError = note, problem
		if t.isDoc {
			c.Error = problem // a document's card has no note form to show it
		}
		h.respondCard(w, r, t, c, true)
		return
	}
	// Each note is a new annotation: a unique identifier, prefixed as
	// Phoenix's UI prefixes its notes.
	prefix := map[ember.AnnotationTarget]string{ember.AnnotationTargetSpan: "px-span-note:", ember.AnnotationTargetTrace: "px-trace-note:", ember.AnnotationTargetSession: "px-session-note:"}[t.kind()]
	a := &ember.Annotation{Name: ember.NoteAnnotationName, Explanation: &note, AnnotatorKind: ember.AnnotatorHuman,
		Source: ember.AnnotationSourceApp, UserID: userID(r.Context()), Identifier: prefix + rand.Text()}
	t.set(a)
	if err := h.Annotations.UpsertAnnotations(r.Context(), []*ember.Annotation{a}); err != nil {
		h.fail(w, r, err)
		return
	}
	h.reloadCard(w, r, t, "Note added.")
}
