package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/emberhq/ember"
)

// evaluationMessage encodes a phoenix.proto.evaluation.v1.Evaluation as
// the older Python client sends it. subject is "span", "trace" or
// "document"; a nil result part is left out.
func evaluationMessage(name, subject, id string, position int64, score *float64, label, explanation *string) []byte {
	field := func(num protowire.Number, v []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), v)
	}
	var subj []byte
	switch subject {
	case "trace":
		subj = field(1, []byte(id))
	case "span":
		subj = field(2, []byte(id))
	case "document":
		pos := protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.VarintType), uint64(position))
		subj = field(3, append(field(1, []byte(id)), pos...))
	}
	var res []byte
	if score != nil {
		res = append(res, field(1, protowire.AppendFixed64(protowire.AppendTag(nil, 1, protowire.Fixed64Type), math.Float64bits(*score)))...)
	}
	if label != nil {
		res = append(res, field(2, field(1, []byte(*label)))...)
	}
	if explanation != nil {
		res = append(res, field(3, field(1, []byte(*explanation)))...)
	}
	out := field(1, []byte(name))
	out = append(out, field(2, subj)...)
	return append(out, field(3, res)...)
}

// evaluationTable writes a table of evaluations as pyarrow writes the
// Python client's SpanEvaluations, TraceEvaluations or DocumentEvaluations.
func evaluationTable(t *testing.T, name, evalType string, fields []arrow.Field, index []string, rows string) []byte {
	t.Helper()
	arize := fmt.Sprintf(`{"eval_id":"5f2c1e9a-0000-4000-8000-000000000001","eval_name":%q,"eval_type":%q}`, name, evalType)
	keys, values := []string{"pandas"}, []string{`{"index_columns":["` + strings.Join(index, `","`) + `"],"column_indexes":[],"columns":[]}`}
	if evalType != "" {
		keys, values = append(keys, "arize"), append(values, arize)
	}
	md := arrow.NewMetadata(keys, values)
	schema := arrow.NewSchema(fields, &md)
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, schema, strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return buf.Bytes()
}

// exportedTable is one table of GET /v1/evaluations.
type exportedTable struct {
	arize map[string]string
	index []string
	rows  []string // one line per row: index values, then score|label|explanation
}

// readEvaluationExport reads the Arrow streams of GET /v1/evaluations, back
// to back, with arrow-go.
func readEvaluationExport(t *testing.T, body []byte) []exportedTable {
	t.Helper()
	r := bytes.NewReader(body)
	var out []exportedTable
	for r.Len() > 0 {
		rd, err := ipc.NewReader(r)
		if err != nil {
			t.Fatalf("table %d: %v", len(out), err)
		}
		var tbl exportedTable
		md := rd.Schema().Metadata()
		var pandas struct {
			Index []string `json:"index_columns"`
		}
		json.Unmarshal([]byte(md.Values()[md.FindKey("pandas")]), &pandas)
		json.Unmarshal([]byte(md.Values()[md.FindKey("arize")]), &tbl.arize)
		tbl.index = pandas.Index
		for rd.Next() {
			rec := rd.RecordBatch()
			for i := 0; i < int(rec.NumRows()); i++ {
				var parts []string
				for _, name := range append(append([]string{}, tbl.index...), "score", "label", "explanation") {
					col := rec.Column(rec.Schema().FieldIndices(name)[0])
					if col.IsNull(i) {
						parts = append(parts, "-")
					} else {
						parts = append(parts, col.ValueStr(i))
					}
				}
				tbl.rows = append(tbl.rows, strings.Join(parts, "|"))
			}
		}
		if err := rd.Err(); err != nil {
			t.Fatal(err)
		}
		rd.Release()
		sort.Strings(tbl.rows)
		out = append(out, tbl)
	}
	return out
}

// TestEvaluations posts evaluations as older Python clients do, as protobuf
// and as Arrow, before and after their spans arrive, and reads them back
// through the annotation routes and GET /v1/evaluations.
func TestEvaluations(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		env := e.env(t)
		p := startEmber(t, env)
		url := p.httpURL + "/v1/evaluations"
		td, traceID, rootID, retrieverID := annotationTraces(7, "eval-session")
		expectPost := func(ct string, body []byte, status int, want string, headers ...string) {
			t.Helper()
			resp, b := post(t, url, ct, body, headers...)
			if resp.StatusCode != status || !strings.Contains(string(b), want) {
				t.Fatalf("POST %s: %d %q, want %d containing %q", ct, resp.StatusCode, b, status, want)
			}
		}
		f, s := ptrTo(0.75), ptrTo("correct")

		// Before the trace: queued, stored once it arrives.
		expectPost("application/x-protobuf", gzipped(t, evaluationMessage("correctness", "span", rootID, 0, f, s, ptrTo("it adds up"))), 204, "", "Content-Encoding", "gzip")
		expectPost("application/x-protobuf", evaluationMessage("helpful", "trace", traceID, 0, ptrTo(1.0), nil, nil), 204, "")
		expectPost("application/x-protobuf", evaluationMessage("relevance", "document", retrieverID, 1, ptrTo(0.0), ptrTo("irrelevant"), nil), 204, "")
		expectPost("application/x-protobuf", evaluationMessage("relevance", "document", retrieverID, 9, ptrTo(1.0), nil, nil), 204, "") // no such document: dropped
		mustExport(t, p, td)
		got := waitForAnnotations(t, p, "span", "span_ids="+rootID, 1)
		a := got.Data[0]
		if a.Name != "correctness" || a.AnnotatorKind != "LLM" || a.Identifier != "" || a.Source != "API" || string(a.Metadata) != "{}" ||
			*a.Result.Score != 0.75 || *a.Result.Label != "correct" || *a.Result.Explanation != "it adds up" {
			t.Errorf("span evaluation: %+v", a)
		}
		if got := waitForAnnotations(t, p, "trace", "trace_ids="+traceID, 1); *got.Data[0].Result.Score != 1 || got.Data[0].Name != "helpful" {
			t.Errorf("trace evaluation: %+v", got)
		}

		// Arrow tables: spans (replacing the protobuf one), traces, documents.
		str := arrow.BinaryTypes.String
		expectPost("application/x-pandas-arrow", evaluationTable(t, "correctness", "SpanEvaluations",
			[]arrow.Field{{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true}, {Name: "label", Type: str, Nullable: true}, {Name: "context.span_id", Type: str}},
			[]string{"context.span_id"}, fmt.Sprintf(`[{"score":0.25,"label":"wrong","context.span_id":%q},{"score":1,"label":"correct","context.span_id":%q}]`, rootID, retrieverID)), 204, "")
		expectPost("application/x-pandas-arrow", evaluationTable(t, "", "",
			[]arrow.Field{{Name: "label", Type: str, Nullable: true}, {Name: "span_id", Type: str}},
			[]string{"span_id"}, fmt.Sprintf(`[{"label":"calm","span_id":%q}]`, rootID)), 204, "", "evaluation-name", "tone")
		expectPost("application/x-pandas-arrow", evaluationTable(t, "relevance", "DocumentEvaluations",
			[]arrow.Field{{Name: "score", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, {Name: "span_id", Type: str}, {Name: "position", Type: arrow.PrimitiveTypes.Int64}},
			[]string{"span_id", "position"}, fmt.Sprintf(`[{"score":1,"span_id":%q,"position":0}]`, retrieverID)), 204, "")
		waitFor := func(query string, want int, check func(annotationPage) bool) {
			t.Helper()
			got := waitForAnnotations(t, p, "span", query, want)
			for i := 0; !check(got) && i < 200; i++ {
				got = waitForAnnotations(t, p, "span", query, want)
			}
			if !check(got) {
				t.Errorf("%s: %s", query, got.names())
			}
		}
		waitFor("span_ids="+rootID, 2, func(p annotationPage) bool {
			return p.names() == "tone=calm,correctness=wrong" || p.names() == "correctness=wrong,tone=calm"
		})
		waitFor("span_ids="+retrieverID, 1, func(p annotationPage) bool { return p.names() == "correctness=correct" })

		// Refusals, with Phoenix's statuses and words.
		expectPost("text/plain", []byte("x"), 415, "Unsupported content type")
		expectPost("application/json", []byte("{}"), 415, "Unsupported content type")
		expectPost("application/x-protobuf", []byte("x"), 415, "Unsupported content encoding", "Content-Encoding", "br")
		expectPost("application/x-protobuf", []byte{0xff, 0xff}, 422, "Request body is invalid")
		expectPost("application/x-protobuf", []byte("not gzip"), 422, "Request body is invalid", "Content-Encoding", "gzip")
		expectPost("application/x-protobuf", evaluationMessage(" ", "span", rootID, 0, f, nil, nil), 422, "Evaluation name must not be blank/empty")
		expectPost("application/x-pandas-arrow", []byte("span_id,score\n"), 422, "Request body is not valid pyarrow")
		expectPost("application/x-pandas-arrow", evaluationTable(t, "", "", []arrow.Field{{Name: "label", Type: str}, {Name: "span_id", Type: str}}, []string{"span_id"}, `[]`), 422, "Evaluation name must not be blank/empty")
		expectPost("application/x-pandas-arrow", evaluationTable(t, "x", "TraceEvaluations", []arrow.Field{{Name: "label", Type: str}, {Name: "span_id", Type: str}}, []string{"span_id"}, `[]`), 422, "Invalid data in request body")

		// The export: traces, then spans, then documents; a table per name.
		status, body, hdr := call(t, "GET", url+"?project_name=annotations", "")
		if status != 200 || hdr.Get("Content-Type") != "application/x-pandas-arrow" {
			t.Fatalf("export: %d %s %q", status, hdr.Get("Content-Type"), body)
		}
		tables := readEvaluationExport(t, []byte(body))
		var summary []string
		for _, tbl := range tables {
			summary = append(summary, fmt.Sprintf("%s %s %v %s", tbl.arize["eval_type"], tbl.arize["eval_name"], tbl.index, strings.Join(tbl.rows, "; ")))
		}
		want := []string{
			fmt.Sprintf("TraceEvaluations helpful [context.trace_id] %s|1|-|-", traceID),
			strings.Join(sortedPair(fmt.Sprintf("%s|0.25|wrong|-", rootID), fmt.Sprintf("%s|1|correct|-", retrieverID)), "; "),
			fmt.Sprintf("SpanEvaluations tone [context.span_id] %s|-|calm|-", rootID),
			fmt.Sprintf("DocumentEvaluations relevance [context.span_id document_position] %s|0|1|-|-; %s|1|0|irrelevant|-", retrieverID, retrieverID),
		}
		want[1] = "SpanEvaluations correctness [context.span_id] " + want[1]
		if strings.Join(summary, "\n") != strings.Join(want, "\n") {
			t.Errorf("export:\n%s\nwant:\n%s", strings.Join(summary, "\n"), strings.Join(want, "\n"))
		}
		for _, q := range []string{"?project_name=nope", "", "?project-name=nope"} {
			if status, body, _ := call(t, "GET", url+q, ""); status != 404 || body != "" {
				t.Errorf("GET %s: %d %q", q, status, body)
			}
		}
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("project-name", "annotations")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("project-name header: %d", resp.StatusCode)
		}

		// Only LLM annotations are exported.
		expectCall(t, "POST", p.httpURL+"/v1/span_annotations?sync=true", fmt.Sprintf(`{"data":[{"span_id":%q,"name":"by-hand","annotator_kind":"HUMAN","result":{"label":"x"}}]}`, rootID), 200, "")
		if _, body, _ := call(t, "GET", url+"?project_name=annotations", ""); strings.Contains(body, "by-hand") {
			t.Errorf("a HUMAN annotation was exported")
		}
		p.stop(t)
		db := e.open(t, env)
		docs, err := db.FindAnnotations(context.Background(), ember.AnnotationFilter{Target: ember.AnnotationTargetDocument})
		if err != nil || len(docs) != 2 {
			t.Errorf("document evaluations: %v %+v", err, docs)
		}
	})
}

func sortedPair(a, b string) []string {
	s := []string{a, b}
	sort.Strings(s)
	return s
}
