package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// The web UI's fixture: a support agent's traces in project support-bot.
// Trace 1 is an agent calling a retriever, an LLM (with a tool call) and
// a tool; trace 2 is an LLM call that failed, with hostile content; both
// belong to session sess-1. Traces 3 to 7 are plain chains.
const (
	webProject   = "support-bot"
	webHostile   = `<script>alert("owned")</script>`
	webHostileIn = `<img src=x onerror=alert(1)>`
)

func webTraceID(i int) string { t := traceID('w', i); return fmt.Sprintf("%x", t[:]) }
func webSpanID(i int) string  { s := spanID('w', i); return fmt.Sprintf("%x", s[:]) }

func webFixture(now time.Time) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("openinference.project.name", webProject)
	ss := rs.ScopeSpans().AppendEmpty()
	add := func(trace, id, parent int, name, kind string, start, dur time.Duration, attrs map[string]any) ptrace.Span {
		s := ss.Spans().AppendEmpty()
		s.SetTraceID(traceID('w', trace))
		s.SetSpanID(spanID('w', id))
		if parent >= 0 {
			s.SetParentSpanID(spanID('w', parent))
		}
		s.SetName(name)
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(start)))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(now.Add(start + dur)))
		s.Status().SetCode(ptrace.StatusCodeOk)
		s.Attributes().PutStr("openinference.span.kind", kind)
		for k, v := range attrs {
			switch x := v.(type) {
			case string:
				s.Attributes().PutStr(k, x)
			case int:
				s.Attributes().PutInt(k, int64(x))
			case float64:
				s.Attributes().PutDouble(k, x)
			}
		}
		return s
	}
	base := -10 * time.Minute
	add(1, 1, -1, "support-agent", "AGENT", base, 2400*time.Millisecond, map[string]any{
		"input.value":  "How do I reset my password?",
		"output.value": "**Go to** Settings → Security and choose *Reset password*.\n\n- check your email\n- follow the link",
		"session.id":   "sess-1", "user.id": "alice",
		"metadata": `{"tier":"gold"}`,
	})
	add(1, 2, 1, "search-docs", "RETRIEVER", base+50*time.Millisecond, 300*time.Millisecond, map[string]any{
		"input.value":                             "reset password",
		"retrieval.documents.0.document.id":       "kb-17",
		"retrieval.documents.0.document.content":  "To reset a password open Settings, then Security.",
		"retrieval.documents.0.document.score":    0.92,
		"retrieval.documents.0.document.metadata": `{"source":"kb"}`,
		"retrieval.documents.1.document.id":       "kb-4",
		"retrieval.documents.1.document.content":  "Passwords expire every 90 days.",
		"retrieval.documents.1.document.score":    0.41,
	})
	add(1, 3, 1, "ChatCompletion", "LLM", base+400*time.Millisecond, 1500*time.Millisecond, map[string]any{
		"llm.model_name": "gpt-4o", "llm.provider": "openai",
		"llm.invocation_parameters":                                               `{"temperature":0.2,"max_tokens":512}`,
		"llm.input_messages.0.message.role":                                       "system",
		"llm.input_messages.0.message.content":                                    "You are a helpful support agent.",
		"llm.input_messages.1.message.role":                                       "user",
		"llm.input_messages.1.message.content":                                    "How do I reset my password?",
		"llm.output_messages.0.message.role":                                      "assistant",
		"llm.output_messages.0.message.tool_calls.0.tool_call.id":                 "call_1",
		"llm.output_messages.0.message.tool_calls.0.tool_call.function.name":      "lookup_account",
		"llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": `{"user":"alice"}`,
		"llm.prompt_template.template":                                            "Answer {question} using {context}",
		"llm.prompt_template.variables":                                           `{"question":"How do I reset my password?"}`,
		"llm.token_count.prompt":                                                  1200, "llm.token_count.completion": 80,
		"input.value": `{"messages":[{"role":"user","content":"How do I reset my password?"}]}`, "input.mime_type": "application/json",
	})
	add(1, 4, 1, "lookup_account", "TOOL", base+1950*time.Millisecond, 200*time.Millisecond, map[string]any{
		"tool.name": "lookup_account", "tool.description": "Finds an account by user name",
		"tool.parameters": `{"type":"object","properties":{"user":{"type":"string"}}}`,
		"input.value":     `{"user":"alice"}`, "input.mime_type": "application/json",
		"output.value": "account 42 (active)",
	})
	failed := add(2, 10, -1, "ChatCompletion", "LLM", base+time.Minute, 900*time.Millisecond, map[string]any{
		"llm.model_name": "gpt-4o", "input.value": webHostileIn, "output.value": webHostile,
		"llm.token_count.prompt": 30, "llm.token_count.completion": 5,
		"session.id": "sess-1", "user.id": "alice",
	})
	failed.Status().SetCode(ptrace.StatusCodeError)
	failed.Status().SetMessage("rate limited")
	ev := failed.Events().AppendEmpty()
	ev.SetName("exception")
	ev.SetTimestamp(pcommon.NewTimestampFromTime(now.Add(base + time.Minute + 800*time.Millisecond)))
	ev.Attributes().PutStr("exception.type", "RateLimitError")
	ev.Attributes().PutStr("exception.message", "429 Too Many Requests")
	ev.Attributes().PutStr("exception.stacktrace", "Traceback (most recent call last):\n  File \"app.py\", line 12, in answer\nRateLimitError: 429")
	for i := 3; i <= 7; i++ {
		add(i, 100+i, -1, fmt.Sprintf("chain-%d", i), "CHAIN", base+time.Duration(i)*time.Minute, time.Duration(i)*100*time.Millisecond, map[string]any{
			"input.value": fmt.Sprintf("question %d", i), "output.value": fmt.Sprintf("answer %d", i),
		})
	}
	return td
}

// startWebEmber starts a server, loads the fixture and waits until it is
// stored.
func startWebEmber(t *testing.T, env []string) *process {
	t.Helper()
	p := startEmber(t, env)
	resp, body := post(t, p.httpURL+"/v1/traces", "application/x-protobuf", protobufBody(t, webFixture(time.Now())))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ingest: %d %s", resp.StatusCode, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var spans struct{ Data []any }
		if code, body, _ := getPage(t, p.httpURL+"/v1/projects/"+webProject+"/spans?limit=100"); code == 200 {
			_ = json.Unmarshal([]byte(body), &spans)
		}
		if n := len(spans.Data); n == 10 {
			return p
		} else if time.Now().After(deadline) {
			t.Fatalf("%d spans stored, want 10", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// noRedirect is a client that reports redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func getPage(t *testing.T, u string) (int, string, http.Header) {
	t.Helper()
	resp, err := noRedirect.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: missing %q", what, w)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(body, b) {
			t.Errorf("%s: contains %q", what, b)
		}
	}
}

// TestWebPages requests every page of the UI from a real server on each
// engine, with the fixture loaded: status, key elements, and hostile span
// content shown as text.
func TestWebPages(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startWebEmber(t, e.env(t))
		u := p.httpURL
		hostile := []string{webHostile, webHostileIn, "<script>alert"}

		code, _, hdr := getPage(t, u+"/")
		if code != http.StatusFound || hdr.Get("Location") != "/projects" {
			t.Fatalf("GET /: %d %s", code, hdr.Get("Location"))
		}
		code, body, hdr := getPage(t, u+"/projects")
		if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
			t.Fatalf("projects: %d %s", code, hdr.Get("Content-Type"))
		}
		mustContain(t, "projects", body, webProject, ">7<", ">1<", "1,315", "Last 7 days", `value="7d" selected`)

		// The project page by name, then each tab.
		code, _, hdr = getPage(t, u+"/redirects/projects/"+webProject)
		if code != http.StatusFound {
			t.Fatalf("project redirect: %d", code)
		}
		project := u + hdr.Get("Location")
		code, body, _ = getPage(t, project)
		if code != 200 {
			t.Fatalf("spans tab: %d", code)
		}
		mustContain(t, "spans tab", body, "support-agent", "chain-7", "How do I reset my password?", "Root spans only", `class="kind k-agent"`, "&lt;script&gt;alert")
		mustNotContain(t, "spans tab", body, hostile...)
		mustNotContain(t, "spans tab", body, "search-docs") // roots only

		_, body, _ = getPage(t, project+"?roots=0&sort=latency")
		mustContain(t, "all spans by latency", body, "search-docs", "lookup_account")
		if strings.Index(body, "support-agent") > strings.Index(body, "search-docs") {
			t.Error("latency sort: the 2.4 s agent span is not before the retriever")
		}
		_, body, _ = getPage(t, project+"?roots=0&sort=tokens")
		if i, j := strings.Index(body, ">support-agent<"), strings.Index(body, ">chain-7<"); i < 0 || j < 0 || i > j {
			t.Error("token sort: the agent (1,280 tokens) is not before chain-7")
		}
		_, body, _ = getPage(t, project+"?filter="+url.QueryEscape("span_kind == 'LLM'")+"&roots=0")
		mustContain(t, "filtered", body, "ChatCompletion")
		mustNotContain(t, "filtered", body, "support-agent", "chain-3")
		_, body, _ = getPage(t, project+"?filter="+url.QueryEscape("span_kin == 'LLM'"))
		mustContain(t, "filter error", body, `class="filter-error"`, "<mark>span_kin</mark>", "span_kind")

		_, body, _ = getPage(t, project+"?tab=traces")
		mustContain(t, "traces tab", body, "support-agent", `hx-get="/projects/`, "/children", "chain-3", "has-error")
		_, body, _ = getPage(t, project+"?tab=traces&filter="+url.QueryEscape("latency_ms > 2000"))
		mustContain(t, "trace filter", body, "support-agent")
		mustNotContain(t, "trace filter", body, "chain-3")
		// Traces sorted by a measure, both ways.
		_, body, _ = getPage(t, project+"?tab=traces&sort=latency")
		mustContain(t, "traces by latency", body, `class="on">Latency ↓</a>`, `name="sort" value="latency"`)
		if a, b, c := strings.Index(body, ">support-agent<"), strings.Index(body, ">chain-7<"), strings.Index(body, ">chain-3<"); a < 0 || b < 0 || c < 0 || a > b || b > c {
			t.Errorf("traces by latency: agent at %d, chain-7 at %d, chain-3 at %d", a, b, c)
		}
		_, body, _ = getPage(t, project+"?tab=traces&sort=latency&dir=asc")
		if b, c := strings.Index(body, ">chain-7<"), strings.Index(body, ">chain-3<"); b < 0 || c < 0 || c > b {
			t.Errorf("traces by latency, ascending: chain-7 at %d, chain-3 at %d", b, c)
		}
		_, body, _ = getPage(t, project+"?tab=traces&sort=tokens")
		if a, b := strings.Index(body, ">support-agent<"), strings.Index(body, ">chain-3<"); a < 0 || b < 0 || a > b {
			t.Errorf("traces by tokens: agent at %d, chain-3 at %d", a, b)
		}
		_, body, _ = getPage(t, project+"?tab=traces&sort=cost&filter="+url.QueryEscape("latency_ms > 2000"))
		mustContain(t, "traces by cost, filtered", body, "support-agent", `class="on">Cost ↓</a>`)
		mustNotContain(t, "traces by cost, filtered", body, "chain-3")
		_, body, _ = getPage(t, project+"/traces/"+webTraceID(1)+"/children")
		mustContain(t, "children", body, "search-docs", "ChatCompletion", "lookup_account")
		mustNotContain(t, "children", body, "<html")

		_, body, _ = getPage(t, project+"?tab=sessions")
		mustContain(t, "sessions tab", body, "sess-1", "alice", "How do I reset my password?", "&lt;script&gt;")
		mustNotContain(t, "sessions tab", body, hostile...)
		_, body, _ = getPage(t, project+"?tab=sessions&from=2020-01-01&to=2020-01-02")
		mustContain(t, "sessions out of range", body, "No sessions active in")
		mustNotContain(t, "sessions out of range", body, "sess-1")

		// The trace view, reached by OTel id, and each kind of span.
		code, _, hdr = getPage(t, u+"/redirects/traces/"+webTraceID(1))
		if code != http.StatusFound {
			t.Fatalf("trace redirect: %d", code)
		}
		trace := u + hdr.Get("Location")
		_, body, _ = getPage(t, trace)
		mustContain(t, "trace", body, "support-agent", "search-docs", "lookup_account", "Download JSON", `class="bar"`, "1,280",
			"<strong>Go to</strong>", "<em>Reset password</em>", "<li>check your email</li>")
		_, body, _ = getPage(t, trace+"?span="+webSpanID(2))
		mustContain(t, "retriever", body, "Retrieved documents", "kb-17", "score 0.92", "Passwords expire")
		_, body, _ = getPage(t, trace+"?span="+webSpanID(3))
		mustContain(t, "llm", body, "gpt-4o", "You are a helpful support agent.", "role-assistant", "tool call", "lookup_account",
			"&#34;temperature&#34;: 0.2", "Answer {question} using {context}", "prompt 1,200")
		_, body, _ = getPage(t, trace+"?span="+webSpanID(4))
		mustContain(t, "tool", body, "Finds an account by user name", "&#34;user&#34;: &#34;alice&#34;", "account 42 (active)")

		code, _, hdr = getPage(t, u+"/redirects/spans/"+webSpanID(10))
		if code != http.StatusFound || !strings.Contains(hdr.Get("Location"), "span="+webSpanID(10)) {
			t.Fatalf("span redirect: %d %s", code, hdr.Get("Location"))
		}
		code, body, hdr = getPage(t, u+hdr.Get("Location"))
		if code != 200 {
			t.Fatalf("failed trace: %d", code)
		}
		mustContain(t, "failed span", body, "rate limited", "RateLimitError", "429 Too Many Requests", "Traceback", "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;", "&lt;img src=x")
		mustNotContain(t, "failed span", body, hostile...)
		if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("CSP %q", csp)
		}

		resp, err := http.Get(trace + "/download")
		if err != nil {
			t.Fatal(err)
		}
		var dl struct {
			TraceID string           `json:"trace_id"`
			Spans   []map[string]any `json:"spans"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&dl)
		resp.Body.Close()
		if dl.TraceID != webTraceID(1) || len(dl.Spans) != 4 || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("download: %s, %d spans, %q", dl.TraceID, len(dl.Spans), resp.Header.Get("Content-Disposition"))
		}

		code, _, hdr = getPage(t, u+"/redirects/sessions/sess-1")
		if code != http.StatusFound {
			t.Fatalf("session redirect: %d", code)
		}
		_, body, _ = getPage(t, u+hdr.Get("Location"))
		mustContain(t, "session", body, "Turn 1", "Turn 2", "How do I reset my password?", "&lt;script&gt;", "turns", "alice")
		mustNotContain(t, "session", body, hostile...)

		// Not found: pages, and non-UI paths keep their plain 404.
		if code, _, _ := getPage(t, u+"/redirects/traces/"+strings.Repeat("0", 32)); code != 404 {
			t.Errorf("unknown trace: %d", code)
		}
		if code, _, _ := getPage(t, project+"/traces/nope"); code != 404 {
			t.Errorf("unknown trace page: %d", code)
		}
		if code, body, _ := getPage(t, u+"/no/such/path"); code != 404 || body != "Not Found" {
			t.Errorf("unknown path: %d %q", code, body)
		}

		// Static files: checksummed, cached for good.
		_, body, _ = getPage(t, u+"/projects")
		i := strings.Index(body, "/static/")
		asset := body[i : i+strings.IndexByte(body[i:], '"')]
		code, _, hdr = getPage(t, u+asset)
		if code != 200 || !strings.Contains(hdr.Get("Cache-Control"), "immutable") {
			t.Errorf("static %s: %d %q", asset, code, hdr.Get("Cache-Control"))
		}
	})
}

// TestWebProjectActions creates, empties and deletes projects from the
// projects page, and deletes selected rows.
func TestWebProjectActions(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startWebEmber(t, e.env(t))
		u := p.httpURL
		form := func(path string, values url.Values) (int, string) {
			resp, err := noRedirect.PostForm(u+path, values)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode, resp.Header.Get("Location")
		}
		code, loc := form("/projects", url.Values{"name": {"fresh"}, "description": {"new"}})
		if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/projects/") {
			t.Fatalf("create: %d %s", code, loc)
		}
		_, body, _ := getPage(t, u+loc)
		mustContain(t, "empty project", body, "No traces in fresh yet", "Python", "TypeScript", "otelreg.WithProjectName(&#34;fresh&#34;)", "register(")
		if code, loc := form("/projects", url.Values{"name": {"fresh"}}); code != http.StatusSeeOther || !strings.Contains(loc, "error=") {
			t.Errorf("duplicate: %d %s", code, loc)
		}
		// A cross-site form post is refused.
		req, _ := http.NewRequest(http.MethodPost, u+loc+"/delete", nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if resp, err := noRedirect.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site delete: %v %v", resp.StatusCode, err)
		}
		if code, _ := form(loc+"/delete", nil); code != http.StatusSeeOther {
			t.Errorf("delete: %d", code)
		}
		if code, _, _ := getPage(t, u+loc); code != 404 {
			t.Errorf("deleted project: %d", code)
		}
		_, _, hdr := getPage(t, u+"/redirects/projects/default")
		if code, loc := form(hdr.Get("Location")+"/delete", nil); code != http.StatusSeeOther || !strings.Contains(loc, "error=") {
			t.Errorf("delete default: %d %s", code, loc)
		}

		// Delete one trace by selection, then clear the project.
		_, _, hdr = getPage(t, u+"/redirects/projects/"+webProject)
		project := hdr.Get("Location")
		_, body, _ = getPage(t, u+project+"?tab=traces")
		i := strings.Index(body, `name="trace" value="`)
		rowID := body[i+len(`name="trace" value="`):]
		rowID = rowID[:strings.IndexByte(rowID, '"')]
		if code, loc := form(project+"/delete-rows", url.Values{"trace": {rowID}, "back": {project + "?tab=traces"}}); code != http.StatusSeeOther || loc != project+"?tab=traces" {
			t.Fatalf("delete rows: %d %s", code, loc)
		}
		_, body, _ = getPage(t, u+project+"?tab=traces")
		if n := strings.Count(body, `name="trace" value=`); n != 6 {
			t.Errorf("%d traces after deleting one, want 6", n)
		}
		if code, _ := form(project+"/delete-rows", url.Values{"span": {webSpanID(103)}, "back": {"https://evil.example/"}}); code != http.StatusSeeOther {
			t.Errorf("delete span: %d", code)
		}
		if code, _ := form(project+"/clear", nil); code != http.StatusSeeOther {
			t.Errorf("clear: %d", code)
		}
		_, body, _ = getPage(t, u+project)
		mustContain(t, "cleared", body, "No traces in "+webProject+" yet")
	})
}

// TestWebRootPath serves the UI under PHOENIX_HOST_ROOT_PATH: links carry
// the prefix, and the prefixed paths answer.
func TestWebRootPath(t *testing.T) {
	e := engines(t)[0]
	p := startEmber(t, append(e.env(t), "PHOENIX_HOST_ROOT_PATH=/ember"))
	code, _, hdr := getPage(t, p.httpURL+"/ember/")
	if code != http.StatusFound || hdr.Get("Location") != "/ember/projects" {
		t.Fatalf("root: %d %s", code, hdr.Get("Location"))
	}
	code, body, _ := getPage(t, p.httpURL+"/ember/projects")
	if code != 200 {
		t.Fatalf("projects: %d", code)
	}
	mustContain(t, "prefixed", body, `href="/ember/static/`, `href="/ember/projects/`, `action="/ember/projects"`)
}
