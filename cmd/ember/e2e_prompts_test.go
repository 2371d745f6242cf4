package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/api"
	"github.com/emberhq/ember/client"
	"github.com/emberhq/ember/prompt"
)

// promptBody is a create request for prompt name whose user message says
// text.
func promptBody(name, text string) string {
	t, _ := json.Marshal(text)
	return `{"prompt":{"name":"` + name + `","description":"about ` + name + `","metadata":{"z":1,"a":2}},
		"version":{"model_provider":"OPENAI","model_name":"gpt-4o-mini","template_type":"CHAT","template_format":"MUSTACHE",
		"template":{"type":"chat","messages":[{"role":"user","content":` + string(t) + `}]},
		"invocation_parameters":{"type":"openai","openai":{"temperature":0.5}}}}`
}

// TestPromptsAPI pins the prompt routes on a running server: bodies,
// status codes and messages, as Phoenix answers them.
func TestPromptsAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startEmber(t, e.env(t))
		expect := func(method, path, body string, status int, want string) string {
			t.Helper()
			got, text, hdr := call(t, method, p.httpURL+path, body)
			if got != status || (want != "" && !strings.Contains(text, want)) {
				t.Fatalf("%s %s: %d %q, want %d containing %q", method, path, got, text, status, want)
			}
			if status == http.StatusNoContent && text != "" {
				t.Fatalf("%s %s: 204 with a body", method, path)
			}
			if status == 200 && hdr.Get("Content-Type") != "application/json" {
				t.Fatalf("%s %s: content type %q", method, path, hdr.Get("Content-Type"))
			}
			return text
		}
		var version struct {
			Data map[string]json.RawMessage `json:"data"`
		}
		created := expect("POST", "/v1/prompts", promptBody("greet", "Hi {{name}}"), 200, `"template_type":"CHAT"`)
		json.Unmarshal([]byte(created), &version)
		var v1 string
		json.Unmarshal(version.Data["id"], &v1)
		// Declared order, description always, no unset members.
		if want := `{"data":{"description":"","model_provider":"OPENAI","model_name":"gpt-4o-mini","template":{"type":"chat","messages":[{"role":"user","content":"Hi {{name}}"}]},"template_type":"CHAT","template_format":"MUSTACHE","invocation_parameters":{"type":"openai","openai":{"temperature":0.5}},"id":"` + v1 + `"}}`; created != want {
			t.Fatalf("created\n got %s\nwant %s", created, want)
		}
		second := expect("POST", "/v1/prompts", promptBody("greet", "Hello {{name}}"), 200, "Hello")
		json.Unmarshal([]byte(second), &version)
		var v2 string
		json.Unmarshal(version.Data["id"], &v2)
		expect("POST", "/v1/prompts", promptBody("other", "x"), 200, "")

		// Prompts, newest first; the second version left the prompt as it was.
		list := expect("GET", "/v1/prompts", "", 200, "")
		promptID := ember.GlobalID("Prompt", 1)
		if !strings.HasPrefix(list, `{"data":[{"name":"other",`) || !strings.Contains(list, `{"name":"greet","description":"about greet","source_prompt_id":null,"metadata":{"z":1,"a":2},"id":"`+promptID+`"}`) {
			t.Fatalf("list %s", list)
		}
		page := expect("GET", "/v1/prompts?limit=1", "", 200, `"next_cursor":"`+promptID+`"`)
		if !strings.Contains(page, `"name":"other"`) {
			t.Fatalf("first page %s", page)
		}
		expect("GET", "/v1/prompts?cursor="+promptID, "", 200, `"name":"greet"`)
		expect("GET", "/v1/prompts?limit=0", "", 422, `"greater_than"`)
		expect("GET", "/v1/prompts?cursor=bad!", "", 422, "Invalid cursor format: bad!")

		// Versions, by name and by GlobalID; latest; by id.
		for _, id := range []string{"greet", promptID} {
			expect("GET", "/v1/prompts/"+url.PathEscape(id)+"/versions", "", 200, `"id":"`+v2+`"},{"description"`)
			expect("GET", "/v1/prompts/"+url.PathEscape(id)+"/latest", "", 200, `"id":"`+v2+`"`)
		}
		expect("GET", "/v1/prompts/greet/versions?limit=1", "", 200, `"next_cursor":"`+v1+`"`)
		expect("GET", "/v1/prompts/greet/versions?limit=1&cursor="+v1, "", 200, `"id":"`+v1+`"}],"next_cursor":null}`)
		expect("GET", "/v1/prompt_versions/"+v1, "", 200, "Hi {{name}}")

		// Tags: add, move, list, get by tag, delete.
		expect("POST", "/v1/prompt_versions/"+v1+"/tags", `{"name":"production","description":"live"}`, 204, "")
		expect("GET", "/v1/prompts/greet/tags/production", "", 200, `"id":"`+v1+`"`)
		expect("GET", "/v1/prompt_versions/"+v1+"/tags", "", 200, `{"data":[{"name":"production","description":"live","id":"`+ember.GlobalID("PromptVersionTag", 1)+`"}],"next_cursor":null}`)
		expect("POST", "/v1/prompt_versions/"+v2+"/tags", `{"name":"production"}`, 204, "")
		expect("GET", "/v1/prompts/greet/tags/production", "", 200, `"id":"`+v2+`"`)
		expect("GET", "/v1/prompt_versions/"+v1+"/tags", "", 200, `{"data":[],"next_cursor":null}`)
		expect("GET", "/v1/prompt_versions/"+v2+"/tags", "", 200, `{"data":[{"name":"production","id":"`)
		expect("POST", "/v1/prompt_versions/"+v2+"/tags", `{"name":"Production"}`, 422, `"string_pattern_mismatch"`)
		expect("POST", "/v1/prompt_versions/"+v2+"/tags", ``, 422, `"missing"`)
		expect("POST", "/v1/prompt_versions/fake-id-x/tags", `{"name":"x"}`, 422, "Invalid prompt version ID")
		expect("POST", "/v1/prompt_versions/"+ember.GlobalID("PromptVersion", 999)+"/tags", `{"name":"x"}`, 404, "Not Found")
		expect("DELETE", "/v1/prompt_versions/"+v1+"/tags/production", "", 204, "") // through any version of the prompt
		expect("GET", "/v1/prompts/greet/tags/production", "", 404, "Not Found")
		expect("DELETE", "/v1/prompt_versions/"+v1+"/tags/production", "", 404, "Not Found")
		expect("DELETE", "/v1/prompt_versions/"+v1+"/tags/Bad", "", 422, "Invalid tag name")

		// Update.
		expect("PATCH", "/v1/prompts/greet", `{"description":"  new  "}`, 200, `{"data":{"name":"greet","description":"new","source_prompt_id":null,"metadata":{"z":1,"a":2},"id":"`+promptID+`"}}`)
		expect("PATCH", "/v1/prompts/"+promptID, `{"metadata":{"k":"v"}}`, 200, `"description":"new","source_prompt_id":null,"metadata":{"k":"v"}`)
		expect("PATCH", "/v1/prompts/greet", `{"description":null}`, 200, `"description":null`)
		expect("PATCH", "/v1/prompts/greet", `{}`, 422, `"value_error"`)
		expect("PATCH", "/v1/prompts/greet", `{"metadata":null}`, 422, `"dict_type"`)
		expect("PATCH", "/v1/prompts/nope", `{"description":"x"}`, 404, "Prompt not found")
		expect("PATCH", "/v1/prompts/No%20Pe", `{"description":"x"}`, 422, "Invalid prompt name")

		// Validation: FastAPI-style JSON naming the field, or Phoenix's text.
		expect("POST", "/v1/prompts", ``, 422, `{"detail":[{"type":"missing","loc":["body"]`)
		expect("POST", "/v1/prompts", `{"prompt":`, 422, `"json_invalid"`)
		bad := strings.Replace(promptBody("greet", "x"), `"temperature":0.5`, `"temprature":0.5`, 1)
		expect("POST", "/v1/prompts", bad, 422, `"loc":["body","version","invocation_parameters","openai","openai","temprature"],"msg":"Extra inputs are not permitted"`)
		bad = strings.Replace(promptBody("Greet Me", "x"), `"Greet Me"`, `"Greet Me"`, 1)
		expect("POST", "/v1/prompts", bad, 422, `"loc":["body","prompt","name"]`)
		bad = strings.Replace(promptBody("greet", "x"), `"template_type":"CHAT"`, `"template_type":"STR"`, 1)
		expect("POST", "/v1/prompts", bad, 422, `"msg":"Value error, Template type does not match template"`)
		bad = strings.Replace(strings.Replace(promptBody("greet", "x"), `"template_type":"CHAT"`, `"template_type":"STR"`, 1),
			`{"type":"chat","messages":[{"role":"user","content":"x"}]}`, `{"type":"string","template":"x"}`, 1)
		expect("POST", "/v1/prompts", bad, 422, "Only CHAT template type is supported for prompts")
		// Legacy discriminators are stored as openai.
		azure := strings.Replace(promptBody("azure", "x"), `{"type":"openai","openai":{"temperature":0.5}}`, `{"type":"azure_openai","azure_openai":{"temperature":"0.5"}}`, 1)
		expect("POST", "/v1/prompts", azure, 200, `"invocation_parameters":{"type":"openai","openai":{"temperature":0.5}}`)

		// The bogus-identifier matrix.
		expect("GET", "/v1/prompts/fake-id-x/versions", "", 200, `{"data":[],"next_cursor":null}`)
		expect("GET", "/v1/prompts/"+ember.GlobalID("Prompt", 999)+"/versions", "", 200, `{"data":[],"next_cursor":null}`)
		expect("GET", "/v1/prompts/fake-id-x/latest", "", 404, "Not Found")
		expect("GET", "/v1/prompts/fake-id-x/tags/test-tag", "", 404, "Not Found")
		expect("GET", "/v1/prompts/greet/tags/test-tag", "", 404, "Not Found")
		expect("GET", "/v1/prompts/Fake%20Id/latest", "", 422, "Invalid prompt name")
		expect("GET", "/v1/prompts/fake-id-x/tags/Test%20Tag", "", 422, "Invalid tag name")
		expect("GET", "/v1/prompt_versions/fake-id-x", "", 422, "Invalid prompt version ID")
		expect("GET", "/v1/prompt_versions/"+promptID, "", 422, "Invalid prompt version ID")
		expect("GET", "/v1/prompt_versions/"+ember.GlobalID("PromptVersion", 999), "", 404, "Not Found")
		expect("GET", "/v1/prompt_versions/fake-id-x/tags", "", 422, "Invalid prompt version ID")
		expect("GET", "/v1/prompt_versions/"+ember.GlobalID("PromptVersion", 999)+"/tags", "", 404, "Prompt version not found")
		expect("DELETE", "/v1/prompts/fake-id-x", "", 404, "Prompt not found")

		// Delete takes the versions and tags along.
		expect("POST", "/v1/prompt_versions/"+v2+"/tags", `{"name":"staging"}`, 204, "")
		expect("DELETE", "/v1/prompts/greet", "", 204, "")
		expect("DELETE", "/v1/prompts/greet", "", 404, "Prompt not found")
		expect("GET", "/v1/prompt_versions/"+v2, "", 404, "Not Found")
		expect("GET", "/v1/prompts/greet/versions", "", 200, `{"data":[],"next_cursor":null}`)
	})
}

// TestPromptSDKAndCLI pushes a prompt with `ember prompt push`, reads it
// with the Go client and formats it with `ember prompt get`.
func TestPromptSDKAndCLI(t *testing.T) {
	p := startEmber(t, engines(t)[0].env(t))
	dir := t.TempDir()
	file := filepath.Join(dir, "support.yaml")
	os.WriteFile(file, []byte(`prompt:
  name: support
version:
  model_provider: ANTHROPIC
  model_name: claude-sonnet-4-5
  template_type: CHAT
  template_format: MUSTACHE
  template:
    type: chat
    messages:
      - role: system
        content: You help customers of {{company}}.
      - role: user
        content: "{{#order}}Order {{id}}: {{/order}}{{question}}"
  invocation_parameters:
    type: anthropic
    anthropic: {max_tokens: 512, temperature: 0}
  tools:
    type: tools
    tools:
      - type: function
        function:
          name: lookup_order
          parameters: {type: object, properties: {id: {type: string}}}
    tool_choice: {type: one_or_more}
`), 0o644)
	ember := func(args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(emberBinary, args...)
		cmd.Env = append(os.Environ(), "PHOENIX_HOST="+p.httpURL, "PHOENIX_API_KEY=", "PHOENIX_CLIENT_HEADERS=")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return stdout.String(), stderr.String(), code
	}
	out, errOut, code := ember("prompt", "push", file, "--tag", "production")
	if code != 0 || !strings.Contains(out, "pushed support: version ") || !strings.Contains(out, "tagged production") {
		t.Fatalf("push: %d %q %q", code, out, errOut)
	}

	ctx := context.Background()
	c, err := client.New(client.WithBaseURL(p.httpURL), client.WithEnviron(func(string) string { return "" }))
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Prompts.Get(ctx, client.PromptSelector{Prompt: "support", Tag: "production"})
	if err != nil {
		t.Fatal(err)
	}
	if v.InvocationParameters.Anthropic == nil || v.InvocationParameters.Anthropic.MaxTokens != 512 || v.Tools.ToolChoice.Type != api.ToolChoiceOneOrMore {
		t.Fatalf("version %+v", v)
	}
	vars := prompt.Variables{"company": "Acme", "question": "Where is it?", "order": map[string]any{"id": "42"}}
	want, err := prompt.AnthropicMessages(v, vars)
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code = ember("prompt", "get", "support", "--tag", "production", "--format", "anthropic",
		"--var", "company=Acme", "--var", "question=Where is it?", "--var", "order.id=42")
	if code != 0 || !jsonSame(t, out, string(want)) {
		t.Fatalf("get --format anthropic: %d %s %s\nwant %s", code, out, errOut, want)
	}
	if !strings.Contains(out, `"system": "You help customers of Acme."`) || !strings.Contains(out, `"content": "Order 42: Where is it?"`) {
		t.Errorf("rendered request %s", out)
	}
	out, _, code = ember("prompt", "get", "--version", v.ID, "--format", "openai", "--var", "company=Acme", "--var", "question=Hi")
	if code != 0 || !strings.Contains(out, `"tool_choice": "required"`) || !strings.Contains(out, `"max_completion_tokens": 512`) {
		t.Errorf("get --format openai: %d %s", code, out)
	}
	_, errOut, code = ember("prompt", "get", "support", "--format", "openai", "--var", "company=Acme")
	if code != 1 || !strings.Contains(errOut, "missing template variables: question") {
		t.Errorf("missing variable: %d %q", code, errOut)
	}
	_, errOut, code = ember("prompt", "get", "nope")
	if code != 1 || !strings.Contains(errOut, "404") {
		t.Errorf("unknown prompt: %d %q", code, errOut)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"model_provider":"OPENAI","model_name":"m","template_type":"CHAT","template_format":"NONE","template":{"type":"chat","messages":[{"role":"robot","content":"x"}]},"invocation_parameters":{"type":"openai","openai":{}}}`), 0o644)
	_, errOut, code = ember("prompt", "push", bad, "--name", "bad")
	if code != 1 || !strings.Contains(errOut, "version.template.chat.messages.0.role") {
		t.Errorf("bad push: %d %q", code, errOut)
	}
	_, _, code = ember("prompt", "push")
	if code != 2 {
		t.Errorf("push without a file: exit %d", code)
	}
	versions, _, err := c.Prompts.Versions(ctx, "support", client.PageFilter{})
	if err != nil || len(versions) != 1 {
		t.Errorf("a refused push stored something: %d %v", len(versions), err)
	}
}

func jsonSame(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y bytes.Buffer
	if json.Compact(&x, []byte(a)) != nil || json.Compact(&y, []byte(b)) != nil {
		return false
	}
	return x.String() == y.String()
}
