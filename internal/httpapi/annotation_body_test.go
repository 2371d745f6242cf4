package httpapi

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/emberhq/ember"
)

func TestParseAnnotations(t *testing.T) {
	anns, issues := parseAnnotations([]byte(`{"data":[
		{"span_id":"abc","name":"q","annotator_kind":"LLM","result":{"label":"good","score":"0.5","explanation":null},"metadata":{"m":[1]},"identifier":"i"},
		{"span_id":"def","name":"","annotator_kind":"HUMAN","result":null,"metadata":null,"extra":"ignored"}]}`), ember.AnnotationTargetSpan)
	if len(issues) > 0 {
		t.Fatal(issues)
	}
	label, score := "good", 0.5
	want := []*ember.Annotation{
		{Target: ember.AnnotationTargetSpan, SpanID: "abc", Name: "q", AnnotatorKind: ember.AnnotatorLLM, Label: &label, Score: &score, Metadata: json.RawMessage(`{"m":[1]}`), Identifier: "i", Source: ember.AnnotationSourceAPI},
		{Target: ember.AnnotationTargetSpan, SpanID: "def", AnnotatorKind: ember.AnnotatorHuman, Source: ember.AnnotationSourceAPI},
	}
	if diff := cmp.Diff(want, anns); diff != "" {
		t.Fatalf("(-want +got)\n%s", diff)
	}
	doc, issues := parseAnnotations([]byte(`{"data":[{"span_id":"s","document_position":"3","name":"r","annotator_kind":"CODE"},{"span_id":"s","document_position":2.0,"name":"r","annotator_kind":"CODE"}]}`), ember.AnnotationTargetDocument)
	if len(issues) > 0 || doc[0].DocumentPosition != 3 || doc[1].DocumentPosition != 2 {
		t.Fatalf("document positions: %+v %v", doc, issues)
	}
}

func TestParseAnnotationsIssues(t *testing.T) {
	f := func(target ember.AnnotationTarget, body string, want ...string) {
		t.Helper()
		_, issues := parseAnnotations([]byte(body), target)
		var got []string
		for _, is := range issues {
			b, _ := json.Marshal(is.Loc)
			got = append(got, is.Type+" "+string(b)+" "+is.Msg)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", body, diff)
		}
	}
	f(ember.AnnotationTargetSpan, `[]`, `model_type ["body"] Input should be a valid dictionary or object to extract fields from`)
	f(ember.AnnotationTargetSpan, `{}`, `missing ["body","data"] Field required`)
	f(ember.AnnotationTargetSpan, `{"data":{}}`, `list_type ["body","data"] Input should be a valid list`)
	f(ember.AnnotationTargetSpan, `{"data":[1]}`, `model_type ["body","data",0] Input should be a valid dictionary or object to extract fields from`)
	f(ember.AnnotationTargetSpan, `{"data":[{}]}`,
		`missing ["body","data",0,"name"] Field required`,
		`missing ["body","data",0,"annotator_kind"] Field required`,
		`missing ["body","data",0,"span_id"] Field required`)
	f(ember.AnnotationTargetTrace, `{"data":[{"trace_id":1,"name":null,"annotator_kind":"llm","identifier":null}]}`,
		`string_type ["body","data",0,"name"] Input should be a valid string`,
		`literal_error ["body","data",0,"annotator_kind"] Input should be 'LLM', 'CODE' or 'HUMAN'`,
		`string_type ["body","data",0,"identifier"] Input should be a valid string`,
		`string_type ["body","data",0,"trace_id"] Input should be a valid string`)
	f(ember.AnnotationTargetSession, `{"data":[{"session_id":"s","name":"n","annotator_kind":"CODE","result":{"label":1,"score":"high","explanation":[]},"metadata":[]}]}`,
		`string_type ["body","data",0,"result","label"] Input should be a valid string`,
		`float_parsing ["body","data",0,"result","score"] Input should be a valid number, unable to parse string as a number`,
		`string_type ["body","data",0,"result","explanation"] Input should be a valid string`,
		`dict_type ["body","data",0,"metadata"] Input should be a valid dictionary`)
	f(ember.AnnotationTargetSpan, `{"data":[{"span_id":"s","name":"n","annotator_kind":"CODE","result":{"score":true}},{"span_id":"s","name":"n","annotator_kind":"CODE","result":{"score":1e999}}]}`,
		`float_type ["body","data",0,"result","score"] Input should be a valid number`,
		`finite_number ["body","data",1,"result","score"] Input should be a finite number`)
	f(ember.AnnotationTargetSpan, `{"data":[{"span_id":"s","name":"n","annotator_kind":"CODE","result":{"score":"NaN"}}]}`,
		`finite_number ["body","data",0,"result","score"] Input should be a finite number`)
	f(ember.AnnotationTargetDocument, `{"data":[{"span_id":"s","name":"n","annotator_kind":"CODE"},{"span_id":"s","name":"n","annotator_kind":"CODE","document_position":1.5},{"span_id":"s","name":"n","annotator_kind":"CODE","document_position":"x"},{"span_id":"s","name":"n","annotator_kind":"CODE","document_position":false}]}`,
		`missing ["body","data",0,"document_position"] Field required`,
		`int_from_float ["body","data",1,"document_position"] Input should be a valid integer, got a number with a fractional part`,
		`int_parsing ["body","data",2,"document_position"] Input should be a valid integer, unable to parse string as an integer`,
		`int_type ["body","data",3,"document_position"] Input should be a valid integer`)
}

func TestParseNote(t *testing.T) {
	key, note, identifier, issues := parseNote([]byte(`{"data":{"span_id":"  abc ","note":"\n hi \t","identifier":"x"}}`), "span_id")
	if key != "abc" || note != "hi" || identifier != "x" || len(issues) > 0 {
		t.Fatalf("%q %q %q %v", key, note, identifier, issues)
	}
	for body, want := range map[string]string{
		`{}`:                                  `missing data`,
		`{"data":[]}`:                         `model_type data`,
		`{"data":{"span_id":" ","note":"x"}}`: `string_too_short data.span_id`,
		`{"data":{"span_id":"s","note":""}}`:  `string_too_short data.note`,
		`{"data":{"span_id":"s"}}`:            `missing data.note`,
		`{"data":{"span_id":"s","note":3}}`:   `string_type data.note`,
		`{"data":{"span_id":"s","note":"n","identifier":null}}`: `string_type data.identifier`,
	} {
		_, _, _, issues := parseNote([]byte(body), "span_id")
		if len(issues) != 1 {
			t.Errorf("%s: %v", body, issues)
			continue
		}
		loc := ""
		for _, l := range issues[0].Loc[1:] {
			if loc != "" {
				loc += "."
			}
			loc += l.(string)
		}
		if got := issues[0].Type + " " + loc; got != want {
			t.Errorf("%s: %s, want %s", body, got, want)
		}
	}
}

func TestParseAnnotationConfig(t *testing.T) {
	c, issues := parseAnnotationConfig([]byte(`{"name":"q","type":"CATEGORICAL","description":"d","optimization_direction":"MAXIMIZE","values":[{"label":"a","score":1},{"label":"b"}]}`))
	if len(issues) > 0 || c.Type != ember.AnnotationConfigCategorical || *c.Description != "d" || len(c.Values) != 2 || c.Values[1].Score != nil || c.OptimizationDirection != ember.OptimizeMaximize {
		t.Fatalf("%+v %v", c, issues)
	}
	c, issues = parseAnnotationConfig([]byte(`{"name":"f","type":"FREEFORM","optimization_direction":null,"threshold":0.5,"upper_bound":1}`))
	if len(issues) > 0 || c.OptimizationDirection != "" || *c.Threshold != 0.5 || *c.UpperBound != 1 || c.LowerBound != nil {
		t.Fatalf("%+v %v", c, issues)
	}
	for body, want := range map[string]string{
		`[]`:                               `model_attributes_type body`,
		`{"name":"x"}`:                     `union_tag_not_found body`,
		`{"type":"OTHER"}`:                 `union_tag_invalid body`,
		`{"type":5}`:                       `union_tag_invalid body`,
		`{"type":"FREEFORM"}`:              `missing body.FREEFORM.name`,
		`{"type":"CONTINUOUS","name":"c"}`: `missing body.CONTINUOUS.optimization_direction`,
		`{"type":"CONTINUOUS","name":"c","optimization_direction":"UP"}`:                     `enum body.CONTINUOUS.optimization_direction`,
		`{"type":"CATEGORICAL","name":"c","optimization_direction":"NONE"}`:                  `missing body.CATEGORICAL.values`,
		`{"type":"CATEGORICAL","name":"c","optimization_direction":"NONE","values":{}}`:      `list_type body.CATEGORICAL.values`,
		`{"type":"CATEGORICAL","name":"c","optimization_direction":"NONE","values":[{}]}`:    `missing body.CATEGORICAL.values.0.label`,
		`{"type":"CONTINUOUS","name":"c","optimization_direction":"NONE","lower_bound":"x"}`: `float_parsing body.CONTINUOUS.lower_bound`,
	} {
		_, issues := parseAnnotationConfig([]byte(body))
		if len(issues) != 1 {
			t.Errorf("%s: %v", body, issues)
			continue
		}
		loc := ""
		for _, l := range issues[0].Loc {
			if loc != "" {
				loc += "."
			}
			loc += fmtLoc(l)
		}
		if got := issues[0].Type + " " + loc; got != want {
			t.Errorf("%s: %s, want %s", body, got, want)
		}
	}
}

func fmtLoc(l any) string {
	b, _ := json.Marshal(l)
	s := string(b)
	if len(s) > 1 && s[0] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// The fuzz targets check that no body panics a parser, and that what a
// parser accepts is what the store can take: known kinds and types,
// metadata that is a JSON object, finite numbers, and replies that encode.

func FuzzParseAnnotations(f *testing.F) {
	f.Add([]byte(`{"data":[{"span_id":"s","name":"n","annotator_kind":"LLM","result":{"label":"l","score":1.5,"explanation":"e"},"metadata":{"a":[1,{"b":null}]},"identifier":"i","document_position":"7"}]}`), uint8(0))
	f.Add([]byte(`{"data":[{"trace_id":"t","session_id":"s","name":"","annotator_kind":"HUMAN","result":null,"metadata":null}]}`), uint8(1))
	f.Add([]byte(`{"data":[{},null,[],"x",{"result":{"score":"1e309"}}]}`), uint8(3))
	f.Add([]byte(`{"data":{}} `), uint8(2))
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		target := ember.AnnotationTargets[int(which)%len(ember.AnnotationTargets)]
		anns, issues := parseAnnotations(body, target)
		if len(issues) > 0 {
			if anns != nil {
				t.Fatal("annotations returned along with issues")
			}
			if _, err := json.Marshal(map[string]any{"detail": issues}); err != nil {
				t.Fatalf("the 422 does not encode: %v", err)
			}
			return
		}
		for _, a := range anns {
			if a.Target != target || !slices.Contains(ember.AnnotatorKinds, a.AnnotatorKind) || a.Source != ember.AnnotationSourceAPI {
				t.Fatalf("accepted %+v", a)
			}
			if a.Metadata != nil {
				var obj map[string]any
				if json.Unmarshal(a.Metadata, &obj) != nil || obj == nil {
					t.Fatalf("metadata %q is not an object", a.Metadata)
				}
			}
			if a.Score != nil && (math.IsNaN(*a.Score) || math.IsInf(*a.Score, 0)) {
				t.Fatalf("score %v", *a.Score)
			}
			if _, err := json.Marshal(toAnnotationJSON(spanAnnotations, a)); err != nil {
				t.Fatalf("the listing of %+v does not encode: %v", a, err)
			}
		}
	})
}

func FuzzParseNote(f *testing.F) {
	f.Add([]byte(`{"data":{"span_id":" s ","note":" n ","identifier":"i"}}`))
	f.Add([]byte(`{"data":{"span_id":"","note":null}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		key, note, _, issues := parseNote(body, "span_id")
		if len(issues) == 0 && (key == "" || note == "") {
			t.Fatalf("accepted an empty key or note: %q %q", key, note)
		}
	})
}

func FuzzParseAnnotationConfig(f *testing.F) {
	f.Add([]byte(`{"name":"q","type":"CATEGORICAL","optimization_direction":"MAXIMIZE","values":[{"label":"a","score":1}]}`))
	f.Add([]byte(`{"name":"q","type":"CONTINUOUS","optimization_direction":"NONE","lower_bound":0,"upper_bound":"1"}`))
	f.Add([]byte(`{"name":"q","type":"FREEFORM","optimization_direction":null,"threshold":null,"description":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, issues := parseAnnotationConfig(body)
		if len(issues) > 0 {
			if _, err := json.Marshal(map[string]any{"detail": issues}); err != nil {
				t.Fatalf("the 422 does not encode: %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil && ember.ErrorCode(err) != ember.EINVALID {
			t.Fatalf("Validate: %v", err)
		}
		if _, err := json.Marshal(toAnnotationConfigJSON(c)); err != nil {
			t.Fatalf("%+v does not encode: %v", c, err)
		}
	})
}

// FuzzParseAnnotationsFastPath checks that the one-pass decoding agrees
// with the field-by-field reading: what both accept is the same, and the
// fast path accepts nothing the other refuses but for field names in
// another case.
func FuzzParseAnnotationsFastPath(f *testing.F) {
	f.Add([]byte(`{"data":[{"span_id":"s","name":"n","annotator_kind":"LLM","result":{"label":"l","score":1.5,"explanation":null},"metadata":{"a":[1,{"b":null}]},"identifier":"i","document_position":7}]}`), uint8(3))
	f.Add([]byte(`{"data":[{"trace_id":"t","session_id":"s","name":"","annotator_kind":"HUMAN","result":null,"metadata":{"x":1e5}}]}`), uint8(1))
	f.Add([]byte(`{"data":[{"Span_ID":"s","NAME":"n","annotator_kind":"CODE","identifier":null}]}`), uint8(0))
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		target := ember.AnnotationTargets[int(which)%len(ember.AnnotationTargets)]
		fast, ok := parseAnnotationsFast(body, target)
		if !ok || hasCaseVariantKey(body) {
			return
		}
		slow, issues := parseAnnotationsByField(body, target)
		if len(issues) > 0 {
			t.Fatalf("the fast path took what the field reading refuses: %v", issues)
		}
		if diff := cmp.Diff(slow, fast); diff != "" {
			t.Fatalf("(-by field +fast)\n%s", diff)
		}
	})
}

// annotationFields are the field names of annotation bodies.
var annotationFields = []string{"data", "name", "annotator_kind", "result", "label", "score", "explanation", "metadata", "identifier", "span_id", "trace_id", "session_id", "document_position"}

// hasCaseVariantKey reports whether body has an object key that names a
// field of annotation bodies in another case, which encoding/json (and so
// the fast path) matches and Phoenix's models do not.
func hasCaseVariantKey(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	var stack []bool // for each open container: is it an object
	expectKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, true)
				expectKey = true
				continue
			case '[':
				stack = append(stack, false)
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if expectKey {
				for _, f := range annotationFields {
					if v != f && strings.EqualFold(v, f) {
						return true
					}
				}
				expectKey = false
				continue
			}
		}
		expectKey = len(stack) > 0 && stack[len(stack)-1]
	}
}
