package client

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/emberhq/ember/api"
)

func TestAnnotateSpans(t *testing.T) {
	c, fake := newFake(t, jsonReply(200, `{"data":[{"id":"U3BhbkFubm90YXRpb246MQ=="},{"id":"U3BhbkFubm90YXRpb246Mg=="}]}`))
	ids, err := c.Annotations.AnnotateSpans(context.Background(), []api.SpanAnnotationData{
		{SpanID: "a1", Name: "correctness", AnnotatorKind: api.AnnotatorLLM, Result: &api.AnnotationResult{Label: ptr("correct"), Score: ptr(0.0)}, Metadata: map[string]any{"model": "judge"}, Identifier: "run-1"},
		{SpanID: "a2", Name: "correctness", AnnotatorKind: api.AnnotatorHuman},
	}, AnnotateOptions{Sync: true})
	if err != nil {
		t.Fatal(err)
	}
	req := fake.only(t)
	checkRequest(t, req, "POST", "/v1/span_annotations", url.Values{"sync": {"true"}})
	checkJSONBody(t, req, `{"data":[
		{"span_id":"a1","name":"correctness","annotator_kind":"LLM","result":{"label":"correct","score":0,"explanation":null},"metadata":{"model":"judge"},"identifier":"run-1"},
		{"span_id":"a2","name":"correctness","annotator_kind":"HUMAN","result":null,"metadata":null,"identifier":""}]}`)
	if !reflect.DeepEqual(ids, []string{"U3BhbkFubm90YXRpb246MQ==", "U3BhbkFubm90YXRpb246Mg=="}) {
		t.Errorf("ids %v", ids)
	}

	c, fake = newFake(t, jsonReply(200, `{"data":[]}`))
	ids, err = c.Annotations.AnnotateTraces(context.Background(), nil, AnnotateOptions{})
	if err != nil || len(ids) != 0 {
		t.Fatalf("%v %v", ids, err)
	}
	req = fake.only(t)
	checkRequest(t, req, "POST", "/v1/trace_annotations", url.Values{"sync": {"false"}})
	checkJSONBody(t, req, `{"data":[]}`)

	for _, call := range []func(*Client) error{
		func(c *Client) error {
			_, err := c.Annotations.AnnotateSessions(context.Background(), []api.SessionAnnotationData{{SessionID: "s", Name: "n", AnnotatorKind: api.AnnotatorCode}}, AnnotateOptions{Sync: true})
			return err
		},
		func(c *Client) error {
			_, err := c.Annotations.AnnotateDocuments(context.Background(), []api.DocumentAnnotationData{{SpanID: "s", DocumentPosition: 2, Name: "n", AnnotatorKind: api.AnnotatorCode}}, AnnotateOptions{Sync: true})
			return err
		},
	} {
		c, fake := newFake(t, textReply(404, "Sessions with IDs s do not exist."))
		if err := call(c); !IsNotFound(err) {
			t.Errorf("a missing target: %v", err)
		}
		switch req := fake.only(t); req.Path {
		case "/v1/session_annotations":
			checkJSONBody(t, req, `{"data":[{"session_id":"s","name":"n","annotator_kind":"CODE","result":null,"metadata":null,"identifier":""}]}`)
		case "/v1/document_annotations":
			checkJSONBody(t, req, `{"data":[{"span_id":"s","document_position":2,"name":"n","annotator_kind":"CODE","result":null,"metadata":null,"identifier":""}]}`)
		default:
			t.Errorf("path %s", req.Path)
		}
	}
	c, _ = newFake(t, textReply(400, "The name 'note' is reserved for trace and span notes. Use POST /v1/span_notes instead."))
	if _, err := c.Annotations.AnnotateSpans(context.Background(), []api.SpanAnnotationData{{SpanID: "s", Name: "note", AnnotatorKind: "HUMAN"}}, AnnotateOptions{}); !IsBadRequest(err) {
		t.Errorf("note: %v", err)
	}
}

func TestAnnotationNotes(t *testing.T) {
	c, fake := newFake(t, jsonReply(200, `{"data":{"id":"U3BhbkFubm90YXRpb246Mw=="}}`))
	id, err := c.Annotations.AddSpanNote(context.Background(), api.SpanNoteData{SpanID: "a1", Note: "looks off"})
	if err != nil || id != "U3BhbkFubm90YXRpb246Mw==" {
		t.Fatalf("%q %v", id, err)
	}
	req := fake.only(t)
	checkRequest(t, req, "POST", "/v1/span_notes", nil)
	checkJSONBody(t, req, `{"data":{"span_id":"a1","note":"looks off"}}`)

	c, fake = newFake(t, jsonReply(200, `{"data":{"id":"x"}}`))
	c.Annotations.AddTraceNote(context.Background(), api.TraceNoteData{TraceID: "t", Note: "n", Identifier: "mine"})
	c.Annotations.AddSessionNote(context.Background(), api.SessionNoteData{SessionID: "s", Note: "n"})
	seen := fake.seen()
	checkRequest(t, seen[0], "POST", "/v1/trace_notes", nil)
	checkJSONBody(t, seen[0], `{"data":{"trace_id":"t","note":"n","identifier":"mine"}}`)
	checkRequest(t, seen[1], "POST", "/v1/session_notes", nil)
	checkJSONBody(t, seen[1], `{"data":{"session_id":"s","note":"n"}}`)

	c, _ = newFake(t, textReply(404, "Span with ID nope not found"))
	if _, err := c.Annotations.AddSpanNote(context.Background(), api.SpanNoteData{SpanID: "nope", Note: "n"}); !IsNotFound(err) {
		t.Errorf("unknown span: %v", err)
	}
}

// spanAnnotationJSON is a span annotation as the server lists it.
const spanAnnotationJSON = `{"id":"U3BhbkFubm90YXRpb246MQ==","created_at":"2026-05-01T10:00:00+00:00","updated_at":"2026-05-01T10:00:01.5+00:00","source":"API","user_id":null,` +
	`"name":"correctness","annotator_kind":"LLM","result":{"label":"correct","score":1,"explanation":null},"metadata":{"model":"judge"},"identifier":"","span_id":"a1"}`

func TestListSpanAnnotations(t *testing.T) {
	c, fake := newFake(t, jsonReply(200, `{"data":[`+spanAnnotationJSON+`],"next_cursor":"U3BhbkFubm90YXRpb246MA=="}`))
	anns, next, err := c.Annotations.ListSpanAnnotations(context.Background(), "my project", AnnotationFilter{
		IDs: []string{"a1", "a2"}, Identifiers: []string{"i"}, IncludeNames: []string{"correctness"}, ExcludeNames: []string{"note"}, Limit: 1, Cursor: "c",
	})
	if err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "GET", "/v1/projects/my%20project/span_annotations", url.Values{
		"span_ids": {"a1", "a2"}, "identifier": {"i"}, "include_annotation_names": {"correctness"}, "exclude_annotation_names": {"note"}, "limit": {"1"}, "cursor": {"c"},
	})
	want := api.SpanAnnotation{Annotation: api.Annotation{
		ID: "U3BhbkFubm90YXRpb246MQ==", CreatedAt: utc("2026-05-01T10:00:00Z"), UpdatedAt: utc("2026-05-01T10:00:01.5Z"), Source: "API",
		Name: "correctness", AnnotatorKind: "LLM", Result: api.AnnotationResult{Label: ptr("correct"), Score: ptr(1.0)}, Metadata: map[string]any{"model": "judge"},
	}, SpanID: "a1"}
	if len(anns) != 1 || !reflect.DeepEqual(anns[0], want) || next != "U3BhbkFubm90YXRpb246MA==" {
		t.Errorf("List = %+v %q", anns, next)
	}

	pages := []string{
		`{"data":[{"id":"1","trace_id":"t1","name":"a"}],"next_cursor":"2"}`,
		`{"data":[{"id":"2","trace_id":"t1","name":"b"}],"next_cursor":null}`,
	}
	c, fake = newFake(t, func(w http.ResponseWriter, r *http.Request) {
		page := pages[0]
		if r.URL.Query().Get("cursor") == "2" {
			page = pages[1]
		}
		jsonReply(200, page)(w, r)
	})
	var names []string
	for a, err := range c.Annotations.AllTraceAnnotations(context.Background(), "p", AnnotationFilter{IDs: []string{"t1"}}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, a.TraceID+"/"+a.Name)
	}
	if !reflect.DeepEqual(names, []string{"t1/a", "t1/b"}) || len(fake.seen()) != 2 {
		t.Errorf("All = %v", names)
	}
	checkRequest(t, fake.seen()[0], "GET", "/v1/projects/p/trace_annotations", url.Values{"trace_ids": {"t1"}})

	c, fake = newFake(t, jsonReply(200, `{"data":[{"id":"1","session_id":"s","name":"a"}],"next_cursor":null}`))
	sess, _, err := c.Annotations.ListSessionAnnotations(context.Background(), "p", AnnotationFilter{Identifiers: []string{"x"}})
	if err != nil || sess[0].SessionID != "s" {
		t.Fatalf("%v %v", sess, err)
	}
	checkRequest(t, fake.only(t), "GET", "/v1/projects/p/session_annotations", url.Values{"identifier": {"x"}})
}

func TestDeleteAnnotations(t *testing.T) {
	c, fake := newFake(t, noContent)
	start := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	if err := c.Annotations.DeleteSpanAnnotations(context.Background(), "p", AnnotationDeletion{Name: "n", AnnotatorKind: api.AnnotatorHuman, Start: start, End: start.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "DELETE", "/v1/projects/p/span_annotations", url.Values{
		"name": {"n"}, "annotator_kind": {"HUMAN"}, "start_time": {"2026-05-01T00:00:00Z"}, "end_time": {"2026-05-01T01:00:00Z"},
	})
	c, fake = newFake(t, noContent)
	c.Annotations.DeleteTraceAnnotations(context.Background(), "p", AnnotationDeletion{All: true, Identifier: "i"})
	c.Annotations.DeleteSessionAnnotations(context.Background(), "p", AnnotationDeletion{All: true})
	checkRequest(t, fake.seen()[0], "DELETE", "/v1/projects/p/trace_annotations", url.Values{"delete_all": {"true"}, "identifier": {"i"}})
	checkRequest(t, fake.seen()[1], "DELETE", "/v1/projects/p/session_annotations", url.Values{"delete_all": {"true"}})
	c, _ = newFake(t, textReply(422, "Delete is unbounded. Set delete_all=true to acknowledge, or supply both start_time and end_time to bound the time range."))
	if err := c.Annotations.DeleteSpanAnnotations(context.Background(), "p", AnnotationDeletion{}); !IsUnprocessable(err) {
		t.Errorf("unbounded: %v", err)
	}
}

func TestAnnotationConfigs(t *testing.T) {
	cat := api.AnnotationConfig{Name: "correctness", Type: api.AnnotationConfigCategorical, OptimizationDirection: ptr(api.OptimizeMaximize),
		Values: []api.CategoricalAnnotationValue{{Label: "correct", Score: ptr(1.0)}, {Label: "incorrect"}}, LowerBound: ptr(5.0)}
	reply := `{"data":{"name":"correctness","type":"CATEGORICAL","description":null,"optimization_direction":"MAXIMIZE","values":[{"label":"correct","score":1},{"label":"incorrect","score":null}],"id":"Q2F0ZWdvcmljYWxBbm5vdGF0aW9uQ29uZmlnOjE="}}`
	c, fake := newFake(t, jsonReply(200, reply))
	got, err := c.AnnotationConfigs.Create(context.Background(), cat)
	if err != nil {
		t.Fatal(err)
	}
	req := fake.only(t)
	checkRequest(t, req, "POST", "/v1/annotation_configs", nil)
	// Only a categorical config's fields go: not the stray bound.
	checkJSONBody(t, req, `{"name":"correctness","type":"CATEGORICAL","description":null,"optimization_direction":"MAXIMIZE","values":[{"label":"correct","score":1},{"label":"incorrect","score":null}]}`)
	want := cat
	want.ID, want.LowerBound = "Q2F0ZWdvcmljYWxBbm5vdGF0aW9uQ29uZmlnOjE=", nil
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("Create = %+v", *got)
	}

	c, fake = newFake(t, jsonReply(200, `{"data":{"name":"c","type":"CONTINUOUS","description":"d","optimization_direction":"NONE","lower_bound":0,"upper_bound":1,"id":"x"}}`))
	cont := api.AnnotationConfig{Name: "c", Type: api.AnnotationConfigContinuous, Description: ptr("d"), OptimizationDirection: ptr(api.OptimizeNone), LowerBound: ptr(0.0), UpperBound: ptr(1.0), Threshold: ptr(3.0)}
	if _, err := c.AnnotationConfigs.Update(context.Background(), "old name", cont); err != nil {
		t.Fatal(err)
	}
	req = fake.only(t)
	checkRequest(t, req, "PUT", "/v1/annotation_configs/old%20name", nil)
	checkJSONBody(t, req, `{"name":"c","type":"CONTINUOUS","description":"d","optimization_direction":"NONE","lower_bound":0,"upper_bound":1}`)

	c, fake = newFake(t, jsonReply(200, `{"data":{"name":"f","type":"FREEFORM","description":null,"optimization_direction":null,"threshold":0.5,"lower_bound":null,"upper_bound":null,"id":"y"}}`))
	free, err := c.AnnotationConfigs.Get(context.Background(), "f")
	if err != nil || free.Type != api.AnnotationConfigFreeform || *free.Threshold != 0.5 || free.OptimizationDirection != nil {
		t.Fatalf("Get = %+v %v", free, err)
	}
	checkRequest(t, fake.only(t), "GET", "/v1/annotation_configs/f", nil)
	c.AnnotationConfigs.Delete(context.Background(), "f")
	c.AnnotationConfigs.Assign(context.Background(), "p", "f")
	checkRequest(t, fake.seen()[1], "DELETE", "/v1/annotation_configs/f", nil)
	checkRequest(t, fake.seen()[2], "PUT", "/v1/projects/p/annotation_configs/f", nil)

	c, fake = newFake(t, jsonReply(200, `{"data":[],"next_cursor":null}`))
	if _, _, err := c.AnnotationConfigs.List(context.Background(), AnnotationConfigFilter{Limit: 5, Cursor: "k"}); err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "GET", "/v1/annotation_configs", url.Values{"limit": {"5"}, "cursor": {"k"}})
	c, fake = newFake(t, jsonReply(200, `{"data":[],"next_cursor":null}`))
	for range c.AnnotationConfigs.AllForProject(context.Background(), "p", AnnotationConfigFilter{}) {
	}
	checkRequest(t, fake.only(t), "GET", "/v1/projects/p/annotation_configs", nil)
	c, fake = newFake(t, jsonReply(200, `{"data":[],"next_cursor":null}`))
	if configs, err := c.AnnotationConfigs.SetForProject(context.Background(), "p", nil); err != nil || len(configs) != 0 {
		t.Fatalf("%v %v", configs, err)
	}
	req = fake.only(t)
	checkRequest(t, req, "PUT", "/v1/projects/p/annotation_configs", nil)
	checkJSONBody(t, req, `{"annotation_config_ids":[]}`)
	c, fake = newFake(t, noContent)
	if err := c.AnnotationConfigs.Unassign(context.Background(), "p", "f"); err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "DELETE", "/v1/projects/p/annotation_configs/f", nil)

	for status, is := range map[int]func(error) bool{409: IsConflict, 400: IsBadRequest, 404: IsNotFound} {
		c, _ := newFake(t, textReply(status, "no"))
		if _, err := c.AnnotationConfigs.Create(context.Background(), cat); !is(err) {
			t.Errorf("%d: %v", status, err)
		}
	}
	if _, err := c.AnnotationConfigs.Get(context.Background(), ""); err == nil {
		t.Error("an empty identifier was sent")
	}
}
