package ingest

import (
	"encoding/json"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/emberhq/ember"
)

// FuzzDecodeJSON feeds arbitrary OTLP/JSON bodies through decoding and
// conversion: a bad body must be an EINVALID error, never a panic, and every
// converted span must carry valid JSON.
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"resourceSpans":[{"resource":{"attributes":[{"key":"openinference.project.name","value":{"stringValue":"p"}}]},"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"x","attributes":[{"key":"llm.token_count.prompt","value":{"intValue":"3"}},{"key":"metadata","value":{"stringValue":"{\"a\":1}"}}]}]}]}]}`))
	f.Add([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz","spanId":""}]}]}]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[`))
	conv := &Converter{}
	f.Fuzz(func(t *testing.T, body []byte) {
		td, err := DecodeRequest(body, JSON)
		if err != nil {
			if ember.ErrorCode(err) != ember.EINVALID {
				t.Fatalf("error code %s: %v", ember.ErrorCode(err), err)
			}
			return
		}
		spans, _ := conv.Convert(td, "")
		for _, s := range spans {
			if !json.Valid(s.Attributes) || !json.Valid(s.Events) {
				t.Fatalf("invalid JSON: %s / %s", s.Attributes, s.Events)
			}
		}
	})
}

func TestEncodeResponse(t *testing.T) {
	invalid := []InvalidSpan{{TraceID: "t", SpanID: "", Reason: "span id is empty (all zero)"}}
	for _, enc := range []Encoding{Protobuf, JSON} {
		b, err := EncodeResponse(enc, invalid)
		if err != nil {
			t.Fatal(err)
		}
		resp := ptraceotlp.NewExportResponse()
		if enc == JSON {
			err = resp.UnmarshalJSON(b)
		} else {
			err = resp.UnmarshalProto(b)
		}
		if err != nil {
			t.Fatal(err)
		}
		if resp.PartialSuccess().RejectedSpans() != 1 || resp.PartialSuccess().ErrorMessage() != `1 invalid span(s) rejected; span "" of trace "t": span id is empty (all zero)` {
			t.Fatalf("%v: %d %q", enc, resp.PartialSuccess().RejectedSpans(), resp.PartialSuccess().ErrorMessage())
		}
	}
}
