package otelreg_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/emberhq/ember/otelreg"
	"github.com/emberhq/ember/semconv"
)

// TestLiveServer exports to a running `ember serve` (or Phoenix) over both
// transports and reads the spans back through the REST API. It runs only
// when EMBER_TEST_URL names the server's HTTP address, e.g.
//
//	EMBER_TEST_URL=http://localhost:6006 EMBER_TEST_GRPC_PORT=4317 \
//	PHOENIX_API_KEY=… go test -run TestLiveServer ./otelreg
func TestLiveServer(t *testing.T) {
	base := os.Getenv("EMBER_TEST_URL")
	if base == "" {
		t.Skip("EMBER_TEST_URL is not set")
	}
	grpcPort := os.Getenv("EMBER_TEST_GRPC_PORT")
	if grpcPort == "" {
		grpcPort = "4317"
	}
	apiKey := os.Getenv("PHOENIX_API_KEY")
	project := fmt.Sprintf("otelreg-live-%d", time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	for _, p := range []otelreg.Protocol{otelreg.HTTPProtobuf, otelreg.GRPC} {
		// The server address comes from the environment, as users set it:
		// gRPC then goes to PHOENIX_GRPC_PORT on the same host.
		env := map[string]string{"PHOENIX_COLLECTOR_ENDPOINT": base, "PHOENIX_GRPC_PORT": grpcPort}
		tp, err := otelreg.Register(ctx,
			otelreg.WithProtocol(p),
			otelreg.WithProjectName(project),
			otelreg.WithAPIKey(apiKey),
			otelreg.WithLookupEnv(func(k string) (string, bool) {
				v, ok := env[k]
				return v, ok
			}),
		)
		if err != nil {
			t.Fatal(err)
		}
		tracer := tp.Tracer("otelreg_live_test")
		ctx, root := tracer.Start(ctx, "agent "+string(p))
		otelreg.SetAgent(root, "helper")
		otelreg.SetAttrs(root, semconv.SessionID("live-"+project))
		otelreg.SetInput(root, "hello", semconv.MIMEText)
		_, llm := tracer.Start(ctx, "llm "+string(p))
		otelreg.SetLLM(llm, semconv.LLM{
			Model:          "gpt-4o-mini",
			Provider:       "openai",
			InputMessages:  []semconv.Message{{Role: "user", Content: "hello"}},
			OutputMessages: []semconv.Message{{Role: "assistant", Content: "hi"}},
			TokenCounts:    semconv.TokenCounts{Prompt: 5, Completion: 1},
		})
		llm.End()
		root.End()
		if err := tp.Shutdown(ctx); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}

	// Ingestion is asynchronous: poll.
	type span struct {
		Name       string         `json:"name"`
		SpanKind   string         `json:"span_kind"`
		Attributes map[string]any `json:"attributes"`
	}
	var spans []span
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/projects/"+url.PathEscape(project)+"/spans?limit=100", nil)
		if apiKey != "" {
			req.Header.Set("Authorization", "Bearer "+apiKey)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Data []span `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err == nil && resp.StatusCode == http.StatusOK && len(body.Data) == 4 {
			spans = body.Data
			break
		}
	}
	if len(spans) != 4 {
		t.Fatalf("project %s: got %d spans, want 4", project, len(spans))
	}
	for _, s := range spans {
		switch s.Name {
		case "agent http/protobuf", "agent grpc":
			if s.SpanKind != "AGENT" || s.Attributes["agent.name"] != "helper" || s.Attributes["session.id"] != "live-"+project {
				t.Errorf("%s: kind %s, attributes %v", s.Name, s.SpanKind, s.Attributes)
			}
		case "llm http/protobuf", "llm grpc":
			if s.SpanKind != "LLM" ||
				s.Attributes["llm.input_messages.0.message.role"] != "user" ||
				s.Attributes["llm.output_messages.0.message.content"] != "hi" ||
				s.Attributes["llm.token_count.total"] != 6.0 {
				t.Errorf("%s: kind %s, attributes %v", s.Name, s.SpanKind, s.Attributes)
			}
		default:
			t.Errorf("unexpected span %q", s.Name)
		}
	}
}
