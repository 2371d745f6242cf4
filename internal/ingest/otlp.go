package ingest

import (
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/emberhq/ember"
)

// Encoding is the wire form of an OTLP/HTTP request and its response.
type Encoding int

// The OTLP/HTTP encodings.
const (
	Protobuf Encoding = iota // application/x-protobuf
	JSON                     // application/json (OTLP/JSON)
)

// ContentType is the media type of the encoding.
func (e Encoding) ContentType() string {
	if e == JSON {
		return "application/json"
	}
	return "application/x-protobuf"
}

// DecodeRequest decodes an ExportTraceServiceRequest. A malformed body is an
// EINVALID error that says what is wrong.
func DecodeRequest(body []byte, enc Encoding) (ptrace.Traces, error) {
	req := ptraceotlp.NewExportRequest()
	var err error
	if enc == JSON {
		err = req.UnmarshalJSON(body)
	} else {
		err = req.UnmarshalProto(body)
	}
	if err != nil {
		return ptrace.Traces{}, ember.Errorf(ember.EINVALID, "Request body is invalid ExportTraceServiceRequest: %s", err)
	}
	return req.Traces(), nil
}

// EncodeResponse encodes the ExportTraceServiceResponse for a request whose
// invalid spans were rejected: OTLP's partial success names their number
// and the first reasons.
func EncodeResponse(enc Encoding, invalid []InvalidSpan) ([]byte, error) {
	resp := ptraceotlp.NewExportResponse()
	SetPartialSuccess(resp, invalid)
	if enc == JSON {
		return resp.MarshalJSON()
	}
	return resp.MarshalProto()
}

// SetPartialSuccess records rejected spans in resp.
func SetPartialSuccess(resp ptraceotlp.ExportResponse, invalid []InvalidSpan) {
	if len(invalid) == 0 {
		return
	}
	ps := resp.PartialSuccess()
	ps.SetRejectedSpans(int64(len(invalid)))
	ps.SetErrorMessage(RejectionMessage(invalid))
}

// RejectionMessage summarises invalid spans for a partial-success reply.
func RejectionMessage(invalid []InvalidSpan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d invalid span(s) rejected", len(invalid))
	for i, s := range invalid {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(invalid)-i)
			break
		}
		fmt.Fprintf(&b, "; span %q of trace %q: %s", s.SpanID, s.TraceID, s.Reason)
	}
	return b.String()
}
