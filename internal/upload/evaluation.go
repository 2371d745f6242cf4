package upload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/emberhq/ember"
)

// Evaluations are how Phoenix's older Python clients (px.Client's
// log_evaluations) send LLM judgements: one protobuf message per
// evaluation, or a pandas DataFrame of them as an Arrow stream. Each
// becomes an annotation made by an LLM, with no identifier, from the API.

// The field numbers of Phoenix's phoenix.proto.evaluation.v1 messages.
const (
	evalName    = 1 // Evaluation.name: string
	evalSubject = 2 // Evaluation.subject_id: SubjectId
	evalResult  = 3 // Evaluation.result: Result

	subjectTraceID  = 1 // SubjectId.trace_id: string
	subjectSpanID   = 2 // SubjectId.span_id: string
	subjectDocument = 3 // SubjectId.document_retrieval_id: DocumentRetrievalId

	documentSpanID   = 1 // DocumentRetrievalId.span_id: string
	documentPosition = 2 // DocumentRetrievalId.document_position: int32

	resultScore       = 1 // Result.score: google.protobuf.DoubleValue
	resultLabel       = 2 // Result.label: google.protobuf.StringValue
	resultExplanation = 3 // Result.explanation: google.protobuf.StringValue

	wrapperValue = 1 // the value of a well-known wrapper message
)

// errBadProto is the error of a body that is not an Evaluation message.
var errBadProto = ember.Errorf(ember.EUNPROCESSABLE, "Request body is invalid")

// errBlankName refuses an evaluation without a name.
var errBlankName = ember.Errorf(ember.EUNPROCESSABLE, "Evaluation name must not be blank/empty")

// newEvaluation is an annotation as an evaluation is stored.
func newEvaluation() *ember.Annotation {
	return &ember.Annotation{AnnotatorKind: ember.AnnotatorLLM, Source: ember.AnnotationSourceAPI, Metadata: json.RawMessage("{}")}
}

// eachField calls f with each field of a protobuf message, failing on
// malformed wire data. Groups are skipped as unknown fields are.
func eachField(b []byte, f func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errBadProto
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.Fixed32Type:
			var x32 uint32
			x32, n = protowire.ConsumeFixed32(b)
			x = uint64(x32)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return errBadProto
		}
		b = b[n:]
		if err := f(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

// ParseEvaluationProto decodes one Phoenix Evaluation protobuf message into
// an annotation of its span, trace or retrieved document. A body that is not
// such a message, or one without a name or subject, is EUNPROCESSABLE.
func ParseEvaluationProto(b []byte) (*ember.Annotation, error) {
	a := newEvaluation()
	var subject, result []byte
	haveSubject := false
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if typ != protowire.BytesType {
			if num >= evalName && num <= evalResult {
				return errBadProto
			}
			return nil
		}
		switch num {
		case evalName:
			a.Name = string(v)
		case evalSubject: // a repeated message field merges; the last oneof member wins
			subject = append(subject, v...)
			haveSubject = true
		case evalResult:
			result = append(result, v...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(a.Name) == "" {
		return nil, errBlankName
	}
	a.Name = ember.CleanText(a.Name)
	if !haveSubject {
		return nil, ember.Errorf(ember.EUNPROCESSABLE, "Evaluation %q names no span, trace or document", a.Name)
	}
	var document []byte
	err = eachField(subject, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num < subjectTraceID || num > subjectDocument {
			return nil
		}
		if typ != protowire.BytesType {
			return errBadProto
		}
		switch num {
		case subjectTraceID:
			a.Target, a.TraceID, a.SpanID, document = ember.AnnotationTargetTrace, string(v), "", nil
		case subjectSpanID:
			a.Target, a.SpanID, a.TraceID, document = ember.AnnotationTargetSpan, string(v), "", nil
		case subjectDocument:
			if a.Target != ember.AnnotationTargetDocument {
				document = nil
			}
			a.Target, a.TraceID = ember.AnnotationTargetDocument, ""
			document = append(document, v...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if a.Target == ember.AnnotationTargetDocument {
		a.SpanID = ""
		var position int32
		err = eachField(document, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
			switch {
			case num == documentSpanID && typ == protowire.BytesType:
				a.SpanID = string(v)
			case num == documentPosition && typ == protowire.VarintType:
				position = int32(x)
			case num == documentSpanID || num == documentPosition:
				return errBadProto
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if position < 0 {
			return nil, ember.Errorf(ember.EUNPROCESSABLE, "Evaluation %q: the document position %d is negative", a.Name, position)
		}
		a.DocumentPosition = int64(position)
	}
	if a.Target == "" || strings.TrimSpace(a.TargetKey()) == "" {
		return nil, ember.Errorf(ember.EUNPROCESSABLE, "Evaluation %q names no span, trace or document", a.Name)
	}
	a.SpanID, a.TraceID = strings.TrimSpace(a.SpanID), strings.TrimSpace(a.TraceID)
	err = eachField(result, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num < resultScore || num > resultExplanation {
			return nil
		}
		if typ != protowire.BytesType {
			return errBadProto
		}
		var score *float64
		var text *string
		err := eachField(v, func(n protowire.Number, t protowire.Type, w []byte, x uint64) error {
			if n != wrapperValue {
				return nil
			}
			switch {
			case num == resultScore && t == protowire.Fixed64Type:
				f := math.Float64frombits(x)
				score = &f
			case num != resultScore && t == protowire.BytesType:
				s := ember.CleanText(string(w))
				text = &s
			default:
				return errBadProto
			}
			return nil
		})
		if err != nil {
			return err
		}
		// A present wrapper with its default value holds 0 or "".
		switch num {
		case resultScore:
			if score == nil {
				score = new(float64)
			}
			if math.IsNaN(*score) || math.IsInf(*score, 0) {
				score = nil
			}
			a.Score = score
		case resultLabel:
			if text == nil {
				text = new(string)
			}
			a.Label = text
		case resultExplanation:
			if text == nil {
				text = new(string)
			}
			a.Explanation = text
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// EvaluationTypes maps the eval_type of an Arrow evaluation table to the
// target of its annotations.
var EvaluationTypes = map[string]ember.AnnotationTarget{
	"SpanEvaluations":     ember.AnnotationTargetSpan,
	"TraceEvaluations":    ember.AnnotationTargetTrace,
	"DocumentEvaluations": ember.AnnotationTargetDocument,
}

// evaluationIndex lists, per target, the index columns of an evaluation
// table: for each, the names it may go by, the one written first.
var evaluationIndex = map[ember.AnnotationTarget][][]string{
	ember.AnnotationTargetSpan:     {{"context.span_id", "span_id"}},
	ember.AnnotationTargetTrace:    {{"context.trace_id", "trace_id"}},
	ember.AnnotationTargetDocument: {{"context.span_id", "span_id"}, {"document_position", "position"}},
}

// ErrNotArrow is the error of an evaluation body that is not an Arrow stream.
var ErrNotArrow = ember.Errorf(ember.EUNPROCESSABLE, "Request body is not valid pyarrow")

// errBadEvaluations is the error of an Arrow stream that is not a table of
// evaluations.
var errBadEvaluations = ember.Errorf(ember.EUNPROCESSABLE, "Invalid data in request body")

// ReadEvaluationsArrow reads a table of evaluations sent as an Arrow
// stream: its schema metadata "arize" names the evaluation and its kind;
// name, when not blank, stands in for a missing eval_name (older clients
// sent it as a header). The table's index columns name the targets, and
// its score, label and explanation columns, any of which may be missing
// but not all, hold the results.
func ReadEvaluationsArrow(data []byte, name string, maxBytes int64) ([]*ember.Annotation, error) {
	cols, rows, meta, err := readArrowTable(data, maxBytes)
	if err != nil {
		if ember.ErrorCode(err) == ember.ETOOLARGE {
			return nil, err
		}
		return nil, ErrNotArrow
	}
	var arize struct {
		EvalName *string `json:"eval_name"`
		EvalType string  `json:"eval_type"`
	}
	target := ember.AnnotationTargetSpan
	if raw, ok := meta["arize"]; ok {
		if json.Unmarshal([]byte(raw), &arize) != nil {
			return nil, errBadEvaluations
		}
		if arize.EvalName != nil && strings.TrimSpace(*arize.EvalName) != "" {
			name = *arize.EvalName
		}
		var known bool
		if target, known = EvaluationTypes[arize.EvalType]; !known {
			return nil, errBadEvaluations
		}
	}
	if strings.TrimSpace(name) == "" {
		return nil, errBlankName
	}
	have := map[string]bool{}
	for _, c := range cols {
		have[c] = true
	}
	var index []string
	for _, choices := range evaluationIndex[target] {
		found := ""
		for _, c := range choices {
			if have[c] {
				found = c
				break
			}
		}
		if found == "" {
			return nil, errBadEvaluations
		}
		index = append(index, found)
	}
	if !have["score"] && !have["label"] && !have["explanation"] {
		return nil, errBadEvaluations
	}
	out := make([]*ember.Annotation, 0, len(rows))
	for _, r := range rows {
		a := newEvaluation()
		a.Name, a.Target = ember.CleanText(name), target
		var key string
		if json.Unmarshal(r[index[0]], &key) != nil || strings.TrimSpace(key) == "" {
			return nil, errBadEvaluations
		}
		key = strings.TrimSpace(key)
		if target == ember.AnnotationTargetTrace {
			a.TraceID = key
		} else {
			a.SpanID = key
		}
		if target == ember.AnnotationTargetDocument {
			var pos int32
			if json.Unmarshal(r[index[1]], &pos) != nil || pos < 0 {
				return nil, errBadEvaluations
			}
			a.DocumentPosition = int64(pos)
		}
		if v, ok := r["score"]; ok && string(v) != "null" {
			var f float64
			if json.Unmarshal(v, &f) != nil {
				return nil, errBadEvaluations
			}
			a.Score = &f
		}
		for _, c := range []struct {
			col string
			dst **string
		}{{"label", &a.Label}, {"explanation", &a.Explanation}} {
			if v, ok := r[c.col]; ok && string(v) != "null" {
				var s string
				if json.Unmarshal(v, &s) != nil {
					return nil, errBadEvaluations
				}
				s = ember.CleanText(s)
				*c.dst = &s
			}
		}
		out = append(out, a)
	}
	return out, nil
}

// readArrowTable reads an Arrow stream whole, keeping the index columns
// that ReadArrow leaves out, and returns the schema metadata too.
func readArrowTable(data []byte, maxBytes int64) (columns []string, rows []row, meta map[string]string, err error) {
	alloc := &cappedAllocator{mem: memory.NewGoAllocator(), max: maxBytes}
	defer func() {
		p := recover()
		if p != nil {
			columns, rows, meta = nil, nil, nil
			err = invalid("The Arrow stream is malformed: %v", p)
		}
		if alloc.over && (p != nil || err != nil) {
			err = ember.Errorf(ember.ETOOLARGE, "The Arrow stream decodes to more than the limit of %d bytes", maxBytes)
		}
	}()
	if err := checkArrowStream(data); err != nil {
		return nil, nil, nil, invalid("not an Arrow stream: %v", err)
	}
	rd, err := ipc.NewReader(bytes.NewReader(data), ipc.WithAllocator(alloc),
		ipc.WithMetadataSizeLimit(int64(len(data))), ipc.WithBodySizeLimit(int64(len(data))))
	if err != nil {
		return nil, nil, nil, invalid("not an Arrow stream: %v", err)
	}
	defer rd.Release()
	schema := rd.Schema()
	md := schema.Metadata()
	meta = make(map[string]string, md.Len())
	for i, k := range md.Keys() {
		meta[k] = md.Values()[i]
	}
	for _, f := range schema.Fields() {
		columns = append(columns, f.Name)
	}
	for rd.Next() {
		rec := rd.RecordBatch()
		n := int(rec.NumRows())
		if err := alloc.takeRows(n, len(columns)); err != nil {
			return nil, nil, nil, err
		}
		for c := range columns {
			col := rec.Column(c)
			if v, ok := col.(interface{ ValidateFull() error }); ok {
				if err := v.ValidateFull(); err != nil {
					return nil, nil, nil, invalid("column %q: %v", columns[c], err)
				}
			}
			if col.Len() != n {
				return nil, nil, nil, invalid("column %q is short", columns[c])
			}
		}
		for i := 0; i < n; i++ {
			rw := make(row, len(columns))
			for c, name := range columns {
				rw[name] = cellJSON(rec.Column(c), i)
			}
			rows = append(rows, rw)
		}
	}
	if err := rd.Err(); err != nil {
		return nil, nil, nil, invalid("%v", err)
	}
	return columns, rows, meta, nil
}

// WriteEvaluationsArrow writes annotations of one target and one name as
// an Arrow stream that Phoenix's Python client reads back as evaluations:
// score, label and explanation columns, the targets as the DataFrame's
// index, and the "arize" and "pandas" schema metadata.
func WriteEvaluationsArrow(w io.Writer, target ember.AnnotationTarget, name, evalID string, anns []*ember.Annotation) error {
	var evalType string
	for t, tg := range EvaluationTypes {
		if tg == target {
			evalType = t
		}
	}
	if evalType == "" {
		return fmt.Errorf("upload: no evaluation type for %s annotations", target)
	}
	var indexNames []string
	for _, choices := range evaluationIndex[target] {
		indexNames = append(indexNames, choices[0])
	}
	arize, _ := json.Marshal(map[string]string{"eval_id": evalID, "eval_name": name, "eval_type": evalType})
	type pandasColumn struct {
		Name       *string `json:"name"`
		FieldName  *string `json:"field_name"`
		PandasType string  `json:"pandas_type"`
		NumpyType  string  `json:"numpy_type"`
		Metadata   any     `json:"metadata"`
	}
	str := func(s string) *string { return &s }
	columns := []pandasColumn{
		{str("score"), str("score"), "float64", "float64", nil},
		{str("label"), str("label"), "unicode", "object", nil},
		{str("explanation"), str("explanation"), "unicode", "object", nil},
	}
	fields := []arrow.Field{
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "explanation", Type: arrow.BinaryTypes.String, Nullable: true},
	}
	for _, n := range indexNames {
		if n == "document_position" {
			columns = append(columns, pandasColumn{str(n), str(n), "int64", "int64", nil})
			fields = append(fields, arrow.Field{Name: n, Type: arrow.PrimitiveTypes.Int64})
		} else {
			columns = append(columns, pandasColumn{str(n), str(n), "unicode", "object", nil})
			fields = append(fields, arrow.Field{Name: n, Type: arrow.BinaryTypes.String})
		}
	}
	pandas, _ := json.Marshal(map[string]any{
		"index_columns":  indexNames,
		"column_indexes": []pandasColumn{{nil, nil, "unicode", "object", map[string]string{"encoding": "UTF-8"}}},
		"columns":        columns,
		"creator":        map[string]string{"library": "ember"},
		"pandas_version": "2.2.0",
	})
	md := arrow.NewMetadata([]string{"arize", "pandas"}, []string{string(arize), string(pandas)})
	schema := arrow.NewSchema(fields, &md)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	score := b.Field(0).(*array.Float64Builder)
	label := b.Field(1).(*array.StringBuilder)
	explanation := b.Field(2).(*array.StringBuilder)
	for _, a := range anns {
		if a.Score != nil {
			score.Append(*a.Score)
		} else {
			score.AppendNull()
		}
		for _, c := range []struct {
			b *array.StringBuilder
			v *string
		}{{label, a.Label}, {explanation, a.Explanation}} {
			if c.v != nil {
				c.b.Append(*c.v)
			} else {
				c.b.AppendNull()
			}
		}
		if target == ember.AnnotationTargetTrace {
			b.Field(3).(*array.StringBuilder).Append(a.TraceID)
		} else {
			b.Field(3).(*array.StringBuilder).Append(a.SpanID)
		}
		if target == ember.AnnotationTargetDocument {
			b.Field(4).(*array.Int64Builder).Append(a.DocumentPosition)
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	iw := ipc.NewWriter(w, ipc.WithSchema(schema))
	if err := iw.Write(rec); err != nil {
		return err
	}
	return iw.Close()
}
