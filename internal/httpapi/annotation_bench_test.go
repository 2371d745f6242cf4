package httpapi

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/emberhq/ember"
)

// BenchmarkParseAnnotations measures reading a request of 1,000 span
// annotations, as Phoenix's clients send them.
func BenchmarkParseAnnotations(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`{"data":[`)
	for n := range 1000 {
		if n > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"span_id":"%016x","name":"eval-%d","annotator_kind":"LLM","result":{"label":"correct","score":0.%02d,"explanation":"The answer matches the retrieved documents."},"metadata":{"judge":"gpt-4o-mini","prompt_version":3},"identifier":""}`, n, n%10, n%100)
	}
	buf.WriteString(`]}`)
	body := buf.Bytes()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		anns, issues := parseAnnotations(body, ember.AnnotationTargetSpan)
		if len(issues) > 0 || len(anns) != 1000 {
			b.Fatal(issues)
		}
	}
}
