package spanquery

import (
	"fmt"

	"github.com/emberhq/ember"
)

// ParseKey reads the key of a span query's select, explode, concat or
// index: a span field (span_id, latency_ms, start_time, ...) or an
// attribute path (llm.model_name, metadata['tier'],
// attributes[['retrieval', 'documents']]). It returns an ember.Column or an
// ember.Attribute; conditions, literals and annotation terms are errors.
// The name events, a span's event list, is left to the caller.
func ParseKey(key string) (ember.Expr, error) {
	n, err := parse(key)
	if err != nil {
		return nil, err
	}
	switch n.(type) {
	case nameNode, attrNode, indexNode:
	default:
		return nil, &Error{Pos: n.at(), Msg: "a key must be a span field or an attribute path, e.g. llm.model_name"}
	}
	var r resolver
	e, err := r.reference(n)
	if err != nil {
		return nil, err
	}
	switch e := e.(type) {
	case ember.Column:
		if e.Name == ember.ColumnParentSpan {
			return nil, &Error{Pos: 0, Msg: "parent_span can only be tested with 'is None'", Token: "parent_span"}
		}
		return e, nil
	case ember.Attribute:
		return e, nil
	}
	return nil, &Error{Pos: 0, Msg: fmt.Sprintf("'%s' is not a span field or an attribute path", key), Token: key}
}
