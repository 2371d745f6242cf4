package semconv

import "strconv"

// Indexed returns the key of field within element i of the list attribute
// prefix: Indexed("llm.input_messages", 0, "message.role") is
// "llm.input_messages.0.message.role". Field may itself be an indexed key,
// which is how nested lists (tool calls inside messages) are spelt.
func Indexed(prefix string, i int, field string) string {
	return prefix + "." + strconv.Itoa(i) + "." + field
}

// InputMessageKey returns the key of field within input message i, e.g.
// InputMessageKey(0, MessageRoleKey) is "llm.input_messages.0.message.role".
func InputMessageKey(i int, field string) string {
	return Indexed(LLMInputMessagesKey, i, field)
}

// OutputMessageKey returns the key of field within output message i.
func OutputMessageKey(i int, field string) string {
	return Indexed(LLMOutputMessagesKey, i, field)
}

// MessageToolCallKey returns the key, relative to a message, of field within
// the message's tool call j. Combine it with InputMessageKey or
// OutputMessageKey:
//
//	OutputMessageKey(0, MessageToolCallKey(1, ToolCallFunctionNameKey))
//	// llm.output_messages.0.message.tool_calls.1.tool_call.function.name
func MessageToolCallKey(j int, field string) string {
	return Indexed(MessageToolCallsKey, j, field)
}

// MessagePartKey returns the key, relative to a message, of field within
// part j of a multimodal message, e.g. MessagePartKey(0,
// MessageContentTextKey) is "message.contents.0.message_content.text".
func MessagePartKey(j int, field string) string {
	return Indexed(MessageContentsKey, j, field)
}

// LLMToolKey returns the key of field within tool definition i, e.g.
// LLMToolKey(0, ToolJSONSchemaKey) is "llm.tools.0.tool.json_schema".
func LLMToolKey(i int, field string) string {
	return Indexed(LLMToolsKey, i, field)
}

// RetrievalDocumentKey returns the key of field within retrieved document i,
// e.g. "retrieval.documents.2.document.content".
func RetrievalDocumentKey(i int, field string) string {
	return Indexed(RetrievalDocumentsKey, i, field)
}

// RerankerInputDocumentKey returns the key of field within reranker input
// document i.
func RerankerInputDocumentKey(i int, field string) string {
	return Indexed(RerankerInputDocumentsKey, i, field)
}

// RerankerOutputDocumentKey returns the key of field within reranker output
// document i.
func RerankerOutputDocumentKey(i int, field string) string {
	return Indexed(RerankerOutputDocumentsKey, i, field)
}

// EmbeddingKey returns the key of field within embedding i, e.g.
// EmbeddingKey(0, EmbeddingVectorKey) is
// "embedding.embeddings.0.embedding.vector".
func EmbeddingKey(i int, field string) string {
	return Indexed(EmbeddingEmbeddingsKey, i, field)
}
