package otelreg_test

import (
	"context"
	"log"

	"go.opentelemetry.io/otel/codes"

	"github.com/emberhq/ember/otelreg"
	"github.com/emberhq/ember/semconv"
)

// A traced chat completion sent to `ember serve` on localhost. The endpoint,
// project and API key can also come from PHOENIX_COLLECTOR_ENDPOINT,
// PHOENIX_PROJECT_NAME and PHOENIX_API_KEY.
func ExampleRegister() {
	ctx := context.Background()
	tp, err := otelreg.Register(ctx,
		otelreg.WithEndpoint("http://localhost:6006"), // POST /v1/traces
		otelreg.WithProjectName("support-bot"),
	)
	if err != nil {
		log.Fatal(err)
	}
	// Shutdown exports the spans still queued; without it they are lost.
	defer func() {
		if err := tp.Shutdown(ctx); err != nil {
			log.Print(err)
		}
	}()

	tracer := tp.Tracer("support-bot")
	_, span := tracer.Start(ctx, "ChatCompletion")
	defer span.End()

	input := []semconv.Message{
		{Role: "system", Content: "You are a helpful support agent."},
		{Role: "user", Content: "How do I reset my password?"},
	}
	// … call the model here …
	answer := "Open Settings › Security and choose Reset password."

	otelreg.SetLLM(span, semconv.LLM{
		Model:                "gpt-4o-mini",
		Provider:             "openai",
		System:               "openai",
		InputMessages:        input,
		OutputMessages:       []semconv.Message{{Role: "assistant", Content: answer}},
		InvocationParameters: map[string]any{"temperature": 0.2},
		TokenCounts:          semconv.TokenCounts{Prompt: 31, Completion: 12},
	})
	otelreg.SetInput(span, input[len(input)-1].Content, semconv.MIMEText)
	otelreg.SetOutput(span, answer, semconv.MIMEText)
	otelreg.SetAttrs(span, semconv.SessionID("conversation-42"), semconv.UserID("ada"))
	span.SetStatus(codes.Ok, "")
}

// Exporting over OTLP/gRPC: an address on the gRPC port (4317, or
// PHOENIX_GRPC_PORT) selects gRPC; an API key travels as the
// "authorization" metadata.
func ExampleRegister_grpc() {
	ctx := context.Background()
	tp, err := otelreg.Register(ctx,
		otelreg.WithEndpoint("http://localhost:4317"),
		otelreg.WithAPIKey("my-api-key"),
		otelreg.WithSetGlobal(true), // also serve otel.Tracer(…)
	)
	if err != nil {
		log.Fatal(err)
	}
	defer tp.Shutdown(ctx)

	_, span := tp.Tracer("rag").Start(ctx, "retrieve")
	otelreg.SetRetriever(span, "password reset", []semconv.Document{
		{ID: "kb-17", Content: "To reset your password…", Score: new(0.83)},
	})
	span.End()
}

// An agent step that runs a tool, nested under the agent's span.
func ExampleSetTool() {
	ctx := context.Background()
	tp, err := otelreg.Register(ctx, otelreg.WithProjectName("travel-agent"))
	if err != nil {
		log.Fatal(err)
	}
	defer tp.Shutdown(ctx)
	tracer := tp.Tracer("travel-agent")

	ctx, agent := tracer.Start(ctx, "agent")
	otelreg.SetAgent(agent, "travel-planner")
	defer agent.End()

	_, tool := tracer.Start(ctx, "get_weather")
	otelreg.SetTool(tool, "get_weather", map[string]any{"city": "Lisbon"}, map[string]any{"temp_c": 21})
	tool.End()
}
