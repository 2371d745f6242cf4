// Package upload decodes dataset uploads into ember.DatasetUpload: JSON
// bodies, and multipart forms whose file part is CSV (optionally gzip or
// deflate encoded), JSON Lines or an Arrow IPC stream (pandas DataFrames
// from Phoenix's Python client). Every failure is an EUNPROCESSABLE (or,
// for an oversized body, ETOOLARGE) error whose message says what is wrong.
package upload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/emberhq/ember"
)

// invalid returns the error for input that cannot be uploaded.
func invalid(format string, args ...any) error {
	return ember.Errorf(ember.EUNPROCESSABLE, format, args...)
}

// ParseAction reads an upload action; "" is create. The message of an
// unknown action keeps the wording ("dateset") that Phoenix's clients look
// for before falling back to another action.
func ParseAction(s string) (ember.UploadAction, error) {
	switch a := ember.UploadAction(s); a {
	case "":
		return ember.UploadCreate, nil
	case ember.UploadCreate, ember.UploadAppend, ember.UploadUpdate:
		return a, nil
	}
	return "", invalid("Invalid dateset action: %s", s)
}

// jsonBody is a JSON upload.
type jsonBody struct {
	Action      *string           `json:"action"`
	Name        *string           `json:"name"`
	Description *string           `json:"description"`
	Inputs      []json.RawMessage `json:"inputs"`
	Outputs     []json.RawMessage `json:"outputs"`
	Metadata    []json.RawMessage `json:"metadata"`
	Splits      []json.RawMessage `json:"splits"`
	SpanIDs     []json.RawMessage `json:"span_ids"`
	ExampleIDs  []json.RawMessage `json:"example_ids"`
}

// ParseJSON decodes a JSON upload body.
func ParseJSON(body []byte) (*ember.DatasetUpload, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, invalid("The request body is empty")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, invalid("The request body is not a JSON object: %v", err)
	}
	// metadata is the examples' metadata as a list, one per input; as an
	// object it is the dataset's own.
	var datasetMeta json.RawMessage
	if v := bytes.TrimSpace(raw["metadata"]); len(v) > 0 && v[0] == '{' {
		var err error
		if datasetMeta, err = datasetMetadata(v); err != nil {
			return nil, err
		}
		delete(raw, "metadata")
	}
	var b jsonBody
	fields := []struct {
		name string
		dst  any
	}{
		{"action", &b.Action}, {"name", &b.Name}, {"description", &b.Description},
		{"inputs", &b.Inputs}, {"outputs", &b.Outputs}, {"metadata", &b.Metadata},
		{"splits", &b.Splits}, {"span_ids", &b.SpanIDs}, {"example_ids", &b.ExampleIDs},
	}
	for _, f := range fields {
		v, ok := raw[f.name]
		if !ok || string(v) == "null" {
			continue
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			return nil, invalid("%s has the wrong type: %s", f.name, typeName(f.dst))
		}
	}
	up := &ember.DatasetUpload{Description: b.Description, Metadata: datasetMeta}
	var err error
	action := ""
	if b.Action != nil {
		action = *b.Action
	}
	if up.Action, err = ParseAction(action); err != nil {
		return nil, err
	}
	if b.Name == nil || strings.TrimSpace(*b.Name) == "" {
		return nil, invalid("Dataset name is required")
	}
	up.Name = *b.Name
	if _, ok := raw["inputs"]; !ok || b.Inputs == nil {
		return nil, invalid("inputs is required and must be a list of objects")
	}
	n := len(b.Inputs)
	for _, col := range []struct {
		name string
		list []json.RawMessage
	}{{"outputs", b.Outputs}, {"metadata", b.Metadata}, {"splits", b.Splits}, {"span_ids", b.SpanIDs}, {"example_ids", b.ExampleIDs}} {
		if col.list != nil && len(col.list) != n {
			return nil, invalid("%s must have the same length as inputs (%d), not %d", col.name, n, len(col.list))
		}
	}
	up.Examples = make([]ember.NewExample, n)
	seenIDs := map[string]bool{}
	for i := range up.Examples {
		ex := &up.Examples[i]
		if ex.Input, err = object(b.Inputs[i], "inputs", i, false); err != nil {
			return nil, err
		}
		if b.Outputs != nil {
			if ex.Output, err = object(b.Outputs[i], "outputs", i, true); err != nil {
				return nil, err
			}
		} else {
			ex.Output = json.RawMessage("{}")
		}
		if b.Metadata != nil {
			if ex.Metadata, err = object(b.Metadata[i], "metadata", i, true); err != nil {
				return nil, err
			}
		} else {
			ex.Metadata = json.RawMessage("{}")
		}
		if b.Splits != nil {
			if ex.Splits, err = splitNames(b.Splits[i], i); err != nil {
				return nil, err
			}
		}
		if b.SpanIDs != nil {
			if ex.SpanID, err = optionalString(b.SpanIDs[i], "span_ids", i); err != nil {
				return nil, err
			}
		}
		if b.ExampleIDs != nil {
			if ex.ExampleID, err = optionalString(b.ExampleIDs[i], "example_ids", i); err != nil {
				return nil, err
			}
			if ex.ExampleID != "" {
				if seenIDs[ex.ExampleID] {
					return nil, invalid("example_ids must be unique; %q appears more than once", ex.ExampleID)
				}
				seenIDs[ex.ExampleID] = true
			}
		}
	}
	return up, nil
}

// datasetMetadata checks a dataset's metadata: a JSON object, returned
// compacted.
func datasetMetadata(raw json.RawMessage) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	var buf bytes.Buffer
	if len(raw) == 0 || raw[0] != '{' || json.Compact(&buf, raw) != nil || !json.Valid(raw) {
		return nil, invalid("The dataset's metadata must be a JSON object")
	}
	return json.RawMessage(buf.Bytes()), nil
}

func typeName(dst any) string {
	switch dst.(type) {
	case *[]json.RawMessage:
		return "expected a list"
	default:
		return "expected a string"
	}
}

// object checks that raw is a JSON object and returns it compacted; a null
// is {} when nullable.
func object(raw json.RawMessage, field string, i int, nullable bool) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if nullable && (len(raw) == 0 || string(raw) == "null") {
		return json.RawMessage("{}"), nil
	}
	if len(raw) == 0 || raw[0] != '{' {
		return nil, invalid("%s[%d] must be a JSON object", field, i)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, invalid("%s[%d] is not valid JSON", field, i)
	}
	return json.RawMessage(buf.Bytes()), nil
}

// splitNames reads a splits entry: a name, a list of names, or null.
func splitNames(raw json.RawMessage, i int) ([]string, error) {
	var one string
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	if err := json.Unmarshal(raw, &one); err == nil {
		if one = strings.TrimSpace(one); one == "" {
			return nil, nil
		}
		return []string{one}, nil
	}
	var many []*string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, invalid("splits[%d] must be a string, a list of strings or null", i)
	}
	var out []string
	for _, s := range many {
		if s == nil {
			return nil, invalid("splits[%d] must be a string, a list of strings or null", i)
		}
		if name := strings.TrimSpace(*s); name != "" {
			out = append(out, name)
		}
	}
	return out, nil
}

func optionalString(raw json.RawMessage, field string, i int) (string, error) {
	if string(bytes.TrimSpace(raw)) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", invalid("%s[%d] must be a string or null", field, i)
	}
	return strings.TrimSpace(s), nil
}

// Keys say which columns of a table upload go where.
//
// A column whose name starts with its bucket's name and a dot, such as
// input.a.b among the input keys, is stored nested without the prefix
// ({"a":{"b":...}}): that is how dataset CSV downloads name their columns,
// so a download uploads back to the same examples. Other names are kept
// whole.
type Keys struct {
	Input, Output, Metadata []string
	Splits                  []string // columns whose value names a split
	SpanID                  string   // column of source span ids
	ExampleID               string   // column of example ids
	// Flatten lists input, output or metadata columns whose object values
	// are spread into their bucket: their members become keys of it. A
	// value that is not an object (or a string holding one, as CSV cells
	// do) is kept under the column's name.
	Flatten []string
}

// check validates keys against a table's columns: every key must be a
// column and no column may serve twice. With no input keys, every column
// not used otherwise is input.
func (k *Keys) check(columns []string) error {
	have := make(map[string]bool, len(columns))
	for _, c := range columns {
		have[c] = true
	}
	used := map[string]string{}
	var missing []string
	use := func(role string, keys ...string) error {
		for _, key := range keys {
			if key == "" {
				continue
			}
			if !have[key] {
				missing = append(missing, key)
				continue
			}
			if prev, ok := used[key]; ok && prev != role {
				return invalid("Column %q cannot be both %s and %s", key, prev, role)
			}
			used[key] = role
		}
		return nil
	}
	for _, r := range []struct {
		role string
		keys []string
	}{{"input", k.Input}, {"output", k.Output}, {"metadata", k.Metadata}, {"split", k.Splits}, {"span id", []string{k.SpanID}}, {"example id", []string{k.ExampleID}}} {
		if err := use(r.role, r.keys...); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		return invalid("Keys not found in the table's columns: %s", strings.Join(missing, ", "))
	}
	if len(k.Input) == 0 {
		for _, c := range columns {
			if _, ok := used[c]; !ok {
				k.Input = append(k.Input, c)
				used[c] = "input"
			}
		}
	}
	var stray []string
	for _, key := range k.Flatten {
		switch used[key] {
		case "input", "output", "metadata":
		default:
			stray = append(stray, key)
		}
	}
	if len(stray) > 0 {
		return invalid("Flatten keys must be input, output or metadata keys: %s", strings.Join(stray, ", "))
	}
	return nil
}

// row is one record of a table upload: column -> JSON value. A missing or
// blank cell is absent.
type row map[string]json.RawMessage

// example builds an uploaded example from a row.
func (k *Keys) example(r row, i int) (ember.NewExample, error) {
	var ex ember.NewExample
	for _, b := range []struct {
		name string
		keys []string
		dst  *json.RawMessage
	}{{"input", k.Input, &ex.Input}, {"output", k.Output, &ex.Output}, {"metadata", k.Metadata, &ex.Metadata}} {
		v, err := k.pick(r, i, b.name, b.keys)
		if err != nil {
			return ex, err
		}
		*b.dst = v
	}
	for _, key := range k.Splits {
		v, ok := r[key]
		if !ok {
			continue
		}
		names, err := splitNames(v, i)
		if err != nil {
			return ex, err
		}
		ex.Splits = append(ex.Splits, names...)
	}
	for _, c := range []struct {
		key string
		dst *string
	}{{k.SpanID, &ex.SpanID}, {k.ExampleID, &ex.ExampleID}} {
		if v, ok := r[c.key]; ok && c.key != "" {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				s = string(v) // a number or other scalar names itself
			}
			*c.dst = strings.TrimSpace(s)
		}
	}
	return ex, nil
}

// pick builds the JSON object of a bucket from the keys present in r, in
// key order, nesting bucket-prefixed dotted names and spreading flattened
// columns. Two columns giving the same key is an error.
func (k *Keys) pick(r row, i int, bucket string, keys []string) (json.RawMessage, error) {
	var obj builder
	for _, key := range keys {
		v, ok := r[key]
		if !ok {
			continue
		}
		if slices.Contains(k.Flatten, key) {
			if members, ok := objectMembers(v); ok {
				for _, m := range members {
					if !obj.set([]string{m.name}, m.value) {
						return nil, invalid("Row %d: flattening column %q gives %s key %q, which another column gives too", i+1, key, bucket, m.name)
					}
				}
				continue
			}
		}
		path := []string{key}
		if rest, ok := strings.CutPrefix(key, bucket+"."); ok && rest != "" {
			path = strings.Split(rest, ".")
		}
		if !obj.set(path, v) {
			return nil, invalid("Row %d: column %q gives %s key %q, which another column gives too", i+1, key, bucket, strings.Join(path, "."))
		}
	}
	return obj.appendJSON(nil), nil
}

// field is one member of a JSON object.
type field struct {
	name  string
	value json.RawMessage
}

// objectMembers returns the members of v, in order, when v is a JSON
// object or a JSON string holding one.
func objectMembers(v json.RawMessage) ([]field, bool) {
	if len(v) > 0 && v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return nil, false
		}
		v = json.RawMessage(strings.TrimSpace(s))
	}
	if len(v) == 0 || v[0] != '{' {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out []field
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false
		}
		var buf bytes.Buffer
		if json.Compact(&buf, raw) != nil {
			return nil, false
		}
		out = append(out, field{k.(string), buf.Bytes()})
	}
	if _, err := dec.Token(); err != nil || dec.More() {
		return nil, false
	}
	return out, true
}

// builder is a JSON object being built, keeping its keys in the order they
// were first set; values are json.RawMessage or *builder.
type builder struct {
	keys []string
	vals map[string]any
}

// set puts v at path, making the objects on the way. It reports false
// when the path is taken, or runs through a value that is not an object
// built here.
func (o *builder) set(path []string, v json.RawMessage) bool {
	if o.vals == nil {
		o.vals = map[string]any{}
	}
	head := path[0]
	cur, ok := o.vals[head]
	if len(path) == 1 {
		if ok {
			return false
		}
		o.keys = append(o.keys, head)
		o.vals[head] = v
		return true
	}
	child, isObject := cur.(*builder)
	switch {
	case !ok:
		child = &builder{}
		o.keys = append(o.keys, head)
		o.vals[head] = child
	case !isObject:
		return false
	}
	return child.set(path[1:], v)
}

func (o *builder) appendJSON(buf []byte) []byte {
	buf = append(buf, '{')
	for i, k := range o.keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		name, _ := json.Marshal(k)
		buf = append(buf, name...)
		buf = append(buf, ':')
		switch v := o.vals[k].(type) {
		case *builder:
			buf = v.appendJSON(buf)
		case json.RawMessage:
			buf = append(buf, v...)
		}
	}
	return append(buf, '}')
}

// fromRows builds the examples of a table upload.
func fromRows(keys *Keys, rows []row) ([]ember.NewExample, error) {
	examples := make([]ember.NewExample, len(rows))
	seen := map[string]bool{}
	for i, r := range rows {
		ex, err := keys.example(r, i)
		if err != nil {
			return nil, err
		}
		if ex.ExampleID != "" {
			if seen[ex.ExampleID] {
				return nil, invalid("Example ids must be unique; %q appears more than once", ex.ExampleID)
			}
			seen[ex.ExampleID] = true
		}
		examples[i] = ex
	}
	return examples, nil
}

// describe formats a count for messages.
func describe(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}
