package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/api"
	"github.com/emberhq/ember/client"
)

// annotationTraces builds a trace of project "annotations" with a root
// span in session sessionID and, beneath it, a retriever span that
// returned two documents. Ids are made from tag.
func annotationTraces(tag byte, sessionID string) (td ptrace.Traces, traceID, rootID, retrieverID string) {
	td = ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("openinference.project.name", "annotations")
	ss := rs.ScopeSpans().AppendEmpty()
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	tid := pcommon.TraceID{0xa0, tag, 1}
	root, retriever := pcommon.SpanID{0xa1, tag, 1}, pcommon.SpanID{0xa1, tag, 2}
	s := ss.Spans().AppendEmpty()
	s.SetTraceID(tid)
	s.SetSpanID(root)
	s.SetName("agent")
	s.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	s.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Second)))
	s.Attributes().PutStr("openinference.span.kind", "AGENT")
	s.Attributes().PutStr("session.id", sessionID)
	r := ss.Spans().AppendEmpty()
	r.SetTraceID(tid)
	r.SetSpanID(retriever)
	r.SetParentSpanID(root)
	r.SetName("retrieve")
	r.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	r.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Millisecond)))
	r.Attributes().PutStr("openinference.span.kind", "RETRIEVER")
	r.Attributes().PutStr("retrieval.documents.0.document.content", "first")
	r.Attributes().PutStr("retrieval.documents.1.document.content", "second")
	return td, tid.String(), root.String(), retriever.String()
}

// expectCall makes a request and checks its status and, when want is not
// empty, that the body holds want. It returns the body.
func expectCall(t *testing.T, method, u, body string, status int, want string) string {
	t.Helper()
	got, text, _ := call(t, method, u, body)
	if got != status || (want != "" && !strings.Contains(text, want)) {
		t.Errorf("%s %s %s: %d %q, want %d %q", method, u, body, got, text, status, want)
	}
	return text
}

// expectText is expectCall for a plain-text reply that must be exactly want.
func expectText(t *testing.T, method, u, body string, status int, want string) {
	t.Helper()
	got, text, hdr := call(t, method, u, body)
	if got != status || text != want || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
		t.Errorf("%s %s %s: %d %q (%s), want %d %q", method, u, body, got, text, hdr.Get("Content-Type"), status, want)
	}
}

type annotationPage struct {
	Data []struct {
		ID            string          `json:"id"`
		SpanID        string          `json:"span_id"`
		TraceID       string          `json:"trace_id"`
		SessionID     string          `json:"session_id"`
		Name          string          `json:"name"`
		AnnotatorKind string          `json:"annotator_kind"`
		Identifier    string          `json:"identifier"`
		Source        string          `json:"source"`
		UserID        *string         `json:"user_id"`
		Metadata      json.RawMessage `json:"metadata"`
		CreatedAt     string          `json:"created_at"`
		UpdatedAt     string          `json:"updated_at"`
		Result        struct {
			Label       *string  `json:"label"`
			Score       *float64 `json:"score"`
			Explanation *string  `json:"explanation"`
		} `json:"result"`
	} `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// names lists the page's annotations as name=label (or =explanation).
func (p annotationPage) names() string {
	var out []string
	for _, a := range p.Data {
		v := "-"
		if a.Result.Label != nil {
			v = *a.Result.Label
		} else if a.Result.Explanation != nil {
			v = *a.Result.Explanation
		}
		out = append(out, a.Name+"="+v)
	}
	return strings.Join(out, ",")
}

func listAnnotations(t *testing.T, p *process, kind, query string) annotationPage {
	t.Helper()
	var page annotationPage
	getJSON(t, p.httpURL+"/v1/projects/annotations/"+kind+"_annotations?"+query, &page)
	return page
}

// TestAnnotationsAPI pins the annotation and note routes on a running
// server: replies, status codes and messages.
func TestAnnotationsAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startEmber(t, e.env(t))
		td, traceID, rootID, retrieverID := annotationTraces(1, "chat-1")
		mustExport(t, p, td)
		u := func(path string) string { return p.httpURL + path }
		spanBody := func(spanID, name, result string) string {
			return fmt.Sprintf(`{"data":[{"span_id":%q,"name":%q,"annotator_kind":"LLM","result":%s,"metadata":{"model":"judge"}}]}`, spanID, name, result)
		}

		// Synchronous writes answer with GlobalIDs; the same name and
		// identifier on the same span is the same annotation.
		var ids struct{ Data []struct{ ID string } }
		json.Unmarshal([]byte(expectCall(t, "POST", u("/v1/span_annotations?sync=true"), spanBody(rootID, "correctness", `{"label":"correct","score":1,"explanation":"fine"}`), 200, "")), &ids)
		if len(ids.Data) != 1 || !strings.HasPrefix(decodeGlobalID(t, ids.Data[0].ID), "SpanAnnotation:") {
			t.Fatalf("sync span annotation: %+v", ids)
		}
		first := ids.Data[0].ID
		json.Unmarshal([]byte(expectCall(t, "POST", u("/v1/span_annotations?sync=true"), spanBody(rootID, "correctness", `{"label":"incorrect","score":0}`), 200, "")), &ids)
		if ids.Data[0].ID != first {
			t.Errorf("upsert gave a new id: %s, then %s", first, ids.Data[0].ID)
		}
		expectCall(t, "POST", u("/v1/span_annotations?sync=true"), `{"data":[]}`, 200, `{"data":[]}`)
		expectCall(t, "POST", u("/v1/span_annotations"), spanBody(rootID, "queued", `null`), 200, `{"data":[]}`)
		// Wait for it here: listings are newest row first, and the queue
		// must store it before the notes below get their rows.
		waitForAnnotations(t, p, "span", "span_ids="+rootID+"&include_annotation_names=queued", 1)
		expectText(t, "POST", u("/v1/span_annotations?sync=true"), spanBody("0000000000000bad", "x", `{}`), 404, "Spans with IDs 0000000000000bad do not exist.")
		expectText(t, "POST", u("/v1/span_annotations?sync=true"), spanBody(rootID, "note", `{}`), 400, "The name 'note' is reserved for trace and span notes. Use POST /v1/span_notes instead.")
		expectText(t, "POST", u("/v1/span_annotations"), spanBody(rootID, "note", `{}`), 400, "The name 'note' is reserved for trace and span notes. Use POST /v1/span_notes instead.")
		expectCall(t, "POST", u("/v1/span_annotations?sync=true"), `{"data":[{"span_id":"x","name":"n"}]}`, 422, `"loc":["body","data",0,"annotator_kind"],"msg":"Field required"`)
		expectCall(t, "POST", u("/v1/span_annotations?sync=true"), `{"data":[{"span_id":"x","name":"n","annotator_kind":"ROBOT"}]}`, 422, `"msg":"Input should be 'LLM', 'CODE' or 'HUMAN'"`)
		expectCall(t, "POST", u("/v1/span_annotations?sync=maybe"), `{"data":[]}`, 422, `"bool_parsing"`)
		expectCall(t, "POST", u("/v1/span_annotations"), ``, 422, `"loc":["body"],"msg":"Field required"`)
		expectCall(t, "POST", u("/v1/span_annotations"), `{"data":`, 422, `"json_invalid"`)

		json.Unmarshal([]byte(expectCall(t, "POST", u("/v1/trace_annotations?sync=true"), fmt.Sprintf(`{"data":[{"trace_id":%q,"name":"helpful","annotator_kind":"HUMAN","result":{"score":0}}]}`, traceID), 200, "")), &ids)
		if len(ids.Data) != 1 || !strings.HasPrefix(decodeGlobalID(t, ids.Data[0].ID), "TraceAnnotation:") {
			t.Errorf("trace annotation: %+v", ids)
		}
		expectText(t, "POST", u("/v1/trace_annotations?sync=true"), `{"data":[{"trace_id":"nope","name":"x","annotator_kind":"HUMAN"}]}`, 404, "Traces with IDs nope do not exist.")
		expectText(t, "POST", u("/v1/trace_annotations"), `{"data":[{"trace_id":"nope","name":"note","annotator_kind":"HUMAN"}]}`, 400, "The name 'note' is reserved for trace and span notes. Use POST /v1/trace_notes instead.")
		json.Unmarshal([]byte(expectCall(t, "POST", u("/v1/session_annotations?sync=true"), `{"data":[{"session_id":"chat-1","name":"resolved","annotator_kind":"CODE","result":{"label":"yes"}}]}`, 200, "")), &ids)
		if len(ids.Data) != 1 || !strings.HasPrefix(decodeGlobalID(t, ids.Data[0].ID), "ProjectSessionAnnotation:") {
			t.Errorf("session annotation: %+v", ids)
		}
		expectText(t, "POST", u("/v1/session_annotations?sync=true"), `{"data":[{"session_id":"nope","name":"x","annotator_kind":"HUMAN"}]}`, 404, "Sessions with IDs nope do not exist.")
		expectText(t, "POST", u("/v1/session_annotations"), `{"data":[{"session_id":"nope","name":"note","annotator_kind":"HUMAN"}]}`, 400, "The name 'note' is reserved for session notes. Use POST /v1/session_notes instead.")

		doc := func(pos, identifier string) string {
			return fmt.Sprintf(`{"data":[{"span_id":%q,"document_position":%s,"name":"relevance","annotator_kind":"LLM","result":{"score":1},"identifier":%q}]}`, retrieverID, pos, identifier)
		}
		json.Unmarshal([]byte(expectCall(t, "POST", u("/v1/document_annotations?sync=true"), doc("1", ""), 200, "")), &ids)
		if len(ids.Data) != 1 || !strings.HasPrefix(decodeGlobalID(t, ids.Data[0].ID), "DocumentAnnotation:") {
			t.Errorf("document annotation: %+v", ids)
		}
		expectText(t, "POST", u("/v1/document_annotations?sync=true"), doc("2", ""), 422, fmt.Sprintf("Document position 2 is out of bounds for span %s (max: 1)", retrieverID))
		expectText(t, "POST", u("/v1/document_annotations"), doc("0", "run-1"), 422, "Non-empty identifier 'run-1' is not supported")
		expectCall(t, "POST", u("/v1/document_annotations"), doc("0", " "), 200, `{"data":[]}`)
		expectCall(t, "POST", u("/v1/document_annotations?sync=true"), doc(`"x"`, ""), 422, `"int_parsing"`)

		// Notes accumulate unless they name an identifier.
		for _, n := range []string{"one", "two"} {
			expectCall(t, "POST", u("/v1/span_notes"), fmt.Sprintf(`{"data":{"span_id":%q,"note":"  %s  "}}`, rootID, n), 200, `{"data":{"id":"`)
		}
		for _, n := range []string{"v1", "v2"} {
			expectCall(t, "POST", u("/v1/span_notes"), fmt.Sprintf(`{"data":{"span_id":%q,"note":%q,"identifier":"mine"}}`, rootID, n), 200, "")
		}
		expectText(t, "POST", u("/v1/span_notes"), `{"data":{"span_id":"nope","note":"x"}}`, 404, "Span with ID nope not found")
		expectCall(t, "POST", u("/v1/span_notes"), `{"data":{"span_id":"nope","note":"   "}}`, 422, `"type":"string_too_short","loc":["body","data","note"]`)
		expectCall(t, "POST", u("/v1/trace_notes"), fmt.Sprintf(`{"data":{"trace_id":%q,"note":"trace note"}}`, traceID), 200, "")
		expectText(t, "POST", u("/v1/trace_notes"), `{"data":{"trace_id":"nope","note":"x"}}`, 404, "Trace with ID nope not found")
		expectCall(t, "POST", u("/v1/session_notes"), `{"data":{"session_id":"chat-1","note":"session note"}}`, 200, "")
		expectText(t, "POST", u("/v1/session_notes"), `{"data":{"session_id":"nope","note":"x"}}`, 404, "Session with session_id nope not found")

		// Listings show everything.
		page := listAnnotations(t, p, "span", "span_ids="+rootID)
		if got := page.names(); got != "note=v2,note=two,note=one,queued=-,correctness=incorrect" {
			t.Errorf("span annotations: %s", got)
		}
		c := page.Data[len(page.Data)-1]
		if c.ID != first || c.SpanID != rootID || c.AnnotatorKind != "LLM" || c.Source != "API" || c.UserID != nil || c.Identifier != "" ||
			*c.Result.Score != 0 || c.Result.Explanation != nil || string(c.Metadata) != `{"model":"judge"}` || c.CreatedAt == c.UpdatedAt {
			t.Errorf("correctness: %+v", c)
		}
		if got := listAnnotations(t, p, "span", "span_ids="+rootID+"&exclude_annotation_names=note").names(); got != "queued=-,correctness=incorrect" {
			t.Errorf("without notes: %s", got)
		}
		if got := listAnnotations(t, p, "span", "identifier=mine").names(); got != "note=v2" {
			t.Errorf("by identifier: %s", got)
		}
		first2 := listAnnotations(t, p, "span", "span_ids="+rootID+"&limit=2")
		if first2.names() != "note=v2,note=two" || first2.NextCursor == nil {
			t.Fatalf("page 1: %s %v", first2.names(), first2.NextCursor)
		}
		if got := listAnnotations(t, p, "span", "span_ids="+rootID+"&limit=2&cursor="+url.QueryEscape(*first2.NextCursor)).names(); got != "note=one,queued=-" {
			t.Errorf("page 2: %s", got)
		}
		if got := listAnnotations(t, p, "trace", "trace_ids="+traceID).names(); got != "note=trace note,helpful=-" {
			t.Errorf("trace annotations: %s", got)
		}
		if got := listAnnotations(t, p, "session", "session_ids=chat-1").names(); got != "note=session note,resolved=yes" {
			t.Errorf("session annotations: %s", got)
		}
		base := u("/v1/projects/annotations/span_annotations")
		expectText(t, "GET", base, "", 422, "At least one of span_ids or identifier must be supplied")
		expectText(t, "GET", u("/v1/projects/annotations/trace_annotations"), "", 422, "At least one of trace_ids or identifier must be supplied")
		expectText(t, "GET", u("/v1/projects/annotations/session_annotations"), "", 422, "At least one of session_ids or identifier must be supplied")
		expectText(t, "GET", base+"?span_ids=0000000000000bad", "", 404, "None of the supplied span_ids exist in this project")
		expectText(t, "GET", u("/v1/projects/annotations/trace_annotations?trace_ids=nope"), "", 404, "None of the supplied trace_ids exist in this project")
		expectText(t, "GET", u("/v1/projects/annotations/session_annotations?session_ids=nope"), "", 404, "None of the supplied session_ids exist in this project")
		expectCall(t, "GET", base+"?identifier=nobody", "", 200, `{"data":[],"next_cursor":null}`)
		expectCall(t, "GET", base+"?span_ids="+retrieverID, "", 200, `{"data":[],"next_cursor":null}`)
		expectText(t, "GET", base+"?span_ids="+rootID+"&cursor=not-a-cursor", "", 422, "Invalid cursor value")
		expectCall(t, "GET", base+"?span_ids="+rootID+"&limit=0", "", 422, `"greater_than"`)
		expectCall(t, "GET", base+"?span_ids="+rootID+"&limit=10001", "", 422, `"less_than_equal"`)
		expectCall(t, "GET", base+"?identifier=", "", 422, `"type":"string_too_short","loc":["query","identifier",0]`)
		expectText(t, "GET", u("/v1/projects/fake-id-x/span_annotations?span_ids=x"), "", 404, "Project with name fake-id-x not found")
		expectText(t, "GET", u("/v1/projects/fake-id-x/span_annotations"), "", 422, "At least one of span_ids or identifier must be supplied")
		many := make([]string, 1001)
		for i := range many {
			many[i] = fmt.Sprintf("span_ids=%d", i)
		}
		expectText(t, "GET", base+"?"+strings.Join(many, "&"), "", 422, "Too many span_ids supplied: 1001 (max 1000)")
		names := make([]string, 1001)
		for i := range names {
			names[i] = fmt.Sprintf("exclude_annotation_names=n%d", i)
		}
		expectText(t, "GET", base+"?span_ids=x&"+strings.Join(names, "&"), "", 422, "Too many exclude_annotation_names supplied: 1001 (max 1000)")
		// NUL and bytes that are not UTF-8, which PostgreSQL refuses in
		// text, match nothing rather than fail.
		expectText(t, "GET", u("/v1/projects/a%00b/span_annotations?span_ids=x"), "", 404, "Project with name a\uFFFDb not found")
		expectText(t, "GET", base+"?span_ids=a%00b", "", 404, "None of the supplied span_ids exist in this project")
		expectCall(t, "GET", base+"?identifier=a%00b&include_annotation_names=%ff", "", 200, `{"data":[],"next_cursor":null}`)
		expectCall(t, "DELETE", base+"?delete_all=true&name=%00&identifier=%ff", "", 204, "")
		expectText(t, "POST", u("/v1/span_notes"), `{"data":{"span_id":"a\u0000b","note":"x"}}`, 404, "Span with ID a\uFFFDb not found")

		// Bulk deletes need a bounded window or delete_all.
		expectText(t, "DELETE", base, "", 422, "Delete is unbounded. Set delete_all=true to acknowledge, or supply both start_time and end_time to bound the time range.")
		expectText(t, "DELETE", base+"?start_time=2026-01-01T00:00:00Z", "", 422, "Delete is unbounded. Set delete_all=true to acknowledge, or supply both start_time and end_time to bound the time range.")
		expectText(t, "DELETE", base+"?start_time=2026-01-02&end_time=2026-01-01", "", 422, "`start_time` must be strictly earlier than `end_time`.")
		expectCall(t, "DELETE", base+"?delete_all=true&annotator_kind=robot", "", 422, `"literal_error"`)
		expectCall(t, "DELETE", base+"?delete_all=true&name=", "", 422, `"loc":["query","name"]`)
		expectCall(t, "DELETE", base+"?start_time=yesterday&end_time=2026-01-01", "", 422, `"datetime_from_date_parsing"`)
		expectText(t, "DELETE", u("/v1/projects/fake-id-x/span_annotations?delete_all=true"), "", 404, "Project with name fake-id-x not found")
		expectCall(t, "DELETE", base+"?start_time=2000-01-01&end_time=2000-01-02", "", 204, "")
		expectCall(t, "DELETE", base+"?delete_all=true&name=note&identifier=mine", "", 204, "")
		if got := listAnnotations(t, p, "span", "span_ids="+rootID).names(); got != "note=two,note=one,queued=-,correctness=incorrect" {
			t.Errorf("after deleting one note: %s", got)
		}
		expectCall(t, "DELETE", base+"?delete_all=true&annotator_kind=HUMAN", "", 204, "")
		if got := listAnnotations(t, p, "span", "span_ids="+rootID).names(); got != "queued=-,correctness=incorrect" {
			t.Errorf("after deleting the human ones: %s", got)
		}
		expectCall(t, "DELETE", u("/v1/projects/annotations/trace_annotations?delete_all=true"), "", 204, "")
		expectCall(t, "DELETE", u("/v1/projects/annotations/session_annotations?delete_all=true&name=resolved"), "", 204, "")
		if got := listAnnotations(t, p, "session", "session_ids=chat-1").names(); got != "note=session note" {
			t.Errorf("session annotations after the delete: %s", got)
		}

		// Deleting the span takes its annotations along.
		expectCall(t, "DELETE", u("/v1/spans/"+rootID), "", 204, "")
		expectText(t, "GET", base+"?span_ids="+rootID, "", 404, "None of the supplied span_ids exist in this project")
	})
}

// waitForAnnotations polls a listing until it holds want annotations.
func waitForAnnotations(t *testing.T, p *process, kind, query string, want int) annotationPage {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, body, _ := call(t, "GET", p.httpURL+"/v1/projects/annotations/"+kind+"_annotations?"+query, "")
		var page annotationPage
		if status == 200 && json.Unmarshal([]byte(body), &page) == nil && len(page.Data) >= want {
			return page
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s annotations (%s) never reached %d: %d %s", kind, query, want, status, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func decodeGlobalID(t *testing.T, id string) string {
	t.Helper()
	typ, row, err := ember.ParseGlobalID(id)
	if err != nil {
		t.Fatalf("GlobalID %q: %v", id, err)
	}
	return fmt.Sprintf("%s:%d", typ, row)
}

// TestAnnotationBeforeSpan posts annotations without sync before their
// span, trace and session exist, then sends the trace: each annotation is
// found once its target arrives, and of two versions the later wins.
func TestAnnotationBeforeSpan(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		env := e.env(t)
		p := startEmber(t, env)
		td, traceID, rootID, retrieverID := annotationTraces(2, "early-session")
		for _, post := range []struct{ path, body string }{
			{"/v1/span_annotations", fmt.Sprintf(`{"data":[{"span_id":%q,"name":"quality","annotator_kind":"HUMAN","result":{"label":"first"}}]}`, rootID)},
			{"/v1/span_annotations", fmt.Sprintf(`{"data":[{"span_id":%q,"name":"quality","annotator_kind":"HUMAN","result":{"label":"second"}}]}`, rootID)},
			{"/v1/trace_annotations", fmt.Sprintf(`{"data":[{"trace_id":%q,"name":"helpful","annotator_kind":"LLM","result":{"score":0.5}}]}`, traceID)},
			{"/v1/session_annotations", `{"data":[{"session_id":"early-session","name":"resolved","annotator_kind":"CODE","result":{"label":"yes"}}]}`},
			{"/v1/document_annotations", fmt.Sprintf(`{"data":[{"span_id":%q,"document_position":0,"name":"relevance","annotator_kind":"LLM","result":{"score":1}}]}`, retrieverID)},
			// Beyond the span's two documents: dropped once the span comes.
			{"/v1/document_annotations", fmt.Sprintf(`{"data":[{"span_id":%q,"document_position":5,"name":"relevance","annotator_kind":"LLM","result":{"score":1}}]}`, retrieverID)},
		} {
			expectCall(t, "POST", p.httpURL+post.path, post.body, 200, `{"data":[]}`)
		}
		// Nothing can be found yet: there is no project, no span.
		expectText(t, "GET", p.httpURL+"/v1/projects/annotations/span_annotations?span_ids="+rootID, "", 404, "Project with name annotations not found")
		time.Sleep(300 * time.Millisecond) // let the queue try, and wait
		exported := time.Now()
		mustExport(t, p, td)
		if got := waitForAnnotations(t, p, "span", "span_ids="+rootID, 1).names(); got != "quality=second" {
			t.Errorf("span annotation: %s", got)
		}
		if got := waitForAnnotations(t, p, "trace", "trace_ids="+traceID, 1); *got.Data[0].Result.Score != 0.5 {
			t.Errorf("trace annotation: %+v", got)
		}
		if got := waitForAnnotations(t, p, "session", "session_ids=early-session", 1).names(); got != "resolved=yes" {
			t.Errorf("session annotation: %s", got)
		}
		t.Logf("the annotations were stored %v after their trace", time.Since(exported).Round(time.Millisecond))
		// Document annotations have no listing: read them from the
		// database once the server has stopped.
		p.stop(t)
		db := e.open(t, env)
		docs, err := db.FindAnnotations(context.Background(), ember.AnnotationFilter{Target: ember.AnnotationTargetDocument})
		if err != nil || len(docs) != 1 || docs[0].DocumentPosition != 0 || docs[0].SpanID != retrieverID {
			t.Errorf("document annotations: %v %+v", err, docs)
		}
	})
}

// TestAnnotationQueueDrainsOnShutdown stops the server right after many
// annotations were posted without sync: every one is stored.
func TestAnnotationQueueDrainsOnShutdown(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		env := e.env(t)
		p := startEmber(t, env)
		td, _, rootID, _ := annotationTraces(3, "drain")
		mustExport(t, p, td)
		const requests, perRequest = 20, 250
		for r := range requests {
			var items []string
			for i := range perRequest {
				items = append(items, fmt.Sprintf(`{"span_id":%q,"name":"n%d","annotator_kind":"CODE","result":{"score":%d}}`, rootID, r*perRequest+i, i))
			}
			expectCall(t, "POST", p.httpURL+"/v1/span_annotations", `{"data":[`+strings.Join(items, ",")+`]}`, 200, `{"data":[]}`)
		}
		p.stop(t)
		if out := p.output.String(); !strings.Contains(out, fmt.Sprintf("annotations_stored=%d", requests*perRequest)) {
			t.Errorf("the shutdown log does not report %d annotations stored:\n%s", requests*perRequest, out)
		}
		db := e.open(t, env)
		anns, err := db.FindAnnotations(context.Background(), ember.AnnotationFilter{Target: ember.AnnotationTargetSpan})
		if err != nil || len(anns) != requests*perRequest {
			t.Fatalf("stored %d annotations, want %d (%v)", len(anns), requests*perRequest, err)
		}
	})
}

// TestGoSDKAnnotations drives the annotation routes of a running server
// with the Go SDK.
func TestGoSDKAnnotations(t *testing.T) {
	p := startEmber(t, engines(t)[0].env(t))
	ctx := context.Background()
	c, err := client.New(client.WithBaseURL(p.httpURL), client.WithEnviron(func(string) string { return "" }))
	if err != nil {
		t.Fatal(err)
	}
	td, traceID, rootID, retrieverID := annotationTraces(5, "sdk-session")
	mustExport(t, p, td)
	label := func(s string) *api.AnnotationResult { return &api.AnnotationResult{Label: &s} }

	cfg, err := c.AnnotationConfigs.Create(ctx, api.AnnotationConfig{Name: "verdict", Type: api.AnnotationConfigCategorical, OptimizationDirection: ptrTo(api.OptimizeMaximize),
		Values: []api.CategoricalAnnotationValue{{Label: "pass", Score: ptrTo(1.0)}, {Label: "fail", Score: ptrTo(0.0)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AnnotationConfigs.Assign(ctx, "annotations", cfg.ID); err != nil {
		t.Fatal(err)
	}
	ids, err := c.Annotations.AnnotateSpans(ctx, []api.SpanAnnotationData{{SpanID: rootID, Name: "verdict", AnnotatorKind: api.AnnotatorLLM, Result: label("pass")}}, client.AnnotateOptions{Sync: true})
	if err != nil || len(ids) != 1 {
		t.Fatalf("AnnotateSpans: %v %v", ids, err)
	}
	if _, err := c.Annotations.AnnotateSpans(ctx, []api.SpanAnnotationData{{SpanID: rootID, Name: "verdict", AnnotatorKind: api.AnnotatorLLM, Result: label("meh")}}, client.AnnotateOptions{}); !client.IsUnprocessable(err) {
		t.Errorf("a label the config does not allow: %v", err)
	}
	if _, err := c.Annotations.AnnotateTraces(ctx, []api.TraceAnnotationData{{TraceID: traceID, Name: "helpful", AnnotatorKind: api.AnnotatorHuman, Result: label("yes")}}, client.AnnotateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Annotations.AnnotateSessions(ctx, []api.SessionAnnotationData{{SessionID: "sdk-session", Name: "solved", AnnotatorKind: api.AnnotatorCode, Result: label("yes")}}, client.AnnotateOptions{Sync: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Annotations.AnnotateDocuments(ctx, []api.DocumentAnnotationData{{SpanID: retrieverID, DocumentPosition: 1, Name: "relevant", AnnotatorKind: api.AnnotatorLLM, Result: label("yes")}}, client.AnnotateOptions{Sync: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Annotations.AddSpanNote(ctx, api.SpanNoteData{SpanID: rootID, Note: "check the sources"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Annotations.AddSpanNote(ctx, api.SpanNoteData{SpanID: "0000000000000bad", Note: "x"}); !client.IsNotFound(err) {
		t.Errorf("note on a missing span: %v", err)
	}
	var got []string
	for a, err := range c.Annotations.AllSpanAnnotations(ctx, "annotations", client.AnnotationFilter{IDs: []string{rootID}, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a.Name)
	}
	if strings.Join(got, ",") != "note,verdict" {
		t.Errorf("span annotations: %v", got)
	}
	waitForAnnotations(t, p, "trace", "trace_ids="+traceID, 1)
	traces, _, err := c.Annotations.ListTraceAnnotations(ctx, "annotations", client.AnnotationFilter{IDs: []string{traceID}})
	if err != nil || len(traces) != 1 || traces[0].TraceID != traceID || *traces[0].Result.Label != "yes" {
		t.Errorf("trace annotations: %+v %v", traces, err)
	}
	if err := c.Annotations.DeleteSpanAnnotations(ctx, "annotations", client.AnnotationDeletion{All: true, Name: "note"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Annotations.DeleteSpanAnnotations(ctx, "annotations", client.AnnotationDeletion{}); !client.IsUnprocessable(err) {
		t.Errorf("unbounded delete: %v", err)
	}
	sessions, _, err := c.Annotations.ListSessionAnnotations(ctx, "annotations", client.AnnotationFilter{IDs: []string{"sdk-session"}})
	if err != nil || len(sessions) != 1 || sessions[0].SessionID != "sdk-session" {
		t.Errorf("session annotations: %+v %v", sessions, err)
	}
	configs, err := c.AnnotationConfigs.SetForProject(ctx, "annotations", nil)
	if err != nil || len(configs) != 0 {
		t.Errorf("SetForProject: %v %v", configs, err)
	}
	if _, err := c.AnnotationConfigs.Delete(ctx, "verdict"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AnnotationConfigs.Get(ctx, cfg.ID); !client.IsNotFound(err) {
		t.Errorf("deleted config: %v", err)
	}
}

func ptrTo[T any](v T) *T { return &v }
