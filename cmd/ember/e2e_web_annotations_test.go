package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// webAnnotationConfigs creates three annotation configs, one of each type,
// and assigns them to the web fixture's project.
func webAnnotationConfigs(t *testing.T, base string) {
	t.Helper()
	for _, c := range []string{
		`{"name":"correctness","type":"CATEGORICAL","description":"Right or wrong?","optimization_direction":"MAXIMIZE","values":[{"label":"correct","score":1},{"label":"incorrect","score":0}]}`,
		`{"name":"confidence","type":"CONTINUOUS","optimization_direction":"NONE","lower_bound":0,"upper_bound":1}`,
		`{"name":"remarks","type":"FREEFORM"}`,
	} {
		expectCall(t, "POST", base+"/v1/annotation_configs", c, 200, "")
	}
	for _, name := range []string{"correctness", "confidence", "remarks"} {
		expectCall(t, "PUT", base+"/v1/projects/"+webProject+"/annotation_configs/"+name, "", 200, "")
	}
}

// TestWebAnnotations adds, changes and deletes annotations and notes from
// the trace view's forms, on each engine: htmx posts answer the card,
// invalid input answers 422 with the error inline, hostile text is
// escaped, and the REST API sees what the UI stored.
func TestWebAnnotations(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startWebEmber(t, e.env(t))
		u := p.httpURL
		_, _, hdr := getPage(t, u+"/redirects/traces/"+webTraceID(1))
		trace := hdr.Get("Location")
		_, body, _ := getPage(t, u+trace)
		mustContain(t, "trace view before configs", body, `id="feedback-span"`, `id="feedback-trace"`, "No annotation configs are assigned", "Add note")

		webAnnotationConfigs(t, u)
		_, body, _ = getPage(t, u+trace+"?span="+webSpanID(3))
		mustContain(t, "trace view", body, `data-config="correctness"`, `value="incorrect"`, `type="number" name="score"`, `min="0"`, `max="1"`, `data-config="remarks"`, "No annotations yet.")

		htmx := func(path string, values url.Values) (int, string) {
			t.Helper()
			req, _ := http.NewRequest(http.MethodPost, u+path, strings.NewReader(values.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("HX-Request", "true")
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		span := webSpanID(3)
		code, card := htmx(trace+"/annotations", url.Values{"span": {span}, "name": {"correctness"}, "label": {"correct"}, "explanation": {webHostile}})
		if code != 200 {
			t.Fatalf("annotate: %d %s", code, card)
		}
		mustContain(t, "card", card, `<section class="card annotations" id="feedback-span"`, "Saved correctness.", `<td><b>correctness</b>`, `<span class="chip">correct</span>`, "HUMAN", "APP", "&lt;script&gt;", ">Update<")
		mustNotContain(t, "card", card, webHostile, "<html")

		// Invalid input: the error inline, with 422, nothing stored.
		for _, c := range []struct {
			values url.Values
			want   string
		}{
			{url.Values{"span": {span}, "name": {"correctness"}, "label": {"maybe"}}, "which its annotation config does not allow"},
			{url.Values{"span": {span}, "name": {"correctness"}}, "Choose a label for correctness."},
			{url.Values{"span": {span}, "name": {"confidence"}, "score": {"1.5"}}, "outside the bounds of its annotation config: 0 to 1"},
			{url.Values{"span": {span}, "name": {"confidence"}, "score": {"NaN"}}, "must be a number"},
			{url.Values{"span": {span}, "name": {"remarks"}, "explanation": {"  "}}, "Enter some text for remarks."},
			{url.Values{"span": {span}, "name": {"bogus<b>"}, "label": {"x"}}, "No annotation config named &#34;bogus&lt;b&gt;&#34;"},
		} {
			code, card := htmx(trace+"/annotations", c.values)
			if code != http.StatusUnprocessableEntity {
				t.Errorf("%v: %d", c.values, code)
			}
			mustContain(t, "invalid "+c.values.Encode(), card, c.want, `role="alert"`)
		}
		if code, _ := htmx(trace+"/annotations", url.Values{"span": {"ffffffffffffffff"}, "name": {"correctness"}, "label": {"correct"}}); code != 404 {
			t.Errorf("unknown span: %d", code)
		}

		// Change it, score it, and annotate the trace.
		if code, card = htmx(trace+"/annotations", url.Values{"span": {span}, "name": {"correctness"}, "label": {"incorrect"}}); code != 200 || !strings.Contains(card, `<span class="chip">incorrect</span>`) || strings.Contains(card, `<span class="chip">correct</span>`) {
			t.Errorf("change: %d %s", code, card)
		}
		if code, card = htmx(trace+"/annotations", url.Values{"span": {span}, "name": {"confidence"}, "score": {"0.25"}}); code != 200 || !strings.Contains(card, `value="0.25"`) {
			t.Errorf("score: %d", code)
		}
		if code, card = htmx(trace+"/annotations", url.Values{"name": {"remarks"}, "explanation": {"solid answer"}}); code != 200 || !strings.Contains(card, `id="feedback-trace"`) || !strings.Contains(card, "solid answer") {
			t.Errorf("trace annotation: %d %s", code, card)
		}
		// A note, and an empty one refused.
		if code, card = htmx(trace+"/notes", url.Values{"span": {span}, "note": {"**check** " + webHostileIn}}); code != 200 || !strings.Contains(card, "<strong>check</strong>") || strings.Contains(card, webHostileIn) {
			t.Errorf("note: %d %s", code, card)
		}
		// Notes are markdown: links (http, https, mailto only) and tables.
		code, card = htmx(trace+"/notes", url.Values{"span": {span}, "note": {"See [the runbook](https://example.com/run?a=1&b=2) or [this](javascript:alert(1)).\n\n| step | result |\n|---|---|\n| <b>1</b> | ok |"}})
		if code != 200 {
			t.Errorf("markdown note: %d", code)
		}
		mustContain(t, "markdown note", card, `<a href="https://example.com/run?a=1&amp;b=2" rel="noopener nofollow" target="_blank">the runbook</a>`,
			"[this](javascript:alert(1))", "<table><thead><tr><th>step</th><th>result</th></tr></thead>", "<td>&lt;b&gt;1&lt;/b&gt;</td>")
		mustNotContain(t, "markdown note", card, `href="javascript`)
		if code, card = htmx(trace+"/notes", url.Values{"span": {span}, "note": {" "}}); code != 422 || !strings.Contains(card, "Write a note first.") {
			t.Errorf("empty note: %d", code)
		}

		// A session: its page has a card, which takes annotations and notes.
		_, _, hdr = getPage(t, u+"/redirects/sessions/sess-1")
		session := hdr.Get("Location")
		_, body, _ = getPage(t, u+session)
		mustContain(t, "session page", body, `id="feedback-session"`, "Session annotations", `data-config="correctness"`, `aria-label="Note on this session"`)
		if code, card = htmx(session+"/annotations", url.Values{"name": {"correctness"}, "label": {"correct"}, "explanation": {webHostile}}); code != 200 {
			t.Fatalf("session annotation: %d %s", code, card)
		}
		mustContain(t, "session card", card, `id="feedback-session"`, "Saved correctness.", `<span class="chip">correct</span>`, "&lt;script&gt;")
		mustNotContain(t, "session card", card, webHostile, `name="span"`)
		if code, card = htmx(session+"/notes", url.Values{"note": {"good conversation"}}); code != 200 || !strings.Contains(card, "good conversation") {
			t.Errorf("session note: %d", code)
		}
		expectCall(t, "GET", u+"/v1/projects/"+webProject+"/session_annotations?session_ids=sess-1", "", 200, `"label":"correct"`)
		if code, _ := htmx("/projects/1/sessions/sess-1/annotations", url.Values{"name": {"correctness"}, "label": {"correct"}}); code != 404 {
			t.Errorf("session through another project: %d", code)
		}
		if code, _ := htmx(strings.TrimSuffix(session, "sess-1")+"nope/annotations", url.Values{"name": {"correctness"}, "label": {"correct"}}); code != 404 {
			t.Errorf("unknown session: %d", code)
		}
		// Retrieved documents: a card each, in the retriever span's view.
		retriever := webSpanID(2)
		_, body, _ = getPage(t, u+trace+"?span="+retriever)
		mustContain(t, "retriever view", body, `id="feedback-document-0"`, `name="document" value="0"`, "Annotate document #0")
		code, card = htmx(trace+"/annotations", url.Values{"span": {retriever}, "document": {"0"}, "name": {"correctness"}, "label": {"incorrect"}})
		if code != 200 {
			t.Fatalf("document annotation: %d %s", code, card)
		}
		mustContain(t, "document card", card, `id="feedback-document-0"`, "Document #0 annotations", `<span class="chip">incorrect</span>`)
		mustNotContain(t, "document card", card, "Add note")
		if code, _ := htmx(trace+"/annotations", url.Values{"span": {retriever}, "document": {"5"}, "name": {"correctness"}, "label": {"correct"}}); code != 404 {
			t.Errorf("a document the span does not have: %d", code)
		}
		if code, card := htmx(trace+"/notes", url.Values{"span": {retriever}, "document": {"0"}, "note": {"x"}}); code != 422 || !strings.Contains(card, "Documents take annotations, not notes.") {
			t.Errorf("document note: %d", code)
		}
		// The span's own card does not list its document's annotation.
		_, body, _ = getPage(t, u+trace+"?span="+retriever)
		if i := strings.Index(body, `id="feedback-span"`); i < 0 || strings.Contains(body[i:], `<span class="chip">incorrect</span>`) && strings.Index(body[i:], `<span class="chip">incorrect</span>`) < strings.Index(body[i:], "</section>") {
			t.Errorf("the span's card shows its document's annotation")
		}

		// The REST API sees them, made by a person in the app.
		spanAnns := expectCall(t, "GET", u+"/v1/projects/"+webProject+"/span_annotations?span_ids="+span, "", 200, `"annotator_kind":"HUMAN"`)
		mustContain(t, "REST span annotations", spanAnns, `"name":"correctness"`, `"label":"incorrect"`, `"score":0`, `"name":"confidence"`, `"source":"APP"`)
		expectCall(t, "GET", u+"/v1/projects/"+webProject+"/trace_annotations?trace_ids="+webTraceID(1), "", 200, `"explanation":"solid answer"`)

		// The tables show them as columns, with the project's summary.
		_, _, hdr = getPage(t, u+"/redirects/projects/"+webProject)
		project := hdr.Get("Location")
		_, body, _ = getPage(t, u+project+"?roots=0")
		mustContain(t, "spans table", body, `<th class="ann" title="annotation confidence, on this page: mean 0.25">confidence<div class="brief">mean 0.25</div></th>`,
			`>correctness<div class="brief">incorrect 1 · mean 0</div>`, `<td class="ann" title="correctness: incorrect; score 0"><span class="chip">incorrect</span></td>`)
		// The project's configs are columns in config name order; the
		// summaries cover the page's rows only.
		if a, b, c := strings.Index(body, `>confidence<`), strings.Index(body, `>correctness<`), strings.Index(body, `>remarks</th>`); a < 0 || a > b || b > c {
			t.Errorf("annotation columns out of order: %d %d %d", a, b, c)
		}
		_, body, _ = getPage(t, u+project+"?roots=0&filter="+url.QueryEscape("span_kind == 'CHAIN'"))
		mustContain(t, "spans table, a page without annotations", body, `>correctness</th>`, `>confidence</th>`)
		mustNotContain(t, "spans table, a page without annotations", body, "incorrect 1")
		_, body, _ = getPage(t, u+project+"?tab=traces")
		mustContain(t, "traces table", body, `>remarks</th>`, `<td class="ann" title="remarks: solid answer">solid answer</td>`, `>correctness</th>`)

		// A plain form post (no htmx) goes back to the trace view.
		resp, err := noRedirect.PostForm(u+trace+"/annotations", url.Values{"span": {span}, "name": {"confidence"}, "score": {"1"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != trace+"?span="+span {
			t.Errorf("plain post: %d %s", resp.StatusCode, loc)
		}
		// A cross-site post is refused.
		req, _ := http.NewRequest(http.MethodPost, u+trace+"/annotations", strings.NewReader("name=confidence&score=1"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if resp, err := noRedirect.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site annotate: %v %v", resp.StatusCode, err)
		}

		// Delete: the one named, only on its own target.
		_, body, _ = getPage(t, u+trace+"?span="+span)
		i := strings.Index(body, `/annotations/`)
		id := body[i+len(`/annotations/`):]
		id = id[:strings.IndexByte(id, '/')]
		if code, _ := htmx(trace+"/annotations/"+id+"/delete", url.Values{}); code != 404 {
			t.Errorf("delete through the trace: %d", code)
		}
		if code, card = htmx(trace+"/annotations/"+id+"/delete", url.Values{"span": {span}}); code != 200 || !strings.Contains(card, "Deleted ") {
			t.Errorf("delete: %d %s", code, card)
		}
		if code, _ := htmx(trace+"/annotations/"+id+"/delete", url.Values{"span": {span}}); code != 404 {
			t.Errorf("delete again: %d", code)
		}
	})
}

// TestWebAnnotationsAuth annotates from the UI with authentication on: a
// member's annotation records their user and name, another member may not
// delete it, a viewer may not annotate, and the author may delete it.
func TestWebAnnotationsAuth(t *testing.T) {
	e := engines(t)[0]
	env := authEnv(e.env(t))
	for _, u := range []struct{ name, role string }{{"viewer", "VIEWER"}, {"alice", "MEMBER"}, {"bob", "MEMBER"}} {
		emberCLI(t, env, "user", "create", "--username", u.name, "--email", u.name+"@example.com", "--role", u.role, "--password", "pw-"+u.name)
	}
	p := startEmber(t, env)
	u := p.httpURL
	admin := []string{"Authorization", "Bearer " + testAdminSecret}
	if resp, body := post(t, u+"/v1/traces", "application/x-protobuf", protobufBody(t, webFixture(time.Now())), admin...); resp.StatusCode != 200 {
		t.Fatalf("ingest: %d %s", resp.StatusCode, body)
	}
	if resp, body := post(t, u+"/v1/annotation_configs", "application/json",
		[]byte(`{"name":"correctness","type":"CATEGORICAL","optimization_direction":"MAXIMIZE","values":[{"label":"correct","score":1},{"label":"incorrect","score":0}]}`), admin...); resp.StatusCode != 200 {
		t.Fatalf("config: %d %s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest(http.MethodPut, u+"/v1/projects/"+webProject+"/annotation_configs/correctness", nil)
	req.Header.Set(admin[0], admin[1])
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("assign: %v %v", resp, err)
	}
	resp.Body.Close()
	session := func(name string) *http.Cookie {
		var c *http.Cookie
		deadline := time.Now().Add(10 * time.Second)
		for c == nil {
			_, _, cookies := login(t, u, name+"@example.com", "pw-"+name)
			c = cookies["phoenix-access-token"]
			if time.Now().After(deadline) {
				t.Fatalf("%s cannot sign in", name)
			}
		}
		return c
	}
	alice, bob, viewer := session("alice"), session("bob"), session("viewer")
	trace := ""
	for deadline := time.Now().Add(10 * time.Second); trace == ""; {
		if resp, _ := requestWith(t, "GET", u+"/redirects/traces/"+webTraceID(1), alice); resp.StatusCode == http.StatusFound {
			trace = resp.Header.Get("Location")
		} else if time.Now().After(deadline) {
			t.Fatalf("trace not stored: %d", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
	form := func(path string, c *http.Cookie, values url.Values) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, u+path, strings.NewReader(values.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		req.AddCookie(c)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	span := webSpanID(3)
	if code, _ := form(trace+"/annotations", viewer, url.Values{"span": {span}, "name": {"correctness"}, "label": {"correct"}}); code != http.StatusForbidden {
		t.Errorf("viewer annotates: %d", code)
	}
	code, card := form(trace+"/annotations", alice, url.Values{"span": {span}, "name": {"correctness"}, "label": {"correct"}})
	if code != 200 {
		t.Fatalf("alice annotates: %d %s", code, card)
	}
	mustContain(t, "alice's card", card, `<td class="small">alice</td>`)
	if code, card = form(trace+"/notes", alice, url.Values{"span": {span}, "note": {"looks right"}}); code != 200 || !strings.Contains(card, "alice ·") {
		t.Errorf("alice's note: %d", code)
	}
	i := strings.Index(card, "/annotations/")
	id := card[i+len("/annotations/"):]
	id = id[:strings.IndexByte(id, '/')]
	if code, _ := form(trace+"/annotations/"+id+"/delete", bob, url.Values{"span": {span}}); code != http.StatusForbidden {
		t.Errorf("bob deletes alice's annotation: %d", code)
	}
	if code, card := form(trace+"/annotations/"+id+"/delete", alice, url.Values{"span": {span}}); code != 200 || !strings.Contains(card, "Deleted ") {
		t.Errorf("alice deletes her annotation: %d", code)
	}

	// Annotation configs: a viewer reads the page without its forms and
	// may not post; a member manages configs, as the REST API allows.
	configs := strings.SplitN(trace, "/traces/", 2)[0] + "/annotation-configs"
	resp, body := requestWith(t, "GET", u+configs, viewer)
	if resp.StatusCode != 200 || !strings.Contains(body, "Viewers cannot change annotation configs.") || strings.Contains(body, `id="config-form"`) || strings.Contains(body, "/delete") {
		t.Errorf("viewer's configs page: %d", resp.StatusCode)
	}
	if code, _, _ := postForm(t, u+configs, url.Values{"name": {"v"}, "type": {"FREEFORM"}}, viewer); code != http.StatusForbidden {
		t.Errorf("viewer creates a config: %d", code)
	}
	if code, _, _ := postForm(t, u+configs, url.Values{"name": {"bob-made"}, "type": {"FREEFORM"}, "assign": {"1"}}, bob); code != http.StatusSeeOther {
		t.Errorf("member creates a config: %d", code)
	}
	resp, body = requestWith(t, "GET", u+configs, bob)
	if resp.StatusCode != 200 || !strings.Contains(body, `<tr data-config="bob-made">`) || !strings.Contains(body, `id="config-form"`) {
		t.Errorf("member's configs page: %d", resp.StatusCode)
	}
}
