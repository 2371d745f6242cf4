package upload

import (
	"bytes"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/emberhq/ember"
)

// evalProto builds an Evaluation message field by field.
type evalProto []byte

func msg(fields ...[]byte) []byte { return bytes.Join(fields, nil) }

func bytesField(num protowire.Number, v []byte) []byte {
	b := protowire.AppendTag(nil, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func doubleValue(f float64) []byte {
	b := protowire.AppendTag(nil, 1, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, math.Float64bits(f))
}

func stringValue(s string) []byte { return bytesField(1, []byte(s)) }

func spanSubject(id string) []byte  { return bytesField(2, bytesField(2, []byte(id))) }
func traceSubject(id string) []byte { return bytesField(2, bytesField(1, []byte(id))) }
func documentSubject(id string, pos int64) []byte {
	p := protowire.AppendTag(nil, 2, protowire.VarintType)
	p = protowire.AppendVarint(p, uint64(pos))
	return bytesField(2, bytesField(3, msg(bytesField(1, []byte(id)), p)))
}

func result(parts ...[]byte) []byte { return bytesField(3, msg(parts...)) }

func TestParseEvaluationProto(t *testing.T) {
	name := bytesField(1, []byte("correctness"))
	a, err := ParseEvaluationProto(msg(name, spanSubject("a1b2"), result(bytesField(1, doubleValue(0.5)), bytesField(2, stringValue("right")), bytesField(3, stringValue("because")))))
	if err != nil {
		t.Fatal(err)
	}
	if a.Target != ember.AnnotationTargetSpan || a.SpanID != "a1b2" || a.Name != "correctness" || *a.Score != 0.5 || *a.Label != "right" || *a.Explanation != "because" ||
		a.AnnotatorKind != ember.AnnotatorLLM || a.Identifier != "" || a.Source != ember.AnnotationSourceAPI || string(a.Metadata) != "{}" {
		t.Fatalf("span evaluation: %+v", a)
	}
	a, err = ParseEvaluationProto(msg(name, traceSubject("t1"), result(bytesField(2, stringValue("x")))))
	if err != nil || a.Target != ember.AnnotationTargetTrace || a.TraceID != "t1" || a.Score != nil || a.Explanation != nil || *a.Label != "x" {
		t.Fatalf("trace evaluation: %+v %v", a, err)
	}
	// An unknown field is skipped; a present but empty wrapper is its zero.
	unknown := protowire.AppendVarint(protowire.AppendTag(nil, 9, protowire.VarintType), 7)
	a, err = ParseEvaluationProto(msg(unknown, name, documentSubject("s1", 3), result(bytesField(1, nil))))
	if err != nil || a.Target != ember.AnnotationTargetDocument || a.SpanID != "s1" || a.DocumentPosition != 3 || a.Score == nil || *a.Score != 0 {
		t.Fatalf("document evaluation: %+v %v", a, err)
	}
	// Of two subjects, the last wins.
	a, err = ParseEvaluationProto(msg(name, spanSubject("s"), traceSubject("t")))
	if err != nil || a.Target != ember.AnnotationTargetTrace || a.SpanID != "" {
		t.Fatalf("two subjects: %+v %v", a, err)
	}
	for _, c := range []struct {
		name string
		body []byte
		want string
	}{
		{"truncated", msg(name, spanSubject("s"))[:5], "Request body is invalid"},
		{"bad tag", []byte{0xff}, "Request body is invalid"},
		{"no name", spanSubject("s"), "Evaluation name must not be blank/empty"},
		{"blank name", msg(bytesField(1, []byte("  ")), spanSubject("s")), "Evaluation name must not be blank/empty"},
		{"no subject", name, "names no span"},
		{"empty span id", msg(name, spanSubject(" ")), "names no span"},
		{"negative position", msg(name, documentSubject("s", -1)), "negative"},
		{"name as varint", protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 1), "Request body is invalid"},
		{"score as string", msg(name, spanSubject("s"), result(bytesField(1, stringValue("x")))), "Request body is invalid"},
	} {
		_, err := ParseEvaluationProto(c.body)
		if ember.ErrorCode(err) != ember.EUNPROCESSABLE || !strings.Contains(ember.ErrorMessage(err), c.want) {
			t.Errorf("%s: %v, want 422 containing %q", c.name, err, c.want)
		}
	}
}

func FuzzParseEvaluationProto(f *testing.F) {
	name := bytesField(1, []byte("q"))
	f.Add(msg(name, spanSubject("a1"), result(bytesField(1, doubleValue(1)), bytesField(2, stringValue("l")))))
	f.Add(msg(name, documentSubject("s", 2), result(bytesField(3, stringValue("e")))))
	f.Add(msg(name, traceSubject("t")))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := ParseEvaluationProto(body)
		if err != nil {
			if ember.ErrorCode(err) != ember.EUNPROCESSABLE {
				t.Fatalf("error code %s: %v", ember.ErrorCode(err), err)
			}
			return
		}
		if strings.TrimSpace(a.Name) == "" || strings.TrimSpace(a.TargetKey()) == "" || a.DocumentPosition < 0 || a.AnnotatorKind != ember.AnnotatorLLM {
			t.Fatalf("accepted %+v", a)
		}
		if a.Score != nil && (math.IsNaN(*a.Score) || math.IsInf(*a.Score, 0)) {
			t.Fatalf("score %v", *a.Score)
		}
	})
}

// evalTable writes an evaluation table as Phoenix's client does.
func evalTable(t testing.TB, arize string, fields []arrow.Field, index []string, rows string) []byte {
	keys, values := []string{}, []string{}
	if arize != "" {
		keys, values = append(keys, "arize"), append(values, arize)
	}
	keys = append(keys, "pandas")
	values = append(values, `{"index_columns":["`+strings.Join(index, `","`)+`"],"columns":[]}`)
	md := arrow.NewMetadata(keys, values)
	return arrowStream(t, arrow.NewSchema(fields, &md), rows)
}

func TestReadEvaluationsArrow(t *testing.T) {
	str := arrow.BinaryTypes.String
	fields := []arrow.Field{{Name: "score", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, {Name: "label", Type: str, Nullable: true}, {Name: "span_id", Type: str}}
	data := evalTable(t, `{"eval_id":"x","eval_name":"toxicity","eval_type":"SpanEvaluations"}`, fields, []string{"span_id"},
		`[{"score":1,"label":"toxic","span_id":"s1"},{"score":null,"label":null,"span_id":"s2"}]`)
	anns, err := ReadEvaluationsArrow(data, "", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(anns) != 2 || anns[0].Name != "toxicity" || anns[0].SpanID != "s1" || *anns[0].Score != 1 || *anns[0].Label != "toxic" || anns[1].Score != nil || anns[1].Label != nil {
		t.Fatalf("span evaluations: %+v", anns)
	}
	docFields := []arrow.Field{{Name: "explanation", Type: str, Nullable: true}, {Name: "context.span_id", Type: str}, {Name: "document_position", Type: arrow.PrimitiveTypes.Int64}}
	data = evalTable(t, `{"eval_id":"x","eval_name":"relevance","eval_type":"DocumentEvaluations"}`, docFields, []string{"context.span_id", "document_position"}, `[{"explanation":"apt","context.span_id":"s1","document_position":1}]`)
	anns, err = ReadEvaluationsArrow(data, "", 1<<20)
	if err != nil || len(anns) != 1 || anns[0].Target != ember.AnnotationTargetDocument || anns[0].DocumentPosition != 1 || *anns[0].Explanation != "apt" {
		t.Fatalf("document evaluations: %+v %v", anns, err)
	}
	// Without metadata, a span table named by the header.
	data = evalTable(t, "", fields, []string{"span_id"}, `[{"score":0,"label":"ok","span_id":"s1"}]`)
	if anns, err = ReadEvaluationsArrow(data, "from-header", 1<<20); err != nil || anns[0].Name != "from-header" {
		t.Fatalf("named by header: %+v %v", anns, err)
	}
	traceFields := []arrow.Field{{Name: "label", Type: str}, {Name: "span_id", Type: str}}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"not arrow", []byte("score,label\n"), "Request body is not valid pyarrow"},
		{"no name", evalTable(t, "", fields, []string{"span_id"}, `[]`), "Evaluation name must not be blank/empty"},
		{"unknown type", evalTable(t, `{"eval_name":"x","eval_type":"Nope"}`, fields, []string{"span_id"}, `[]`), "Invalid data in request body"},
		{"wrong index", evalTable(t, `{"eval_name":"x","eval_type":"TraceEvaluations"}`, traceFields, []string{"span_id"}, `[]`), "Invalid data in request body"},
		{"no results", evalTable(t, `{"eval_name":"x","eval_type":"SpanEvaluations"}`, []arrow.Field{{Name: "span_id", Type: str}}, []string{"span_id"}, `[]`), "Invalid data in request body"},
		{"null span id", evalTable(t, `{"eval_name":"x","eval_type":"SpanEvaluations"}`, []arrow.Field{{Name: "label", Type: str}, {Name: "span_id", Type: str, Nullable: true}}, []string{"span_id"}, `[{"label":"a","span_id":null}]`), "Invalid data in request body"},
		{"label not text", evalTable(t, `{"eval_name":"x","eval_type":"SpanEvaluations"}`, []arrow.Field{{Name: "label", Type: arrow.PrimitiveTypes.Int64}, {Name: "span_id", Type: str}}, []string{"span_id"}, `[{"label":1,"span_id":"s"}]`), "Invalid data in request body"},
	} {
		_, err := ReadEvaluationsArrow(c.data, "", 1<<20)
		if ember.ErrorCode(err) != ember.EUNPROCESSABLE || ember.ErrorMessage(err) != c.want {
			t.Errorf("%s: %v, want 422 %q", c.name, err, c.want)
		}
	}
}

func TestWriteEvaluationsArrow(t *testing.T) {
	score, label := 0.25, "relevant"
	anns := []*ember.Annotation{{Target: ember.AnnotationTargetDocument, SpanID: "s1", DocumentPosition: 2, Score: &score, Label: &label}, {Target: ember.AnnotationTargetDocument, SpanID: "s2"}}
	var buf bytes.Buffer
	if err := WriteEvaluationsArrow(&buf, ember.AnnotationTargetDocument, "relevance", "id-1", anns); err != nil {
		t.Fatal(err)
	}
	spanAnns := []*ember.Annotation{{Target: ember.AnnotationTargetTrace, TraceID: "t1", Label: &label}}
	if err := WriteEvaluationsArrow(&buf, ember.AnnotationTargetTrace, "helpful", "id-2", spanAnns); err != nil {
		t.Fatal(err)
	}
	// Two streams back to back; each reads back as what was written.
	r := bytes.NewReader(buf.Bytes())
	back, err := ReadEvaluationsArrow(nextStream(t, r), "", 1<<20)
	if err != nil || len(back) != 2 || back[0].SpanID != "s1" || back[0].DocumentPosition != 2 || *back[0].Score != 0.25 || *back[0].Label != "relevant" || back[1].Score != nil || back[0].Name != "relevance" {
		t.Fatalf("document table: %+v %v", back, err)
	}
	back, err = ReadEvaluationsArrow(nextStream(t, r), "", 1<<20)
	if err != nil || len(back) != 1 || back[0].TraceID != "t1" || back[0].Target != ember.AnnotationTargetTrace || back[0].Name != "helpful" {
		t.Fatalf("trace table: %+v %v", back, err)
	}
	if r.Len() != 0 {
		t.Fatalf("%d bytes left", r.Len())
	}
}

// nextStream reads one Arrow stream off r and returns its bytes.
func nextStream(t *testing.T, r *bytes.Reader) []byte {
	t.Helper()
	start := int(r.Size()) - r.Len()
	all := make([]byte, r.Size())
	r.ReadAt(all, 0)
	rd, err := ipc.NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	for rd.Next() {
	}
	rd.Release()
	end := int(r.Size()) - r.Len()
	return all[start:end]
}

var _ = io.EOF
