package prompt

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/emberhq/ember/api"
)

// stored parses a version document the way a server stores it and reads
// it back as the client would.
func stored(t *testing.T, extra map[string]string) *api.PromptVersion {
	t.Helper()
	v, err := ParseVersionData([]byte(version(extra)))
	if err != nil {
		t.Fatal(err)
	}
	pv, err := v.Version("UHJvbXB0VmVyc2lvbjox")
	if err != nil {
		t.Fatal(err)
	}
	return pv
}

const conversation = `{"type":"chat","messages":[
	{"role":"system","content":"You are {{persona}}."},
	{"role":"developer","content":[{"type":"text","text":"Answer in {{lang}}."}]},
	{"role":"user","content":"Weather in {{city}}?"},
	{"role":"ai","content":[{"type":"text","text":"Checking."},{"type":"tool_call","tool_call_id":"call_1","tool_call":{"type":"function","name":"get_weather","arguments":"{\"city\":\"{{city}}\"}"}}]},
	{"role":"tool","content":[{"type":"tool_result","tool_call_id":"call_1","tool_result":{"temp":21}}]},
	{"role":"model","content":"It is 21 degrees."}
]}`

const weatherTools = `{"type":"tools","tools":[
	{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":true}},
	{"type":"raw","raw":{"type":"web_search_preview"}}
],"tool_choice":{"type":"one_or_more"},"disable_parallel_tool_calls":true}`

const answerFormat = `{"type":"json_schema","json_schema":{"name":"answer","description":"The answer","schema":{"type":"object","properties":{"text":{"type":"string"}}},"strict":true}}`

var conversationVars = Variables{"persona": "a forecaster", "lang": "English", "city": "Oslo"}

func compactJSON(t *testing.T, s string) string {
	t.Helper()
	n, err := parseJSON([]byte(s))
	if err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return string(n.raw())
}

func TestOpenAIChatCompletion(t *testing.T) {
	v := stored(t, map[string]string{
		"template":              conversation,
		"invocation_parameters": `{"type":"openai","openai":{"temperature":0.2,"max_completion_tokens":500,"seed":7,"stop":["END"],"reasoning_effort":"low","extra_body":{"store":true,"metadata":{"team":"x"}}}}`,
		"tools":                 weatherTools,
		"response_format":       answerFormat,
	})
	got, err := OpenAIChatCompletion(v, conversationVars)
	if err != nil {
		t.Fatal(err)
	}
	want := compactJSON(t, `{
		"model":"gpt-4o-mini",
		"messages":[
			{"role":"system","content":"You are a forecaster."},
			{"role":"developer","content":[{"text":"Answer in English.","type":"text"}]},
			{"role":"user","content":"Weather in Oslo?"},
			{"role":"assistant","content":[{"text":"Checking.","type":"text"}],"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"{{city}}\"}"}}]},
			{"role":"tool","tool_call_id":"call_1","content":"{\"temp\":21}"},
			{"role":"assistant","content":"It is 21 degrees."}
		],
		"temperature":0.2,"max_completion_tokens":500,"seed":7,"stop":["END"],"reasoning_effort":"low",
		"tools":[
			{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":true}},
			{"type":"web_search_preview"}
		],
		"tool_choice":"required","parallel_tool_calls":false,
		"response_format":{"type":"json_schema","json_schema":{"name":"answer","description":"The answer","schema":{"type":"object","properties":{"text":{"type":"string"}}},"strict":true}},
		"store":true,"metadata":{"team":"x"}
	}`)
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestAnthropicMessages(t *testing.T) {
	v := stored(t, map[string]string{
		"model_provider":        `"ANTHROPIC"`,
		"model_name":            `"claude-sonnet-4-5"`,
		"template":              conversation,
		"invocation_parameters": `{"type":"anthropic","anthropic":{"max_tokens":2048,"temperature":1,"stop_sequences":["END"],"output_config":{"effort":"high"},"thinking":{"type":"enabled","budget_tokens":1024}}}`,
		"tools":                 weatherTools,
		"response_format":       answerFormat,
	})
	got, err := AnthropicMessages(v, conversationVars)
	if err != nil {
		t.Fatal(err)
	}
	want := compactJSON(t, `{
		"model":"claude-sonnet-4-5","max_tokens":2048,
		"system":[{"text":"You are a forecaster.","type":"text"},{"text":"Answer in English.","type":"text"}],
		"messages":[
			{"role":"user","content":"Weather in Oslo?"},
			{"role":"assistant","content":[{"type":"text","text":"Checking."},{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"{{city}}"}}]},
			{"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"{\"temp\":21}"}]},
			{"role":"assistant","content":"It is 21 degrees."}
		],
		"temperature":1,"stop_sequences":["END"],"thinking":{"type":"enabled","budget_tokens":1024},
		"output_config":{"effort":"high","format":{"type":"json_schema","schema":{"type":"object","properties":{"text":{"type":"string"}}}}},
		"tools":[
			{"name":"get_weather","description":"Current weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":true},
			{"type":"web_search_preview"}
		],
		"tool_choice":{"type":"any","disable_parallel_tool_use":true}
	}`)
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestCrossProvider maps one provider's parameters onto the other's
// request.
func TestCrossProvider(t *testing.T) {
	simple := `{"type":"chat","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]}`
	tests := []struct {
		name, params string
		anthropic    bool
		want         string
	}{
		{"openai to anthropic", `{"type":"openai","openai":{"max_tokens":300,"temperature":0.1,"stop":["x"],"seed":1}}`, true,
			`{"model":"m","max_tokens":300,"system":"Be brief.","messages":[{"role":"user","content":"Hi"}],"temperature":0.1,"stop_sequences":["x"]}`},
		{"no limit gets the default", `{"type":"openai","openai":{}}`, true,
			`{"model":"m","max_tokens":1024,"system":"Be brief.","messages":[{"role":"user","content":"Hi"}]}`},
		{"google to anthropic", `{"type":"google","google":{"max_output_tokens":50,"top_p":0.9,"top_k":3}}`, true,
			`{"model":"m","max_tokens":50,"system":"Be brief.","messages":[{"role":"user","content":"Hi"}],"top_p":0.9}`},
		{"anthropic to openai", `{"type":"anthropic","anthropic":{"max_tokens":99,"top_p":0.5,"stop_sequences":["s"],"thinking":{"type":"disabled"}}}`, false,
			`{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],"max_completion_tokens":99,"top_p":0.5,"stop":["s"]}`},
		{"google to openai", `{"type":"google","google":{"max_output_tokens":5,"presence_penalty":0.1,"stop_sequences":["s"]}}`, false,
			`{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],"max_completion_tokens":5,"presence_penalty":0.1,"stop":["s"]}`},
		{"aws to openai", `{"type":"aws","aws":{"max_tokens":7,"temperature":0}}`, false,
			`{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],"temperature":0,"max_tokens":7}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := stored(t, map[string]string{"model_name": `"m"`, "template": simple, "invocation_parameters": tt.params})
			convert := OpenAIChatCompletion
			if tt.anthropic {
				convert = AnthropicMessages
			}
			got, err := convert(v, nil)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestToolChoices(t *testing.T) {
	for _, tt := range []struct{ choice, openai, anthropic string }{
		{`{"type":"none"}`, `"tool_choice":"none"`, `"tool_choice":{"type":"none"}`},
		{`{"type":"zero_or_more"}`, `"tool_choice":"auto"`, `"tool_choice":{"type":"auto"}`},
		{`{"type":"specific_function","function_name":"f"}`, `"tool_choice":{"function":{"name":"f"},"type":"function"}`, `"tool_choice":{"type":"tool","name":"f"}`},
	} {
		tools := `{"type":"tools","tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":` + tt.choice + `}`
		v := stored(t, map[string]string{"tools": tools})
		o, err := OpenAIChatCompletion(v, Variables{"name": "x"})
		if err != nil || !strings.Contains(string(o), tt.openai) {
			t.Errorf("openai %s: %s %v", tt.choice, o, err)
		}
		a, err := AnthropicMessages(v, Variables{"name": "x"})
		if err != nil || !strings.Contains(string(a), tt.anthropic) {
			t.Errorf("anthropic %s: %s %v", tt.choice, a, err)
		}
		if !strings.Contains(string(a), `"input_schema":{"type":"object","properties":{}}`) {
			t.Errorf("anthropic tool without parameters: %s", a)
		}
	}
}

func TestConversionErrors(t *testing.T) {
	for _, tt := range []struct{ template, want string }{
		{`{"type":"chat","messages":[{"role":"tool","content":"plain"}]}`, "a tool message needs a tool_result part"},
		{`{"type":"chat","messages":[{"role":"user","content":[{"type":"tool_call","tool_call_id":"c","tool_call":{"type":"function","name":"f","arguments":"{}"}}]}]}`, "only assistant messages make tool calls"},
	} {
		v := stored(t, map[string]string{"template": tt.template})
		if _, err := OpenAIChatCompletion(v, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("openai %s: %v", tt.template, err)
		}
		if _, err := AnthropicMessages(v, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("anthropic %s: %v", tt.template, err)
		}
	}
	v := stored(t, map[string]string{"template": `{"type":"chat","messages":[{"role":"assistant","content":[{"type":"tool_call","tool_call_id":"c","tool_call":{"type":"function","name":"f","arguments":"[1]"}}]}]}`})
	if _, err := AnthropicMessages(v, nil); err == nil || !strings.Contains(err.Error(), "not a JSON object") {
		t.Errorf("array arguments: %v", err)
	}
	v = stored(t, nil)
	_, err := OpenAIChatCompletion(v, nil)
	var me *MissingVariablesError
	if !errors.As(err, &me) || me.Names[0] != "name" {
		t.Errorf("missing variable: %v", err)
	}
}

func TestStringTemplateAsUserMessage(t *testing.T) {
	v := &api.PromptVersion{PromptVersionData: api.PromptVersionData{
		ModelName: "m", TemplateFormat: api.TemplateFormatFString,
		Template:             api.PromptTemplate{Type: "string", Template: "Summarize {doc}"},
		InvocationParameters: api.OpenAIParameters(api.OpenAIInvocationParameters{}),
	}}
	got, err := OpenAIChatCompletion(v, Variables{"doc": "this"})
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Messages []map[string]string `json:"messages"`
	}
	if err := json.Unmarshal(got, &body); err != nil || body.Messages[0]["content"] != "Summarize this" {
		t.Errorf("%s %v", got, err)
	}
}
