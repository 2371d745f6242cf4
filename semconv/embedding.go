package semconv

// Embedding is one text embedded by an embedding model.
type Embedding struct {
	Text   string
	Vector []float64 // OTLP has no float32 arrays
}

// Embeddings returns the embedding.embeddings attributes of embs. Empty
// texts and vectors are left out.
func Embeddings(embs []Embedding) []Attr {
	return appendEmbeddings(nil, embs)
}

func appendEmbeddings(dst []Attr, embs []Embedding) []Attr {
	for i, e := range embs {
		if e.Text != "" {
			dst = append(dst, Attr{EmbeddingKey(i, EmbeddingTextKey), e.Text})
		}
		if e.Vector != nil {
			dst = append(dst, Attr{EmbeddingKey(i, EmbeddingVectorKey), e.Vector})
		}
	}
	return dst
}

// EmbeddingAttrs returns the attributes of an EMBEDDING span: its kind, the
// model name (when not empty) and the embeddings.
func EmbeddingAttrs(model string, embs []Embedding) []Attr {
	attrs := []Attr{SpanKindEmbedding.Attr()}
	if model != "" {
		attrs = append(attrs, Attr{EmbeddingModelNameKey, model})
	}
	return appendEmbeddings(attrs, embs)
}
