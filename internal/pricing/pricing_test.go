package pricing

import (
	"fmt"
	"math"
	"regexp/syntax"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emberhq/ember"
)

var now = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// approx reports whether got equals want up to float rounding.
func approx(got, want float64) bool {
	return math.Abs(got-want) <= 1e-12*math.Max(1, math.Abs(want))
}

func mustParse(t *testing.T, js string) *Table {
	t.Helper()
	tab, err := Parse([]byte(js))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return tab
}

func TestBuiltinParses(t *testing.T) {
	tab := Builtin()
	if tab != Builtin() {
		t.Fatal("Builtin returned two different tables")
	}
	if len(tab.models) < 50 {
		t.Fatalf("builtin has %d models, want at least 50", len(tab.models))
	}
	providers := map[string]bool{"openai": true, "anthropic": true, "google": true, "mistralai": true, "deepseek": true, "xai": true}
	for _, m := range tab.models {
		if !providers[m.provider] {
			t.Errorf("%s: unexpected provider %q", m.name, m.provider)
		}
		if _, ok := m.prompt[TokenInput]; !ok {
			t.Errorf("%s: no input rate", m.name)
		}
		if _, ok := m.completion[TokenOutput]; !ok {
			t.Errorf("%s: no output rate", m.name)
		}
		for _, rates := range []map[string]float64{m.prompt, m.completion, m.longPrompt, m.longCompl} {
			for typ, r := range rates {
				// The dearest list price is o1-pro output at $600/MTok.
				if r < 0 || r > 600e-6 {
					t.Errorf("%s: %s rate %g per token is out of range", m.name, typ, r)
				}
			}
		}
	}
}

func TestBuiltinMatch(t *testing.T) {
	tab := Builtin()
	f := func(name, provider, want string) {
		t.Helper()
		c := tab.Cost(name, provider, now, Usage{Prompt: 1})
		got := ""
		if c != nil {
			got = c.ModelName
		}
		if got != want {
			t.Errorf("Cost(%q, %q).ModelName = %q, want %q", name, provider, got, want)
		}
	}
	// OpenAI: dated variants, mini vs non-mini, case, whitespace, prefixes.
	f("gpt-4o", "openai", "gpt-4o")
	f("gpt-4o-2024-08-06", "openai", "gpt-4o")
	f("gpt-4o-2024-05-13", "openai", "gpt-4o-2024-05-13")
	f("gpt-4o-mini", "openai", "gpt-4o-mini")
	f("gpt-4o-mini-2024-07-18", "openai", "gpt-4o-mini")
	f("GPT-4o-Mini", "", "gpt-4o-mini")
	f("  gpt-4o-mini\t", "", "gpt-4o-mini")
	f("openai/gpt-4.1-nano", "", "gpt-4.1-nano")
	f("gpt-4.1-2025-04-14", "openai", "gpt-4.1")
	f("gpt-4.1-mini-2025-04-14", "openai", "gpt-4.1-mini")
	f("gpt-4-0613", "openai", "gpt-4")
	f("gpt-4-turbo-2024-04-09", "openai", "gpt-4-turbo")
	f("gpt-4-1106-preview", "openai", "gpt-4-turbo")
	f("gpt-35-turbo", "azure", "gpt-3.5-turbo")
	f("gpt-3.5-turbo-0125", "openai", "gpt-3.5-turbo")
	f("gpt-3.5-turbo-1106", "openai", "gpt-3.5-turbo-1106")
	f("o1", "openai", "o1")
	f("o1-mini-2024-09-12", "openai", "o1-mini")
	f("o3", "openai", "o3")
	f("o3-mini-2025-01-31", "openai", "o3-mini")
	f("o4-mini-2025-04-16", "openai", "o4-mini")
	f("gpt-5", "openai", "gpt-5")
	f("gpt-5-2025-08-07", "openai", "gpt-5")
	f("gpt-5-chat-latest", "openai", "gpt-5")
	f("gpt-5-mini-2025-08-07", "openai", "gpt-5-mini")
	f("gpt-5-nano", "openai", "gpt-5-nano")
	f("gpt-5.1", "openai", "gpt-5.1")
	f("gpt-4o-audio-preview", "openai", "gpt-4o-audio-preview")
	f("gpt-4o-mini-audio-preview-2024-12-17", "openai", "gpt-4o-mini-audio-preview")
	f("text-embedding-3-small", "openai", "text-embedding-3-small")
	f("text-embedding-ada-002", "openai", "text-embedding-ada-002")
	// Anthropic: API ids, aliases, Bedrock and Vertex spellings.
	f("claude-3-5-sonnet-20241022", "anthropic", "claude-3-5-sonnet")
	f("claude-3-5-sonnet-latest", "anthropic", "claude-3-5-sonnet")
	f("anthropic.claude-3-5-sonnet-20241022-v2:0", "aws", "claude-3-5-sonnet")
	f("us.anthropic.claude-3-5-sonnet-20240620-v1:0", "aws", "claude-3-5-sonnet")
	f("claude-3-5-sonnet@20240620", "google", "claude-3-5-sonnet")
	f("claude-3-5-sonnet-v2@20241022", "google", "claude-3-5-sonnet")
	f("anthropic/claude-3.5-sonnet", "", "claude-3-5-sonnet")
	f("claude-3-haiku-20240307", "anthropic", "claude-3-haiku")
	f("anthropic.claude-3-haiku-20240307-v1:0:48k", "aws", "claude-3-haiku")
	f("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0", "aws", "claude-3-7-sonnet")
	f("claude-3-5-haiku-20241022", "anthropic", "claude-3-5-haiku")
	f("claude-3-opus@20240229", "google", "claude-3-opus")
	f("claude-3-7-sonnet-20250219", "anthropic", "claude-3-7-sonnet")
	f("claude-sonnet-4-20250514", "anthropic", "claude-sonnet-4")
	f("claude-sonnet-4-0", "anthropic", "claude-sonnet-4")
	f("global.anthropic.claude-sonnet-4-20250514-v1:0", "aws", "claude-sonnet-4")
	f("claude-opus-4-20250514", "anthropic", "claude-opus-4")
	f("claude-opus-4-1-20250805", "anthropic", "claude-opus-4-1")
	f("claude-opus-4-1", "anthropic", "claude-opus-4-1")
	f("claude-opus-4-5-20251101", "anthropic", "claude-opus-4-5")
	f("claude-sonnet-4-5-20250929", "anthropic", "claude-sonnet-4-5")
	f("claude-sonnet-4-5@20250929", "google", "claude-sonnet-4-5")
	f("claude-haiku-4-5", "anthropic", "claude-haiku-4-5")
	f("anthropic.claude-haiku-4-5-20251001-v1:0", "aws", "claude-haiku-4-5")
	// Google.
	f("gemini-1.5-flash", "google", "gemini-1.5-flash")
	f("gemini-1.5-flash-002", "google", "gemini-1.5-flash")
	f("gemini-1.5-flash-8b", "google", "gemini-1.5-flash-8b")
	f("gemini-1.5-pro-002", "google", "gemini-1.5-pro")
	f("gemini-2.0-flash", "google", "gemini-2.0-flash")
	f("models/gemini-2.0-flash-001", "google", "gemini-2.0-flash")
	f("gemini-2.0-flash-lite", "google", "gemini-2.0-flash-lite")
	f("gemini-2.5-flash", "google", "gemini-2.5-flash")
	f("gemini-2.5-flash-lite", "google", "gemini-2.5-flash-lite")
	f("publishers/google/models/gemini-2.5-pro", "google", "gemini-2.5-pro")
	// Others.
	f("mistral-large-2411", "mistralai", "mistral-large-2")
	f("mistral-small-2503", "mistralai", "mistral-small-3")
	f("open-mistral-nemo", "mistralai", "open-mistral-nemo")
	f("deepseek-chat", "deepseek", "deepseek-chat")
	f("deepseek-reasoner", "deepseek", "deepseek-reasoner")
	f("grok-3", "xai", "grok-3")
	f("grok-3-mini", "xai", "grok-3-mini")
	f("grok-4-0709", "xai", "grok-4")
	f("grok-4-fast-reasoning", "xai", "grok-4-fast")
	// No match.
	f("", "openai", "")
	f("   ", "openai", "")
	f("llama-3.3-70b-versatile", "groq", "")
	f("ft:gpt-4o-mini-2024-07-18:acme::abc123", "openai", "")
	f("gpt-4o-mini-2024-07-18-extra", "openai", "")
	f("my-gpt-4o", "openai", "")
	f("gemini-2.5-flash-preview-04-17", "google", "")
	f("mistral-large-latest", "mistralai", "")
	f("/", "", "")
}

func TestBlankAndUnknownAreNil(t *testing.T) {
	tab := Builtin()
	u := Usage{Prompt: 10, Completion: 10}
	for _, name := range []string{"", " ", "\t\n", "unknown-model", "gpt"} {
		if c := tab.Cost(name, "openai", now, u); c != nil {
			t.Errorf("Cost(%q) = %+v, want nil", name, c)
		}
	}
}

func TestProviderPreference(t *testing.T) {
	tab := mustParse(t, `{"models": [
		{"name": "any", "pattern": "m-1", "prompt": {"input": 1}, "completion": {"output": 1}},
		{"name": "azure", "provider": "azure", "pattern": "m-1", "prompt": {"input": 2}, "completion": {"output": 2}},
		{"name": "openai", "provider": "openai", "pattern": "m-1", "prompt": {"input": 3}, "completion": {"output": 3}},
		{"name": "vendor-only", "provider": "openai", "pattern": "m-2", "prompt": {"input": 4}, "completion": {"output": 4}}
	]}`)
	f := func(name, provider, want string) {
		t.Helper()
		c := tab.Cost(name, provider, now, Usage{Prompt: 1})
		if c == nil || c.ModelName != want {
			t.Errorf("Cost(%q, %q) = %+v, want model %q", name, provider, c, want)
		}
	}
	f("m-1", "azure", "azure")
	f("m-1", "AZURE", "azure")
	f("m-1", " openai ", "openai")
	f("m-1", "aws", "any")           // no provider match: the provider-agnostic model
	f("m-1", "", "any")              // equal specificity and start: file order
	f("m-2", "azure", "vendor-only") // last resort: another provider's model
	if c := tab.Cost("m-1", "azure", now, Usage{Prompt: 1}); c.Provider != "azure" {
		t.Errorf("Provider = %q, want azure", c.Provider)
	}
}

func TestSpecificity(t *testing.T) {
	tab := mustParse(t, `{"models": [
		{"name": "broad", "pattern": "gpt-4o.*", "prompt": {"input": 1}, "completion": {"output": 1}},
		{"name": "mini", "pattern": "gpt-4o-mini.*", "prompt": {"input": 2}, "completion": {"output": 2}},
		{"name": "dated", "pattern": "gpt-4o-mini-2024-07-18", "prompt": {"input": 3}, "completion": {"output": 3}}
	]}`)
	f := func(name, want string) {
		t.Helper()
		if c := tab.Cost(name, "", now, Usage{Prompt: 1}); c == nil || c.ModelName != want {
			t.Errorf("Cost(%q) = %+v, want %q", name, c, want)
		}
	}
	f("gpt-4o", "broad")
	f("gpt-4o-2024-08-06", "broad")
	f("gpt-4o-mini", "mini")
	f("gpt-4o-mini-2025", "mini")
	f("gpt-4o-mini-2024-07-18", "dated")

	g := func(pattern string, want int) {
		t.Helper()
		re, err := syntax.Parse(pattern, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if got := literalLen(re); got != want {
			t.Errorf("literalLen(%q) = %d, want %d", pattern, got, want)
		}
	}
	g(`gpt-4o`, 6)
	g(`gpt-4o-2024-05-13`, 17)
	g(`gpt-4o(?:-\d{4}-\d{2}-\d{2})?`, 6)
	g(`gpt-4o-\d{4}`, 7)
	g(`(?i)GPT-4o`, 6)
	g(`a|bcd`, 1)
	g(`(ab){3}`, 6)
	g(`(ab)+c*`, 2)
	g(`claude-3[.-]5-sonnet`, 16)
	g(`.*`, 0)
	g(``, 0)
}

func TestStartTime(t *testing.T) {
	tab := mustParse(t, `{"models": [
		{"name": "old", "pattern": "m", "prompt": {"input": 1}, "completion": {"output": 1}},
		{"name": "new", "pattern": "m", "start": "2025-06-10T00:00:00Z", "prompt": {"input": 2}, "completion": {"output": 2}},
		{"name": "future", "pattern": "m", "start": "2030-01-01T00:00:00Z", "prompt": {"input": 3}, "completion": {"output": 3}},
		{"name": "later-only", "pattern": "n", "start": "2025-01-01T00:00:00Z", "prompt": {"input": 1}, "completion": {"output": 1}}
	]}`)
	f := func(name string, at time.Time, want string) {
		t.Helper()
		c := tab.Cost(name, "", at, Usage{Prompt: 1})
		got := ""
		if c != nil {
			got = c.ModelName
		}
		if got != want {
			t.Errorf("Cost(%q, %v) = %q, want %q", name, at, got, want)
		}
	}
	f("m", time.Date(2025, 6, 9, 23, 59, 59, 0, time.UTC), "old")
	f("m", time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC), "new")
	f("m", now, "new")
	f("m", time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), "future")
	f("m", time.Time{}, "future") // zero time: every start admitted, latest wins
	f("n", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), "")
	f("n", now, "later-only")

	// The built-in o3 price cut of 2025-06-10.
	u := Usage{Prompt: 1_000_000, Completion: 1_000_000}
	before := Builtin().Cost("o3-2025-04-16", "openai", time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), u)
	after := Builtin().Cost("o3-2025-04-16", "openai", time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), u)
	if !approx(before.TotalCost, 50) || !approx(after.TotalCost, 10) {
		t.Errorf("o3 1M+1M tokens cost %v before and %v after the cut, want 50 and 10", before.TotalCost, after.TotalCost)
	}
	// DeepSeek's standard price history.
	for _, tc := range []struct {
		at   time.Time
		want float64
	}{
		{time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), 0.14 + 0.28},
		{time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), 0.27 + 1.10},
		{time.Date(2025, 9, 10, 0, 0, 0, 0, time.UTC), 0.56 + 1.68},
		{now, 0.28 + 0.42},
	} {
		if c := Builtin().Cost("deepseek-chat", "deepseek", tc.at, u); !approx(c.TotalCost, tc.want) {
			t.Errorf("deepseek-chat at %v: cost %v, want %v", tc.at, c.TotalCost, tc.want)
		}
	}
}

func TestFileOrderBreaksTies(t *testing.T) {
	tab := mustParse(t, `{"models": [
		{"name": "first", "pattern": "x-\\d+", "prompt": {"input": 1}, "completion": {"output": 1}},
		{"name": "second", "pattern": "x-[0-9]+", "prompt": {"input": 2}, "completion": {"output": 2}}
	]}`)
	if c := tab.Cost("x-12", "", now, Usage{Prompt: 1}); c.ModelName != "first" {
		t.Errorf("ModelName = %q, want first", c.ModelName)
	}
}

func TestCostDetails(t *testing.T) {
	tab := Builtin()
	type row struct {
		typ    string
		prompt bool
		tokens int64
		cost   float64
	}
	f := func(name string, u Usage, want []row) {
		t.Helper()
		c := tab.Cost(name, "", now, u)
		if c == nil {
			t.Fatalf("Cost(%q) = nil", name)
		}
		var pt, ct int64
		var pc, cc float64
		if len(c.Details) != len(want) {
			t.Fatalf("Cost(%q) details = %+v, want %+v", name, c.Details, want)
		}
		for i, w := range want {
			d := c.Details[i]
			if d.TokenType != w.typ || d.IsPrompt != w.prompt || d.Tokens != w.tokens || !approx(d.Cost, w.cost) {
				t.Errorf("Cost(%q) detail %d = %+v, want %+v", name, i, d, w)
			}
			if w.tokens > 0 && !approx(d.CostPerToken, w.cost/float64(w.tokens)) {
				t.Errorf("Cost(%q) detail %d cost per token %v, want %v", name, i, d.CostPerToken, w.cost/float64(w.tokens))
			}
			if w.prompt {
				pt += w.tokens
				pc += w.cost
			} else {
				ct += w.tokens
				cc += w.cost
			}
		}
		if c.PromptTokens != pt || c.CompletionTokens != ct || c.TotalTokens != pt+ct {
			t.Errorf("Cost(%q) tokens = %d/%d/%d, want %d/%d/%d", name,
				c.PromptTokens, c.CompletionTokens, c.TotalTokens, pt, ct, pt+ct)
		}
		if !approx(c.PromptCost, pc) || !approx(c.CompletionCost, cc) || !approx(c.TotalCost, pc+cc) {
			t.Errorf("Cost(%q) costs = %v/%v/%v, want %v/%v/%v", name,
				c.PromptCost, c.CompletionCost, c.TotalCost, pc, cc, pc+cc)
		}
	}

	// Plain input and output.
	f("gpt-4o", Usage{Prompt: 1000, Completion: 500}, []row{
		{"input", true, 1000, 0.0025},
		{"output", false, 500, 0.005},
	})
	// Cache reads come out of the prompt tokens.
	f("gpt-4o-mini-2024-07-18", Usage{Prompt: 1000, Completion: 200, PromptDetails: map[string]int64{"cache_read": 400}}, []row{
		{"input", true, 600, 0.00009},
		{"cache_read", true, 400, 0.00003},
		{"output", false, 200, 0.00012},
	})
	// Anthropic cache reads and writes.
	f("claude-3-5-sonnet-20241022", Usage{Prompt: 10000, Completion: 1000,
		PromptDetails: map[string]int64{"cache_read": 6000, "cache_write": 2000}}, []row{
		{"input", true, 2000, 0.006},
		{"cache_read", true, 6000, 0.0018},
		{"cache_write", true, 2000, 0.0075},
		{"output", false, 1000, 0.015},
	})
	// Reasoning tokens have no rate of their own: billed at the output rate.
	f("o4-mini", Usage{Prompt: 100, Completion: 1000, CompletionDetails: map[string]int64{"reasoning": 800}}, []row{
		{"input", true, 100, 0.00011},
		{"output", false, 200, 0.00088},
		{"reasoning", false, 800, 0.00352},
	})
	// Audio on both sides with their own rates.
	f("gpt-4o-audio-preview", Usage{Prompt: 1000, Completion: 500,
		PromptDetails: map[string]int64{"audio": 300}, CompletionDetails: map[string]int64{"audio": 400}}, []row{
		{"input", true, 700, 0.00175},
		{"audio", true, 300, 0.012},
		{"output", false, 100, 0.001},
		{"audio", false, 400, 0.032},
	})
	// Gemini prompt audio has its own rate; image tokens fall back to input.
	f("gemini-2.0-flash", Usage{Prompt: 1000, Completion: 10,
		PromptDetails: map[string]int64{"audio": 200, "image": 300, "cache_read": 0, "video": -5}}, []row{
		{"input", true, 500, 0.00005},
		{"audio", true, 200, 0.00014},
		{"image", true, 300, 0.00003},
		{"output", false, 10, 0.000004},
	})
	// Long-context tier: above 200k prompt tokens every rate listed changes.
	f("gemini-2.5-pro", Usage{Prompt: 250_000, Completion: 1000, PromptDetails: map[string]int64{"cache_read": 50_000}}, []row{
		{"input", true, 200_000, 0.5},
		{"cache_read", true, 50_000, 0.0125},
		{"output", false, 1000, 0.015},
	})
	f("gemini-2.5-pro", Usage{Prompt: 200_000, Completion: 1000}, []row{
		{"input", true, 200_000, 0.25},
		{"output", false, 1000, 0.01},
	})
	f("claude-sonnet-4-20250514", Usage{Prompt: 300_000, Completion: 100, PromptDetails: map[string]int64{"cache_read": 100_000}}, []row{
		{"input", true, 200_000, 1.2},
		{"cache_read", true, 100_000, 0.06},
		{"output", false, 100, 0.00225},
	})
	// Details larger than the prompt count: no remainder, details still priced.
	f("gpt-4o", Usage{Prompt: 100, PromptDetails: map[string]int64{"cache_read": 150}}, []row{
		{"cache_read", true, 150, 0.0001875},
	})
	// A detail named like the base type replaces the remainder row (as Phoenix).
	f("gpt-4o", Usage{Prompt: 1000, PromptDetails: map[string]int64{"input": 300, "cache_read": 100}}, []row{
		{"input", true, 300, 0.00075},
		{"cache_read", true, 100, 0.000125},
	})
	// Negative counts are zero; embeddings have a zero output rate.
	f("text-embedding-3-small", Usage{Prompt: 1_000_000, Completion: -3}, []row{
		{"input", true, 1_000_000, 0.02},
	})
	f("text-embedding-3-large", Usage{Prompt: 10, Completion: 10}, []row{
		{"input", true, 10, 0.0000013},
		{"output", false, 10, 0},
	})
}

func TestNoTokensIsNil(t *testing.T) {
	tab := Builtin()
	for _, u := range []Usage{
		{},
		{Prompt: -1, Completion: -5},
		{PromptDetails: map[string]int64{"cache_read": 0}, CompletionDetails: map[string]int64{"reasoning": -1}},
	} {
		if c := tab.Cost("gpt-4o", "openai", now, u); c != nil {
			t.Errorf("Cost(%+v) = %+v, want nil", u, c)
		}
	}
}

func TestHugeCountsSaturate(t *testing.T) {
	u := Usage{Prompt: math.MaxInt64, Completion: math.MaxInt64,
		PromptDetails: map[string]int64{"cache_read": math.MaxInt64, "audio": math.MaxInt64}}
	c := Builtin().Cost("gpt-4o", "", now, u)
	if c.PromptTokens != math.MaxInt64 || c.TotalTokens != math.MaxInt64 {
		t.Errorf("tokens = %d/%d, want saturated", c.PromptTokens, c.TotalTokens)
	}
	for _, d := range c.Details {
		if d.Tokens < 0 || d.Cost < 0 {
			t.Errorf("negative detail %+v", d)
		}
	}
}

func TestResultIsFresh(t *testing.T) {
	tab := Builtin()
	u := Usage{Prompt: 10, Completion: 10}
	a := tab.Cost("gpt-4o", "", now, u)
	a.Details[0].Tokens = 999
	a.ModelName = "changed"
	b := tab.Cost("gpt-4o", "", now, u)
	if b.ModelName != "gpt-4o" || b.Details[0].Tokens != 10 {
		t.Errorf("second result affected by the first: %+v", b)
	}
}

func TestParseErrors(t *testing.T) {
	const ok = `"prompt": {"input": 1}, "completion": {"output": 1}`
	for name, js := range map[string]string{
		"not json":         `{`,
		"trailing":         `{"models": []} {}`,
		"unknown field":    `{"models": [{"name": "a", "pattern": "a", "cost": 1, ` + ok + `}]}`,
		"blank name":       `{"models": [{"name": " ", "pattern": "a", ` + ok + `}]}`,
		"blank pattern":    `{"models": [{"name": "a", "pattern": "", ` + ok + `}]}`,
		"bad pattern":      `{"models": [{"name": "a", "pattern": "a(", ` + ok + `}]}`,
		"escaping pattern": `{"models": [{"name": "a", "pattern": "a)|(b", ` + ok + `}]}`,
		"no input":         `{"models": [{"name": "a", "pattern": "a", "prompt": {"cache_read": 1}, "completion": {"output": 1}}]}`,
		"no output":        `{"models": [{"name": "a", "pattern": "a", "prompt": {"input": 1}}]}`,
		"negative rate":    `{"models": [{"name": "a", "pattern": "a", "prompt": {"input": -1}, "completion": {"output": 1}}]}`,
		"blank type":       `{"models": [{"name": "a", "pattern": "a", "prompt": {"input": 1, "": 2}, "completion": {"output": 1}}]}`,
		"bad start":        `{"models": [{"name": "a", "pattern": "a", "start": "yesterday", ` + ok + `}]}`,
		"duplicate":        `{"models": [{"name": "a", "pattern": "a", ` + ok + `}, {"name": "A", "pattern": "b", ` + ok + `}]}`,
		"long no above":    `{"models": [{"name": "a", "pattern": "a", ` + ok + `, "long_context": {"prompt": {"input": 2}}}]}`,
		"long no rates":    `{"models": [{"name": "a", "pattern": "a", ` + ok + `, "long_context": {"above": 10}}]}`,
	} {
		if _, err := Parse([]byte(js)); err == nil {
			t.Errorf("%s: Parse succeeded, want an error", name)
		}
	}
	// The same name with another start or provider is fine.
	mustParse(t, `{"models": [
		{"name": "a", "pattern": "a", `+ok+`},
		{"name": "a", "pattern": "a", "start": "2025-01-01T00:00:00Z", `+ok+`},
		{"name": "a", "provider": "x", "pattern": "a", `+ok+`}
	]}`)
	if tab := mustParse(t, `{"models": []}`); tab.Cost("a", "", now, Usage{Prompt: 1}) != nil {
		t.Error("empty table priced a span")
	}
}

func TestCacheBounded(t *testing.T) {
	tab := mustParse(t, `{"models": [{"name": "a", "pattern": "m-\\d+", "prompt": {"input": 1}, "completion": {"output": 1}}]}`)
	for i := range 3 * maxCached {
		name := fmt.Sprintf("m-%d", i)
		if c := tab.Cost(name, "", now, Usage{Prompt: 1}); c == nil {
			t.Fatalf("Cost(%q) = nil", name)
		}
	}
	n := 0
	tab.cache.Load().Range(func(any, any) bool { n++; return true })
	if n > maxCached {
		t.Errorf("cache holds %d names, want at most %d", n, maxCached)
	}
}

func TestConcurrentUse(t *testing.T) {
	tab := Builtin()
	names := []string{"gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-pro", "unknown", "deepseek-chat"}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				name := names[(g+i)%len(names)]
				if i%7 == 0 {
					name = fmt.Sprintf("%s-%d-%d", name, g, i) // misses that fill the cache
				}
				tab.Cost(name, "openai", now, Usage{Prompt: 100, Completion: 10})
			}
		})
	}
	wg.Wait()
}

func FuzzCost(f *testing.F) {
	for _, s := range []string{"gpt-4o", "gpt-4o-mini-2024-07-18", "anthropic.claude-3-5-sonnet-20241022-v2:0",
		"claude-3-5-sonnet@20240620", "models/gemini-2.0-flash", "a/b/", "/", "", " \t", "\xff\xfe", "o3"} {
		f.Add(s, "openai", int64(100), int64(50), int64(10))
	}
	tab := Builtin()
	f.Fuzz(func(t *testing.T, name, provider string, prompt, completion, detail int64) {
		u := Usage{Prompt: prompt, Completion: completion,
			PromptDetails: map[string]int64{"cache_read": detail, name: detail}, CompletionDetails: map[string]int64{"reasoning": detail}}
		c := tab.Cost(name, provider, now, u)
		if c == nil {
			return
		}
		if strings.TrimSpace(name) == "" {
			t.Fatalf("blank name %q priced", name)
		}
		if c.PromptTokens < 0 || c.CompletionTokens < 0 || c.TotalTokens < 0 || c.TotalCost < 0 || len(c.Details) == 0 {
			t.Fatalf("bad cost %+v", c)
		}
		if !approx(c.TotalCost, c.PromptCost+c.CompletionCost) {
			t.Fatalf("total %v != %v + %v", c.TotalCost, c.PromptCost, c.CompletionCost)
		}
	})
}

func BenchmarkCost(b *testing.B) {
	tab := Builtin()
	u := Usage{Prompt: 1200, Completion: 300,
		PromptDetails: map[string]int64{"cache_read": 1000}, CompletionDetails: map[string]int64{"reasoning": 100}}
	at := now
	for _, bc := range []struct{ name, model string }{
		{"hit", "gpt-4o-mini-2024-07-18"},
		{"bedrock", "us.anthropic.claude-sonnet-4-20250514-v1:0"},
		{"unknown", "my-private-model"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var sink *ember.SpanCost
			for b.Loop() {
				sink = tab.Cost(bc.model, "openai", at, u)
			}
			_ = sink
		})
	}
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				tab.Cost("claude-3-5-sonnet-20241022", "anthropic", at, u)
			}
		})
	})
}
