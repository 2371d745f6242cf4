package semconv

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Attr is one flat span attribute. The builders in this package only produce
// values of the OTLP attribute types — string, bool, int64, float64,
// []string, []int64 and []float64 — so any telemetry API can record them
// without guessing.
type Attr struct {
	Key   string
	Value any
}

// Input returns input.value and, when mimeType is not empty,
// input.mime_type.
func Input(value, mimeType string) []Attr {
	return valueAttrs(InputValueKey, InputMIMETypeKey, value, mimeType)
}

// Output returns output.value and, when mimeType is not empty,
// output.mime_type.
func Output(value, mimeType string) []Attr {
	return valueAttrs(OutputValueKey, OutputMIMETypeKey, value, mimeType)
}

func valueAttrs(valueKey, mimeKey, value, mimeType string) []Attr {
	attrs := []Attr{{valueKey, value}}
	if mimeType != "" {
		attrs = append(attrs, Attr{mimeKey, mimeType})
	}
	return attrs
}

// EncodeValue renders v for input.value or output.value and picks its MIME
// type. Strings and byte slices are used as they are; anything else is
// encoded as JSON. The MIME type is MIMEJSON when the text is a JSON object
// or array (which is what the UI pretty-prints) and MIMEText otherwise. A
// nil v gives two empty strings.
//
// Values that cannot be encoded as JSON (channels, functions, NaN) fall
// back to their fmt rendering: tracing must not fail the traced code.
func EncodeValue(v any) (value, mimeType string) {
	if v == nil {
		return "", ""
	}
	s := JSONText(v)
	return s, mimeOf(s)
}

// mimeOf is MIMEJSON for the text of a JSON object or array, else MIMEText;
// Ember classifies the values it synthesises from OTel GenAI spans the same
// way.
func mimeOf(s string) string {
	b := bytes.TrimLeft([]byte(s), " \t\r\n")
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') && json.Valid(b) {
		return MIMEJSON
	}
	return MIMEText
}

// JSONText returns v as the JSON text OpenInference expects in attributes
// such as metadata, llm.invocation_parameters and tool.parameters. Strings,
// []byte and json.RawMessage are taken to be JSON already and returned as
// they are; nil gives "". HTML characters are not escaped, so the text stays
// readable in the UI. Values that cannot be encoded fall back to their fmt
// rendering, which the server keeps as a plain string.
func JSONText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.RawMessage:
		return string(v)
	case []byte:
		return string(v)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}))
}

// SessionID returns the session.id attribute, which groups the traces of
// one conversation.
func SessionID(id string) Attr { return Attr{SessionIDKey, id} }

// UserID returns the user.id attribute.
func UserID(id string) Attr { return Attr{UserIDKey, id} }

// Metadata returns the metadata attribute: m as a JSON object string ("{}"
// for a nil map).
func Metadata(m map[string]any) Attr {
	if m == nil {
		return Attr{MetadataKey, "{}"}
	}
	return Attr{MetadataKey, JSONText(m)}
}

// Tags returns the tag.tags attribute.
func Tags(tags ...string) Attr {
	if tags == nil {
		tags = []string{}
	}
	return Attr{TagTagsKey, tags}
}
