package semconv

// The examples live in package semconv rather than semconv_test because
// the repository's dependency test allows semconv no import but the
// standard library, its own path included.

import "fmt"

func ExampleInputMessageKey() {
	fmt.Println(InputMessageKey(0, MessageRoleKey))
	fmt.Println(OutputMessageKey(0, MessageToolCallKey(1, ToolCallFunctionNameKey)))
	// Output:
	// llm.input_messages.0.message.role
	// llm.output_messages.0.message.tool_calls.1.tool_call.function.name
}

func ExampleLLM_Attrs() {
	llm := LLM{
		Model:    "gpt-4o-mini",
		Provider: "openai",
		InputMessages: []Message{
			{Role: "user", Content: "What's the weather in Paris?"},
		},
		OutputMessages: []Message{{
			Role: "assistant",
			ToolCalls: []ToolCall{
				{ID: "call_1", Name: "get_weather", Arguments: `{"city":"Paris"}`},
			},
		}},
		TokenCounts: TokenCounts{Prompt: 42, Completion: 9},
	}
	for _, a := range llm.Attrs() {
		fmt.Printf("%s = %v\n", a.Key, a.Value)
	}
	// Output:
	// openinference.span.kind = LLM
	// llm.model_name = gpt-4o-mini
	// llm.provider = openai
	// llm.input_messages.0.message.role = user
	// llm.input_messages.0.message.content = What's the weather in Paris?
	// llm.output_messages.0.message.role = assistant
	// llm.output_messages.0.message.tool_calls.0.tool_call.id = call_1
	// llm.output_messages.0.message.tool_calls.0.tool_call.function.name = get_weather
	// llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments = {"city":"Paris"}
	// llm.token_count.prompt = 42
	// llm.token_count.completion = 9
	// llm.token_count.total = 51
}

func ExampleRetrieverAttrs() {
	attrs := RetrieverAttrs("capital of France", []Document{
		{ID: "doc-7", Content: "Paris is the capital of France.", Score: new(0.91)},
	})
	for _, a := range attrs {
		fmt.Printf("%s = %v\n", a.Key, a.Value)
	}
	// Output:
	// openinference.span.kind = RETRIEVER
	// input.value = capital of France
	// input.mime_type = text/plain
	// retrieval.documents.0.document.id = doc-7
	// retrieval.documents.0.document.content = Paris is the capital of France.
	// retrieval.documents.0.document.score = 0.91
}
