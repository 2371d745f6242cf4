package semconv

// Document is a document returned by a retriever or passed through a
// reranker.
type Document struct {
	ID      string
	Content string
	// Score is the relevance score, nil when there is none. A pointer
	// because 0 is a meaningful score: write Score: new(0.87).
	Score    *float64
	Metadata map[string]any // recorded as a JSON object string
}

// RetrievalDocuments returns the retrieval.documents attributes of docs.
func RetrievalDocuments(docs []Document) []Attr {
	return appendDocuments(nil, RetrievalDocumentsKey, docs)
}

// RerankerInputDocuments returns the reranker.input_documents attributes of
// docs.
func RerankerInputDocuments(docs []Document) []Attr {
	return appendDocuments(nil, RerankerInputDocumentsKey, docs)
}

// RerankerOutputDocuments returns the reranker.output_documents attributes
// of docs.
func RerankerOutputDocuments(docs []Document) []Attr {
	return appendDocuments(nil, RerankerOutputDocumentsKey, docs)
}

func appendDocuments(dst []Attr, prefix string, docs []Document) []Attr {
	for i, d := range docs {
		base := Indexed(prefix, i, "")
		if d.ID != "" {
			dst = append(dst, Attr{base + DocumentIDKey, d.ID})
		}
		if d.Content != "" {
			dst = append(dst, Attr{base + DocumentContentKey, d.Content})
		}
		if d.Score != nil {
			dst = append(dst, Attr{base + DocumentScoreKey, *d.Score})
		}
		if d.Metadata != nil {
			dst = append(dst, Attr{base + DocumentMetadataKey, JSONText(d.Metadata)})
		}
	}
	return dst
}

// RetrieverAttrs returns the attributes of a RETRIEVER span: its kind, the
// query as a text input (when not empty) and the documents it found.
func RetrieverAttrs(query string, docs []Document) []Attr {
	attrs := []Attr{SpanKindRetriever.Attr()}
	if query != "" {
		attrs = append(attrs, Input(query, MIMEText)...)
	}
	return appendDocuments(attrs, RetrievalDocumentsKey, docs)
}

// Reranker describes a RERANKER span.
type Reranker struct {
	Query           string
	Model           string
	TopK            int64 // 0 leaves reranker.top_k out
	InputDocuments  []Document
	OutputDocuments []Document // best first
}

// Attrs returns the attributes of a RERANKER span, including its kind.
// Empty fields are left out.
func (r Reranker) Attrs() []Attr {
	attrs := []Attr{SpanKindReranker.Attr()}
	if r.Query != "" {
		attrs = append(attrs, Attr{RerankerQueryKey, r.Query})
	}
	if r.Model != "" {
		attrs = append(attrs, Attr{RerankerModelNameKey, r.Model})
	}
	if r.TopK != 0 {
		attrs = append(attrs, Attr{RerankerTopKKey, r.TopK})
	}
	attrs = appendDocuments(attrs, RerankerInputDocumentsKey, r.InputDocuments)
	return appendDocuments(attrs, RerankerOutputDocumentsKey, r.OutputDocuments)
}
