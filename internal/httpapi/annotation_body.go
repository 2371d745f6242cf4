package httpapi

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/emberhq/ember"
)

// The request bodies of the annotation and annotation config routes are
// checked as Phoenix's request models check them, so that a bad field is
// answered with the same FastAPI-style 422: the same type, location and
// message. A body is read as JSON objects field by field (fields reads
// one object), since encoding/json alone cannot tell a missing field from
// a null one, nor report every problem at once.

// fields reads the fields of one JSON object of a request body, collecting
// what is wrong with them.
type fields struct {
	obj    map[string]json.RawMessage
	loc    []any           // where the object is: ["body", "data", 0]
	raw    json.RawMessage // the object, echoed by "missing" issues
	issues *[]validationIssue
}

// readObject reads raw as an object at loc; a value that is not one is an
// issue of type typ ("model_type" for a model, "dict_type" for a dict).
func readObject(raw json.RawMessage, loc []any, issues *[]validationIssue) (fields, bool) {
	f := fields{loc: loc, issues: issues}
	raw = bytes.TrimSpace(raw)
	if firstByte(raw) != '{' || json.Unmarshal(raw, &f.obj) != nil {
		*issues = append(*issues, validationIssue{Type: "model_type", Loc: loc, Msg: "Input should be a valid dictionary or object to extract fields from", Input: rawInput(raw)})
		return f, false
	}
	f.raw = raw
	return f, true
}

func (f fields) at(name string) []any { return append(append([]any{}, f.loc...), name) }

func (f fields) add(is validationIssue) { *f.issues = append(*f.issues, is) }

// value returns a field; present is false when it is absent.
func (f fields) value(name string, required bool) (raw json.RawMessage, present bool) {
	raw, ok := f.obj[name]
	if !ok {
		if required {
			f.add(validationIssue{Type: "missing", Loc: f.at(name), Msg: "Field required", Input: rawInput(f.raw)})
		}
		return nil, false
	}
	return raw, true
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// str reads a string field; with nullable a null is nil. ok is false when
// the field is absent (or null and nullable) or wrong.
func (f fields) str(name string, required, nullable bool) (s string, ok bool) {
	raw, present := f.value(name, required)
	if !present || (nullable && isNull(raw)) {
		return "", false
	}
	if err := json.Unmarshal(raw, &s); err != nil || isNull(raw) {
		f.add(validationIssue{Type: "string_type", Loc: f.at(name), Msg: "Input should be a valid string", Input: rawInput(raw)})
		return "", false
	}
	return s, true
}

// optionalString reads a nullable string field into a pointer.
func (f fields) optionalString(name string) *string {
	if s, ok := f.str(name, false, true); ok {
		return &s
	}
	return nil
}

// number reads a nullable float field: a JSON number or a string that
// parses as one, and finite, since JSON cannot carry anything else back.
func (f fields) number(name string) *float64 {
	raw, present := f.value(name, false)
	if !present || isNull(raw) {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err == nil {
		var x float64
		switch n := v.(type) {
		case float64:
			x = n
		case string:
			parsed, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
			if err != nil {
				f.add(validationIssue{Type: "float_parsing", Loc: f.at(name), Msg: "Input should be a valid number, unable to parse string as a number", Input: n})
				return nil
			}
			x = parsed
		default:
			f.add(validationIssue{Type: "float_type", Loc: f.at(name), Msg: "Input should be a valid number", Input: rawInput(raw)})
			return nil
		}
		if math.IsInf(x, 0) || math.IsNaN(x) {
			f.add(validationIssue{Type: "finite_number", Loc: f.at(name), Msg: "Input should be a finite number", Input: rawInput(raw)})
			return nil
		}
		return &x
	}
	// A number too large for float64.
	f.add(validationIssue{Type: "finite_number", Loc: f.at(name), Msg: "Input should be a finite number", Input: string(raw)})
	return nil
}

// integer reads a required int field: a whole JSON number or a string of
// one.
func (f fields) integer(name string) (int64, bool) {
	raw, present := f.value(name, true)
	if !present {
		return 0, false
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err == nil {
		switch n := v.(type) {
		case json.Number:
			if i, err := n.Int64(); err == nil {
				return i, true
			}
			if x, err := n.Float64(); err == nil && x == math.Trunc(x) && math.Abs(x) < 1<<63 {
				return int64(x), true
			}
			f.add(validationIssue{Type: "int_from_float", Loc: f.at(name), Msg: "Input should be a valid integer, got a number with a fractional part", Input: rawInput(raw)})
			return 0, false
		case string:
			if i, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64); err == nil {
				return i, true
			}
			f.add(validationIssue{Type: "int_parsing", Loc: f.at(name), Msg: "Input should be a valid integer, unable to parse string as an integer", Input: n})
			return 0, false
		}
	}
	f.add(validationIssue{Type: "int_type", Loc: f.at(name), Msg: "Input should be a valid integer", Input: rawInput(raw)})
	return 0, false
}

// literal reads a field that must be one of allowed.
func (f fields) literal(name string, required bool, allowed ...string) (string, bool) {
	raw, present := f.value(name, required)
	if !present {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && !isNull(raw) {
		for _, a := range allowed {
			if s == a {
				return s, true
			}
		}
	}
	expected := quotedChoice(allowed)
	f.add(validationIssue{Type: "literal_error", Loc: f.at(name), Msg: "Input should be " + expected, Input: rawInput(raw), Ctx: map[string]any{"expected": expected}})
	return "", false
}

// quotedChoice renders choices as pydantic does: 'A', 'B' or 'C'.
func quotedChoice(choices []string) string {
	quoted := make([]string, len(choices))
	for i, c := range choices {
		quoted[i] = "'" + c + "'"
	}
	if len(quoted) == 1 {
		return quoted[0]
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}

// dataList reads the "data" list of a request body.
func dataList(body json.RawMessage, issues *[]validationIssue) ([]json.RawMessage, bool) {
	top, ok := readObject(body, []any{"body"}, issues)
	if !ok {
		return nil, false
	}
	raw, present := top.value("data", true)
	if !present {
		return nil, false
	}
	var items []json.RawMessage
	if firstByte(raw) != '[' || json.Unmarshal(raw, &items) != nil {
		top.add(validationIssue{Type: "list_type", Loc: top.at("data"), Msg: "Input should be a valid list", Input: rawInput(raw)})
		return nil, false
	}
	return items, true
}

// annotatorKinds are the annotator kinds as request models name them.
var annotatorKinds = []string{string(ember.AnnotatorLLM), string(ember.AnnotatorCode), string(ember.AnnotatorHuman)}

// parseAnnotations reads the body of POST /v1/{span,trace,session,document}_annotations
// into annotations of target, or the issues that make it a 422. A
// well-formed body is decoded in one pass; anything unusual is then read
// field by field, to report exactly what is wrong.
func parseAnnotations(body json.RawMessage, target ember.AnnotationTarget) ([]*ember.Annotation, []validationIssue) {
	if anns, ok := parseAnnotationsFast(body, target); ok {
		return anns, nil
	}
	return parseAnnotationsByField(body, target)
}

// parseAnnotationsByField reads an annotation body field by field,
// reporting every problem as Phoenix's request model would.
func parseAnnotationsByField(body json.RawMessage, target ember.AnnotationTarget) ([]*ember.Annotation, []validationIssue) {
	var issues []validationIssue
	items, ok := dataList(body, &issues)
	if !ok {
		return nil, issues
	}
	anns := make([]*ember.Annotation, 0, len(items))
	for i, raw := range items {
		before := len(issues)
		f, ok := readObject(raw, []any{"body", "data", i}, &issues)
		if !ok {
			continue
		}
		a := &ember.Annotation{Target: target, Source: ember.AnnotationSourceAPI}
		a.Name, _ = f.str("name", true, false)
		kind, _ := f.literal("annotator_kind", true, annotatorKinds...)
		a.AnnotatorKind = ember.AnnotatorKind(kind)
		if raw, present := f.value("result", false); present && !isNull(raw) {
			if r, ok := readObject(raw, f.at("result"), &issues); ok {
				a.Label = r.optionalString("label")
				a.Score = r.number("score")
				a.Explanation = r.optionalString("explanation")
			}
		}
		if raw, present := f.value("metadata", false); present && !isNull(raw) {
			if trimmed := bytes.TrimSpace(raw); firstByte(trimmed) != '{' || !json.Valid(trimmed) {
				f.add(validationIssue{Type: "dict_type", Loc: f.at("metadata"), Msg: "Input should be a valid dictionary", Input: rawInput(raw)})
			} else if cleaned, err := ember.CleanMetadata(trimmed); err != nil {
				f.add(validationIssue{Type: "finite_number", Loc: f.at("metadata"), Msg: "Input should be a finite number", Input: rawInput(raw)})
			} else {
				a.Metadata = cleaned
			}
		}
		if id, ok := f.str("identifier", false, false); ok {
			a.Identifier = id
		}
		switch target {
		case ember.AnnotationTargetTrace:
			a.TraceID, _ = f.str("trace_id", true, false)
		case ember.AnnotationTargetSession:
			a.SessionID, _ = f.str("session_id", true, false)
		default:
			a.SpanID, _ = f.str("span_id", true, false)
		}
		if target == ember.AnnotationTargetDocument {
			a.DocumentPosition, _ = f.integer("document_position")
		}
		if len(issues) == before {
			anns = append(anns, a)
		}
	}
	if len(issues) > 0 {
		return nil, issues
	}
	return anns, nil
}

// fastAnnotation is an annotation as a well-formed request carries it.
// Pointers and raw values tell what is absent or null.
type fastAnnotation struct {
	Name          *string `json:"name"`
	AnnotatorKind *string `json:"annotator_kind"`
	Result        *struct {
		Label       *string  `json:"label"`
		Score       *float64 `json:"score"`
		Explanation *string  `json:"explanation"`
	} `json:"result"`
	Metadata         json.RawMessage `json:"metadata"`
	Identifier       json.RawMessage `json:"identifier"`
	SpanID           *string         `json:"span_id"`
	TraceID          *string         `json:"trace_id"`
	SessionID        *string         `json:"session_id"`
	DocumentPosition *int64          `json:"document_position"`
}

// parseAnnotationsFast decodes a well-formed annotation body in one pass;
// ok is false when anything needs the field-by-field reading: a missing or
// null required field, a value of another type, an unknown annotator kind,
// metadata that is not an object or holds an unstorable number. (It
// matches field names as encoding/json does, ignoring case, so it also
// takes "Name" for "name"; no client sends that.)
func parseAnnotationsFast(body json.RawMessage, target ember.AnnotationTarget) ([]*ember.Annotation, bool) {
	var req struct {
		Data *[]*fastAnnotation `json:"data"`
	}
	if firstByte(body) != '{' || json.Unmarshal(body, &req) != nil || req.Data == nil {
		return nil, false
	}
	anns := make([]*ember.Annotation, len(*req.Data))
	for i, f := range *req.Data {
		if f == nil || f.Name == nil || f.AnnotatorKind == nil || !slices.Contains(annotatorKinds, *f.AnnotatorKind) {
			return nil, false
		}
		a := &ember.Annotation{Target: target, Source: ember.AnnotationSourceAPI, Name: *f.Name, AnnotatorKind: ember.AnnotatorKind(*f.AnnotatorKind)}
		var key *string
		switch target {
		case ember.AnnotationTargetTrace:
			key = f.TraceID
		case ember.AnnotationTargetSession:
			key = f.SessionID
		default:
			key = f.SpanID
		}
		if key == nil {
			return nil, false
		}
		switch target {
		case ember.AnnotationTargetTrace:
			a.TraceID = *key
		case ember.AnnotationTargetSession:
			a.SessionID = *key
		default:
			a.SpanID = *key
		}
		if target == ember.AnnotationTargetDocument {
			if f.DocumentPosition == nil {
				return nil, false
			}
			a.DocumentPosition = *f.DocumentPosition
		}
		if f.Result != nil {
			a.Label, a.Score, a.Explanation = f.Result.Label, f.Result.Score, f.Result.Explanation
		}
		if len(f.Identifier) > 0 && json.Unmarshal(f.Identifier, &a.Identifier) != nil || isNull(f.Identifier) {
			return nil, false
		}
		if len(f.Metadata) > 0 && !isNull(f.Metadata) {
			if firstByte(f.Metadata) != '{' {
				return nil, false
			}
			cleaned, err := ember.CleanMetadata(f.Metadata)
			if err != nil {
				return nil, false
			}
			a.Metadata = cleaned
		}
		anns[i] = a
	}
	return anns, true
}

// parseNote reads the body of POST /v1/{span,trace,session}_notes: the
// target's id (keyField), the note and an optional identifier. The id and
// the note are trimmed and must not be empty then.
func parseNote(body json.RawMessage, keyField string) (key, note, identifier string, issues []validationIssue) {
	top, ok := readObject(body, []any{"body"}, &issues)
	if !ok {
		return "", "", "", issues
	}
	raw, present := top.value("data", true)
	if !present {
		return "", "", "", issues
	}
	f, ok := readObject(raw, []any{"body", "data"}, &issues)
	if !ok {
		return "", "", "", issues
	}
	trimmed := func(name string) string {
		s, ok := f.str(name, true, false)
		if !ok {
			return ""
		}
		s = strings.TrimSpace(s)
		if s == "" {
			f.add(validationIssue{Type: "string_too_short", Loc: f.at(name), Msg: "String should have at least 1 character", Input: "", Ctx: map[string]any{"min_length": 1}})
		}
		return s
	}
	key = trimmed(keyField)
	note = trimmed("note")
	identifier, _ = f.str("identifier", false, false)
	return key, note, identifier, issues
}

// configTypes are the annotation config types as request models name them.
var configTypes = []string{string(ember.AnnotationConfigCategorical), string(ember.AnnotationConfigContinuous), string(ember.AnnotationConfigFreeform)}

var optimizationDirections = []string{string(ember.OptimizeMinimize), string(ember.OptimizeMaximize), string(ember.OptimizeNone)}

// parseAnnotationConfig reads the body of POST and PUT /v1/annotation_configs:
// one config, its type telling which fields it has.
func parseAnnotationConfig(body json.RawMessage) (*ember.AnnotationConfig, []validationIssue) {
	var issues []validationIssue
	raw := bytes.TrimSpace(body)
	var obj map[string]json.RawMessage
	if firstByte(raw) != '{' || json.Unmarshal(raw, &obj) != nil {
		return nil, []validationIssue{{Type: "model_attributes_type", Loc: []any{"body"}, Msg: "Input should be a valid dictionary or object to extract fields from", Input: rawInput(raw)}}
	}
	tagRaw, ok := obj["type"]
	var tag string
	if !ok || json.Unmarshal(tagRaw, &tag) != nil || isNull(tagRaw) {
		if !ok {
			return nil, []validationIssue{{Type: "union_tag_not_found", Loc: []any{"body"}, Msg: "Unable to extract tag using discriminator 'type'", Input: rawInput(raw), Ctx: map[string]any{"discriminator": "'type'"}}}
		}
		tag = string(bytes.TrimSpace(tagRaw))
	}
	expected := strings.Join([]string{"'CATEGORICAL'", "'CONTINUOUS'", "'FREEFORM'"}, ", ")
	if !slices.Contains(configTypes, tag) {
		return nil, []validationIssue{{Type: "union_tag_invalid", Loc: []any{"body"}, Msg: "Input tag '" + tag + "' found using 'type' does not match any of the expected tags: " + expected, Input: rawInput(raw),
			Ctx: map[string]any{"discriminator": "'type'", "tag": tag, "expected_tags": expected}}}
	}
	f, _ := readObject(raw, []any{"body", tag}, &issues)
	c := &ember.AnnotationConfig{Type: ember.AnnotationConfigType(tag)}
	c.Name, _ = f.str("name", true, false)
	c.Description = f.optionalString("description")
	freeform := c.Type == ember.AnnotationConfigFreeform
	if raw, present := f.value("optimization_direction", !freeform); present && !(freeform && isNull(raw)) {
		var d string
		if json.Unmarshal(raw, &d) != nil || isNull(raw) || !slices.Contains(optimizationDirections, d) {
			expected := quotedChoice(optimizationDirections)
			f.add(validationIssue{Type: "enum", Loc: f.at("optimization_direction"), Msg: "Input should be " + expected, Input: rawInput(raw), Ctx: map[string]any{"expected": expected}})
		}
		c.OptimizationDirection = ember.OptimizationDirection(d)
	}
	switch c.Type {
	case ember.AnnotationConfigCategorical:
		if raw, present := f.value("values", true); present {
			var items []json.RawMessage
			if firstByte(raw) != '[' || json.Unmarshal(raw, &items) != nil {
				f.add(validationIssue{Type: "list_type", Loc: f.at("values"), Msg: "Input should be a valid list", Input: rawInput(raw)})
			}
			c.Values = []ember.CategoricalValue{}
			for i, item := range items {
				v, ok := readObject(item, append(f.at("values"), i), &issues)
				if !ok {
					continue
				}
				label, _ := v.str("label", true, false)
				c.Values = append(c.Values, ember.CategoricalValue{Label: label, Score: v.number("score")})
			}
		}
	case ember.AnnotationConfigContinuous:
		c.LowerBound, c.UpperBound = f.number("lower_bound"), f.number("upper_bound")
	case ember.AnnotationConfigFreeform:
		c.Threshold = f.number("threshold")
		c.LowerBound, c.UpperBound = f.number("lower_bound"), f.number("upper_bound")
	}
	if len(issues) > 0 {
		return nil, issues
	}
	return c, nil
}

// firstByte is the first byte of raw after white space, or 0.
func firstByte(raw []byte) byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}
