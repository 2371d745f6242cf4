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
	up := &ember.DatasetUpload{Description: b.Description}
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
type Keys struct {
	Input, Output, Metadata []string
	Splits                  []string // columns whose value names a split
	SpanID                  string   // column of source span ids
	ExampleID               string   // column of example ids
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
			}
		}
	}
	return nil
}

// row is one record of a table upload: column -> JSON value. A missing or
// blank cell is absent.
type row map[string]json.RawMessage

// example builds an uploaded example from a row.
func (k *Keys) example(r row, i int) (ember.NewExample, error) {
	ex := ember.NewExample{
		Input:    pick(r, k.Input),
		Output:   pick(r, k.Output),
		Metadata: pick(r, k.Metadata),
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

// pick builds a JSON object of the keys present in r, in key order.
func pick(r row, keys []string) json.RawMessage {
	buf := []byte{'{'}
	first := true
	for _, k := range keys {
		v, ok := r[k]
		if !ok {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		name, _ := json.Marshal(k)
		buf = append(buf, name...)
		buf = append(buf, ':')
		buf = append(buf, v...)
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
