// Package semconv holds the OpenInference semantic conventions that Ember
// (like Arize Phoenix) reads from OTLP spans: attribute names, span kinds and
// MIME types, helpers that build the indexed keys of list attributes, and
// builders that turn typed values (messages, documents, token counts, …) into
// flat key/value pairs.
//
// OpenInference stores lists by flattening them into dotted keys with a
// numeric segment per element, e.g. llm.input_messages.0.message.role; the
// server nests them again. Structured values that are not lists (metadata,
// invocation parameters, tool parameters) travel as JSON strings.
//
// The package imports only the standard library so that code which does not
// use OpenTelemetry's Go SDK can still produce the right keys; the otelreg
// package converts the builders' output into OpenTelemetry attributes.
package semconv

// Resource attributes.
const (
	// ProjectNameKey names the project that receives a resource's spans.
	// Ember and Phoenix create unknown projects on first use and fall back
	// to the project "default" when it is missing or empty.
	ProjectNameKey = "openinference.project.name"
)

// Span attributes common to every span kind.
const (
	// SpanKindKey holds the OpenInference SpanKind of a span. Spans without
	// it are shown as UNKNOWN.
	SpanKindKey = "openinference.span.kind"

	InputValueKey     = "input.value"     // the span's input, rendered as text
	InputMIMETypeKey  = "input.mime_type" // MIMEText (default) or MIMEJSON
	OutputValueKey    = "output.value"    // the span's output, rendered as text
	OutputMIMETypeKey = "output.mime_type"

	SessionIDKey = "session.id" // groups traces into a conversation
	UserIDKey    = "user.id"
	// MetadataKey holds user-defined key/value pairs as a JSON object string.
	MetadataKey = "metadata"
	// TagTagsKey holds a list of string tags.
	TagTagsKey = "tag.tags"

	// AgentNameKey names the agent an AGENT span runs; agents that do the
	// same job should share a name.
	AgentNameKey = "agent.name"
	// GraphNodeIDKey, GraphNodeNameKey and GraphNodeParentIDKey place a span
	// in an agent's execution graph; an empty parent id marks the root.
	GraphNodeIDKey       = "graph.node.id"
	GraphNodeNameKey     = "graph.node.name"
	GraphNodeParentIDKey = "graph.node.parent_id"

	// PromptVendorKey, PromptIDKey and PromptURLKey locate a prompt kept in
	// a prompt registry.
	PromptVendorKey = "prompt.vendor"
	PromptIDKey     = "prompt.id"
	PromptURLKey    = "prompt.url"
)

// LLM span attributes.
const (
	LLMModelNameKey = "llm.model_name"
	// LLMProviderKey names who hosts the model (e.g. "openai", "azure"); it
	// selects the price table used for cost.
	LLMProviderKey = "llm.provider"
	// LLMSystemKey names the AI product or API family (e.g. "openai").
	LLMSystemKey = "llm.system"
	// LLMInvocationParametersKey holds the request parameters (temperature,
	// max_tokens, …) as a JSON object string.
	LLMInvocationParametersKey = "llm.invocation_parameters"
	// LLMInputMessagesKey and LLMOutputMessagesKey prefix the chat messages
	// sent to and received from the model; see InputMessageKey.
	LLMInputMessagesKey  = "llm.input_messages"
	LLMOutputMessagesKey = "llm.output_messages"
	// LLMToolsKey prefixes the tools offered to the model; see LLMToolKey.
	LLMToolsKey = "llm.tools"
	// LLMFunctionCallKey holds a legacy OpenAI function call as JSON.
	LLMFunctionCallKey = "llm.function_call"
	// LLMPromptsKey and LLMChoicesKey prefix the prompts and choices of a
	// (non-chat) completions API: llm.prompts.N.prompt.text and
	// llm.choices.N.completion.text.
	LLMPromptsKey      = "llm.prompts"
	LLMChoicesKey      = "llm.choices"
	LLMFinishReasonKey = "llm.finish_reason"

	LLMPromptTemplateKey = "llm.prompt_template.template"
	// LLMPromptTemplateVariablesKey holds the template variables as a JSON
	// object string.
	LLMPromptTemplateVariablesKey = "llm.prompt_template.variables"
	LLMPromptTemplateVersionKey   = "llm.prompt_template.version"

	// Token counts. Ember reads prompt and completion to compute cumulative
	// counts and cost, and the *_details keys to price cached, audio and
	// reasoning tokens at their own rates.
	LLMTokenCountPromptKey                     = "llm.token_count.prompt"
	LLMTokenCountCompletionKey                 = "llm.token_count.completion"
	LLMTokenCountTotalKey                      = "llm.token_count.total"
	LLMTokenCountPromptDetailsKey              = "llm.token_count.prompt_details" // prefix
	LLMTokenCountPromptDetailsCacheReadKey     = "llm.token_count.prompt_details.cache_read"
	LLMTokenCountPromptDetailsCacheWriteKey    = "llm.token_count.prompt_details.cache_write"
	LLMTokenCountPromptDetailsCacheInputKey    = "llm.token_count.prompt_details.cache_input"
	LLMTokenCountPromptDetailsAudioKey         = "llm.token_count.prompt_details.audio"
	LLMTokenCountCompletionDetailsKey          = "llm.token_count.completion_details" // prefix
	LLMTokenCountCompletionDetailsReasoningKey = "llm.token_count.completion_details.reasoning"
	LLMTokenCountCompletionDetailsAudioKey     = "llm.token_count.completion_details.audio"
	LLMCostPromptKey                           = "llm.cost.prompt"
	LLMCostCompletionKey                       = "llm.cost.completion"
	LLMCostTotalKey                            = "llm.cost.total"
	LLMCostPromptDetailsKey                    = "llm.cost.prompt_details" // prefix
	LLMCostPromptDetailsInputKey               = "llm.cost.prompt_details.input"
	LLMCostPromptDetailsCacheReadKey           = "llm.cost.prompt_details.cache_read"
	LLMCostPromptDetailsCacheWriteKey          = "llm.cost.prompt_details.cache_write"
	LLMCostPromptDetailsCacheInputKey          = "llm.cost.prompt_details.cache_input"
	LLMCostPromptDetailsAudioKey               = "llm.cost.prompt_details.audio"
	LLMCostCompletionDetailsKey                = "llm.cost.completion_details" // prefix
	LLMCostCompletionDetailsOutputKey          = "llm.cost.completion_details.output"
	LLMCostCompletionDetailsReasoningKey       = "llm.cost.completion_details.reasoning"
	LLMCostCompletionDetailsAudioKey           = "llm.cost.completion_details.audio"
)

// Keys inside one element of llm.input_messages / llm.output_messages.
const (
	MessageRoleKey    = "message.role" // "system", "user", "assistant", "tool", …
	MessageContentKey = "message.content"
	// MessageContentsKey prefixes the parts of a multimodal message; see
	// MessagePartKey.
	MessageContentsKey = "message.contents"
	MessageNameKey     = "message.name"
	// MessageToolCallsKey prefixes the tool calls an assistant message
	// requests; see MessageToolCallKey.
	MessageToolCallsKey = "message.tool_calls"
	// MessageToolCallIDKey is set on a tool-result message to the id of the
	// call it answers.
	MessageToolCallIDKey                = "message.tool_call_id"
	MessageFunctionCallNameKey          = "message.function_call_name"
	MessageFunctionCallArgumentsJSONKey = "message.function_call_arguments_json"
)

// Keys inside one element of message.contents.
const (
	MessageContentTypeKey  = "message_content.type" // "text", "image", …
	MessageContentTextKey  = "message_content.text"
	MessageContentImageKey = "message_content.image" // prefix of ImageURLKey
	ImageURLKey            = "image.url"             // an http(s) or data: URL
	AudioURLKey            = "audio.url"
	AudioMIMETypeKey       = "audio.mime_type"
	AudioTranscriptKey     = "audio.transcript"
)

// Keys inside one element of message.tool_calls.
const (
	ToolCallIDKey                = "tool_call.id"
	ToolCallFunctionNameKey      = "tool_call.function.name"
	ToolCallFunctionArgumentsKey = "tool_call.function.arguments" // JSON text
)

// TOOL span attributes, and the key inside one element of llm.tools.
const (
	ToolNameKey        = "tool.name"
	ToolDescriptionKey = "tool.description"
	// ToolParametersKey holds the arguments of the call as a JSON object
	// string.
	ToolParametersKey = "tool.parameters"
	// ToolIDKey is the id of the tool call the span executes (tool_call.id).
	ToolIDKey = "tool.id"
	// ToolJSONSchemaKey, inside llm.tools.N, holds a tool definition as JSON,
	// preferably in OpenAI's {"type":"function","function":{…}} shape.
	ToolJSONSchemaKey = "tool.json_schema"
)

// RETRIEVER and RERANKER span attributes, and the keys inside one document.
const (
	// RetrievalDocumentsKey prefixes the documents a retriever returns; see
	// RetrievalDocumentKey.
	RetrievalDocumentsKey = "retrieval.documents"

	DocumentIDKey      = "document.id"
	DocumentContentKey = "document.content"
	DocumentScoreKey   = "document.score"
	// DocumentMetadataKey holds a document's metadata as a JSON object
	// string.
	DocumentMetadataKey = "document.metadata"

	RerankerInputDocumentsKey  = "reranker.input_documents"
	RerankerOutputDocumentsKey = "reranker.output_documents"
	RerankerQueryKey           = "reranker.query"
	RerankerModelNameKey       = "reranker.model_name"
	RerankerTopKKey            = "reranker.top_k"
)

// EMBEDDING span attributes, and the keys inside one embedding.
const (
	EmbeddingModelNameKey = "embedding.model_name"
	// EmbeddingEmbeddingsKey prefixes the embeddings a call produced; see
	// EmbeddingKey.
	EmbeddingEmbeddingsKey           = "embedding.embeddings"
	EmbeddingInvocationParametersKey = "embedding.invocation_parameters"
	EmbeddingTextKey                 = "embedding.text"
	EmbeddingVectorKey               = "embedding.vector"
)

// Keys inside one element of llm.prompts and llm.choices.
const (
	PromptTextKey     = "prompt.text"
	CompletionTextKey = "completion.text"
)
