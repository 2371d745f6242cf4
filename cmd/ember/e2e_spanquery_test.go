package main

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// tablePart is one pandas table-format part of a span query reply.
type tablePart struct {
	Schema struct {
		Fields []struct {
			Name string `json:"name"`
			Type string `json:"type"`
			TZ   string `json:"tz"`
		} `json:"fields"`
		PrimaryKey    []string `json:"primaryKey"`
		PandasVersion string   `json:"pandas_version"`
	} `json:"schema"`
	Data []map[string]any `json:"data"`
}

// fieldNames lists the schema's field names with the "<i>_" prefixes cut,
// as Phoenix's client reads them.
func (tp tablePart) fieldNames() []string {
	var out []string
	for _, f := range tp.Schema.Fields {
		_, name, _ := strings.Cut(f.Name, "_")
		out = append(out, name)
	}
	return out
}

// column returns the values of the column named name (prefix cut), one per
// row.
func (tp tablePart) column(name string) []any {
	for _, f := range tp.Schema.Fields {
		if _, n, _ := strings.Cut(f.Name, "_"); n == name {
			var out []any
			for _, row := range tp.Data {
				out = append(out, row[f.Name])
			}
			return out
		}
	}
	return nil
}

// sortedStrings renders a column's values sorted, for order-free checks.
func sortedStrings(vs []any) string {
	var s []string
	for _, v := range vs {
		if v == nil {
			s = append(s, "<nil>")
			continue
		}
		b, _ := json.Marshal(v)
		s = append(s, strings.Trim(string(b), `"`))
	}
	sort.Strings(s)
	return strings.Join(s, ",")
}

// querySpans posts a span query and splits the multipart reply as Phoenix's
// Python client does.
func querySpans(t *testing.T, p *process, query, body string, headers ...string) (int, []tablePart, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.httpURL+"/v1/spans"+query, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil, string(b)
	}
	ct := resp.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "multipart/mixed; boundary=") {
		t.Fatalf("content type %q", ct)
	}
	boundary := "--" + strings.SplitN(strings.SplitN(ct, "boundary=", 2)[1], ";", 2)[0]
	text := string(b)
	if !strings.HasSuffix(text, boundary+"--\r\n") {
		t.Fatalf("no closing boundary: %q", text)
	}
	var parts []tablePart
	for strings.Contains(text, boundary) {
		var part string
		part, text, _ = strings.Cut(text, boundary)
		if !strings.Contains(part, "Content-Type: application/json") {
			continue
		}
		_, js, _ := strings.Cut(part, "\r\n\r\n")
		var tp tablePart
		if err := json.Unmarshal([]byte(strings.TrimSpace(js)), &tp); err != nil {
			t.Fatalf("part %q: %v", js, err)
		}
		if tp.Schema.PandasVersion != "1.4.0" {
			t.Errorf("pandas_version %q", tp.Schema.PandasVersion)
		}
		parts = append(parts, tp)
	}
	return resp.StatusCode, parts, string(b)
}

// TestSpanQueryAPI pins POST /v1/spans, the route of Phoenix's Python
// get_spans_dataframe and SpanQuery, on a running server.
func TestSpanQueryAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startEmber(t, e.env(t))
		start := time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.UTC)
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("openinference.project.name", "sq")
		ss := rs.ScopeSpans().AppendEmpty()
		add := func(id, parent byte, name, kind string, offset time.Duration) ptrace.Span {
			s := ss.Spans().AppendEmpty()
			s.SetTraceID(pcommon.TraceID{0xcc, 1})
			s.SetSpanID(pcommon.SpanID{0xdd, id})
			if parent != 0 {
				s.SetParentSpanID(pcommon.SpanID{0xdd, parent})
			}
			s.SetName(name)
			s.SetStartTimestamp(pcommon.NewTimestampFromTime(start.Add(offset)))
			s.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(offset + 1500*time.Millisecond)))
			s.Attributes().PutStr("openinference.span.kind", kind)
			return s
		}
		root := add(1, 0, "agent", "AGENT", 0)
		root.Attributes().PutStr("input.value", "what is ember?")
		root.Attributes().PutStr("metadata", `{"tier":"gold"}`)
		root.Attributes().PutStr("j.k", "custom")
		root.Attributes().PutInt("j.n", 7)
		retr := add(2, 1, "retrieve", "RETRIEVER", time.Minute)
		retr.Attributes().PutStr("input.value", "ember")
		retr.Attributes().PutStr("retrieval.documents.0.document.content", "first doc")
		retr.Attributes().PutStr("retrieval.documents.0.document.id", "d1")
		retr.Attributes().PutDouble("retrieval.documents.0.document.score", 0.5)
		retr.Attributes().PutStr("retrieval.documents.1.document.content", "second doc")
		retr.Attributes().PutStr("retrieval.documents.1.document.id", "d2")
		llm := add(3, 1, "llm", "LLM", 2*time.Minute)
		llm.Attributes().PutInt("llm.token_count.total", 30)
		llm.Attributes().PutStr("llm.model_name", "gpt-4o")
		llm.Attributes().PutStr("output.value", "Ember is a server")
		add(4, 9, "orphan", "CHAIN", 3*time.Minute) // its parent is never stored
		mustExport(t, p, td)
		other := ptrace.NewTraces()
		ors := other.ResourceSpans().AppendEmpty()
		ors.Resource().Attributes().PutStr("openinference.project.name", "other")
		os := ors.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		os.SetTraceID(pcommon.TraceID{0xcc, 2})
		os.SetSpanID(pcommon.SpanID{0xdd, 0x20})
		os.SetName("elsewhere")
		os.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
		os.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Second)))
		mustExport(t, p, other)

		one := func(query, body string, headers ...string) tablePart {
			t.Helper()
			status, parts, raw := querySpans(t, p, query, body, headers...)
			if status != http.StatusOK || len(parts) != 1 {
				t.Fatalf("%s %s: %d, %d parts: %s", query, body, status, len(parts), raw)
			}
			return parts[0]
		}

		// Default columns.
		all := one("?project_name=sq", `{"queries":[{}]}`)
		names := all.fieldNames()
		want := []string{"context.span_id", "name", "span_kind", "parent_id", "start_time", "end_time", "status_code", "status_message", "events", "context.span_id", "context.trace_id"}
		if len(names) < len(want) || strings.Join(names[:len(want)], ",") != strings.Join(want, ",") {
			t.Fatalf("default columns %v", names)
		}
		if all.Schema.PrimaryKey[0] != "0_context.span_id" || all.Schema.Fields[4].Type != "datetime" || all.Schema.Fields[4].TZ != "UTC" {
			t.Errorf("schema %+v", all.Schema)
		}
		for _, c := range []string{"attributes.input.value", "attributes.metadata", "attributes.j", "attributes.retrieval.documents", "attributes.llm.token_count.total", "attributes.openinference.span.kind"} {
			if all.column(c) == nil {
				t.Errorf("no column %s in %v", c, names)
			}
		}
		if got := sortedStrings(all.column("name")); got != "agent,llm,orphan,retrieve" {
			t.Errorf("names %s", got)
		}
		for i, row := range all.Data {
			if row["1_name"] == "agent" {
				j := all.column("attributes.j")[i].(map[string]any)
				meta := all.column("attributes.metadata")[i].(map[string]any)
				if j["k"] != "custom" || j["n"] != 7.0 || meta["tier"] != "gold" || row["4_start_time"] != "2026-03-04T05:06:07.123456789Z" {
					t.Errorf("agent row %v", row)
				}
			}
		}

		// Select, filter, rename; span_id is the index.
		sel := one("?project_name=sq", `{"queries":[{"select":{"span_id":{"key":"span_id"},"model":{"key":"llm.model_name"},"tokens":{"key":"llm.token_count.total"},"latency_ms":{"key":"latency_ms"}},"filter":{"condition":"span_kind == 'llm'"},"rename":{"model":"llm_model"}}]}`)
		if got := strings.Join(sel.fieldNames(), ","); got != "context.span_id,llm_model,tokens,latency_ms" {
			t.Errorf("select columns %s", got)
		}
		if len(sel.Data) != 1 || sel.Data[0]["0_context.span_id"] != "dd03000000000000" || sel.Data[0]["1_llm_model"] != "gpt-4o" || sel.Data[0]["2_tokens"] != 30.0 || sel.Data[0]["3_latency_ms"] != 1500.0 {
			t.Errorf("select rows %v", sel.Data)
		}

		// Explode retrieval documents.
		ex := one("?project_name=sq", `{"queries":[{"select":{"input":{"key":"input.value"}},"explode":{"key":"retrieval.documents","kwargs":{"reference":"document.content","doc_id":"document.id"}}}]}`)
		if got := strings.Join(ex.fieldNames(), ","); got != "context.span_id,document_position,input,reference,doc_id" {
			t.Errorf("explode columns %s", got)
		}
		if len(ex.Data) != 2 || sortedStrings(ex.column("reference")) != "first doc,second doc" || sortedStrings(ex.column("document_position")) != "0,1" || sortedStrings(ex.column("input")) != "ember,ember" {
			t.Errorf("explode rows %v", ex.Data)
		}

		// Concat with a separator.
		cc := one("?project_name=sq", `{"queries":[{"concat":{"key":"retrieval.documents","kwargs":{"reference":"document.content"},"separator":" | "}}]}`)
		if len(cc.Data) != 1 || cc.column("reference")[0] != "first doc | second doc" || cc.Data[0]["0_context.span_id"] != "dd02000000000000" {
			t.Errorf("concat %v", cc.Data)
		}

		// Roots: orphans count unless orphan_span_as_root_span is false.
		roots := one("?project_name=sq", `{"queries":[{"select":{"name":{"key":"name"}}}],"root_spans_only":true}`)
		if got := sortedStrings(roots.column("name")); got != "agent,orphan" {
			t.Errorf("roots %s", got)
		}
		strict := one("?project_name=sq", `{"queries":[{"select":{"name":{"key":"name"}}}],"root_spans_only":true,"orphan_span_as_root_span":false}`)
		if got := sortedStrings(strict.column("name")); got != "agent" {
			t.Errorf("strict roots %s", got)
		}

		// Time range, stop_time and limit.
		for body, want := range map[string]string{
			`"start_time":"2026-03-04T05:07:00Z"`:                                   "llm,orphan,retrieve",
			`"end_time":"2026-03-04T05:08:00+00:00"`:                                "agent,retrieve",
			`"stop_time":"2026-03-04T05:08:00"`:                                     "agent,retrieve",
			`"start_time":"2026-03-04T05:07:00Z","end_time":"2026-03-04T05:08:00Z"`: "retrieve",
			`"limit":0`: "",
		} {
			got := one("?project_name=sq", `{"queries":[{"select":{"name":{"key":"name"}}}],`+body+`}`)
			if s := sortedStrings(got.column("name")); s != want {
				t.Errorf("%s: %s, want %s", body, s, want)
			}
		}
		if got := one("?project_name=sq", `{"queries":[{"select":{"name":{"key":"name"}}}],"limit":2}`); len(got.Data) != 2 {
			t.Errorf("limit 2: %d rows", len(got.Data))
		}

		// Two queries, two parts.
		if status, parts, raw := querySpans(t, p, "?project_name=sq", `{"queries":[{"filter":{"condition":"name == 'llm'"}},{"select":{"n":{"key":"name"}},"filter":{"condition":"name == 'agent'"}}]}`); status != 200 || len(parts) != 2 || len(parts[0].Data) != 1 || parts[1].Data[0]["1_n"] != "agent" {
			t.Errorf("two queries: %d %s", status, raw)
		}

		// Project resolution: project_name, project-name, the header, the
		// body, then default; an unknown project has no rows.
		q := `{"queries":[{"select":{"name":{"key":"name"}}}],"project_name":"other"}`
		for _, tc := range []struct {
			query   string
			headers []string
			want    string
		}{
			{"?project_name=sq&project-name=other", []string{"project-name", "other"}, "agent,llm,orphan,retrieve"},
			{"?project-name=sq", []string{"project-name", "other"}, "agent,llm,orphan,retrieve"},
			{"", []string{"project-name", "sq"}, "agent,llm,orphan,retrieve"},
			{"", nil, "elsewhere"},
			{"?project_name=nope", nil, ""},
		} {
			if got := sortedStrings(one(tc.query, q, tc.headers...).column("name")); got != tc.want {
				t.Errorf("project %s %v: %s, want %s", tc.query, tc.headers, got, tc.want)
			}
		}
		if got := one("", `{"queries":[{}]}`); len(got.Data) != 0 || len(got.fieldNames()) != 11 {
			t.Errorf("default project: %v %v", got.fieldNames(), got.Data)
		}

		// Errors.
		for _, tc := range []struct {
			body   string
			accept string
			status int
			text   string
		}{
			{`{"queries":[{"filter":{"condition":"span_kind =="}}]}`, "application/json", 422, "Invalid query: "},
			{`{"queries":[{"select":{"x":{"key":"spn_kind == 1"}}}]}`, "application/json", 422, "Invalid query: "},
			{`{"queries":[]}`, "application/json", 404, "Not Found"},
			{``, "application/json", 422, `"missing"`},
			{`{}`, "application/json", 422, `"queries"`},
			{`{"queries":[{}],"start_time":"yesterday"}`, "application/json", 422, `"start_time"`},
			{`{"queries":[{}]}`, "", 406, "application/json"},
		} {
			req, _ := http.NewRequest(http.MethodPost, p.httpURL+"/v1/spans?project_name=sq", strings.NewReader(tc.body))
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.text) {
				t.Errorf("%s: %d %s, want %d containing %s", tc.body, resp.StatusCode, b, tc.status, tc.text)
			}
		}

		// The deprecated GET form takes the same body.
		req, _ := http.NewRequest(http.MethodGet, p.httpURL+"/v1/spans?project_name=sq", strings.NewReader(`{"queries":[{"select":{"name":{"key":"name"}},"filter":{"condition":"name == 'llm'"}}]}`))
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), `"1_name":"llm"`) {
			t.Errorf("GET: %d %s", resp.StatusCode, b)
		}
	})
}
