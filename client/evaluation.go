package client

import (
	"context"
	"encoding/binary"
	"errors"
	"math"

	"github.com/emberhq/ember/api"
)

// EvaluationService calls the evaluation route of older clients. New code
// can use Annotations, which also takes human and code judgements.
type EvaluationService struct {
	client *Client
}

// Log sends evaluations, one request each as the route takes them. They
// are stored in the background, so an evaluation may name a span that has
// not arrived yet.
func (s *EvaluationService) Log(ctx context.Context, evaluations ...api.Evaluation) error {
	for _, e := range evaluations {
		body, err := encodeEvaluation(e)
		if err != nil {
			return err
		}
		if err := s.client.do(ctx, "POST", "/v1/evaluations", nil, rawBody{contentType: "application/x-protobuf", data: body}, nil); err != nil {
			return err
		}
	}
	return nil
}

// The field numbers of the Evaluation protobuf message and its parts.
const (
	evalName, evalSubject, evalResult              = 1, 2, 3
	subjectTraceID, subjectSpanID, subjectDocument = 1, 2, 3
	documentSpanID, documentPosition               = 1, 2
	resultScore, resultLabel, resultExplanation    = 1, 2, 3
	wireVarint, wireFixed64, wireBytes             = 0, 1, 2
	wrapperValue                                   = 1
)

// encodeEvaluation writes e as an Evaluation protobuf message. The
// standard library is enough for these few fields, so the SDK needs no
// protobuf module.
func encodeEvaluation(e api.Evaluation) ([]byte, error) {
	subjects := 0
	for _, set := range []bool{e.SpanID != "", e.TraceID != "", e.Document != nil} {
		if set {
			subjects++
		}
	}
	if e.Name == "" || subjects != 1 {
		return nil, errors.New("evaluation: a name and exactly one of SpanID, TraceID and Document are needed")
	}
	var subject []byte
	switch {
	case e.SpanID != "":
		subject = appendBytes(nil, subjectSpanID, []byte(e.SpanID))
	case e.TraceID != "":
		subject = appendBytes(nil, subjectTraceID, []byte(e.TraceID))
	default:
		doc := appendBytes(nil, documentSpanID, []byte(e.Document.SpanID))
		doc = binary.AppendUvarint(doc, documentPosition<<3|wireVarint)
		doc = binary.AppendUvarint(doc, uint64(int64(e.Document.Position)))
		subject = appendBytes(nil, subjectDocument, doc)
	}
	var result []byte
	if e.Score != nil {
		score := binary.AppendUvarint(nil, wrapperValue<<3|wireFixed64)
		score = binary.LittleEndian.AppendUint64(score, math.Float64bits(*e.Score))
		result = appendBytes(result, resultScore, score)
	}
	if e.Label != nil {
		result = appendBytes(result, resultLabel, appendBytes(nil, wrapperValue, []byte(*e.Label)))
	}
	if e.Explanation != nil {
		result = appendBytes(result, resultExplanation, appendBytes(nil, wrapperValue, []byte(*e.Explanation)))
	}
	msg := appendBytes(nil, evalName, []byte(e.Name))
	msg = appendBytes(msg, evalSubject, subject)
	return appendBytes(msg, evalResult, result), nil
}

// appendBytes appends a length-delimited field.
func appendBytes(b []byte, field int, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(field)<<3|wireBytes)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}
