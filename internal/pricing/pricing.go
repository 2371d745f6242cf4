// Package pricing prices LLM spans the way Phoenix does: it finds the
// generative model a span's llm.model_name names and multiplies each kind of
// token the span reports by that model's rate.
//
// # Table file format
//
// A Table is read from JSON (the built-in one from the embedded models.json):
//
//	{
//	  "models": [
//	    {
//	      "name":     "o3",                             // shown as SpanCost.ModelName
//	      "provider": "openai",                         // llm.provider value; "" or absent = any provider
//	      "pattern":  "o3(?:-\\d{4}-\\d{2}-\\d{2})?",   // RE2; must match the whole model name, case-insensitively
//	      "start":    "2025-06-10T00:00:00Z",           // optional (RFC 3339): the price applies from this instant
//	      "prompt":     {"input": 2, "cache_read": 0.5},  // USD per million prompt tokens, by token type
//	      "completion": {"output": 8},                    // USD per million completion tokens, by token type
//	      "long_context": {                             // optional tier for long prompts
//	        "above":      200000,                       // applies when llm.token_count.prompt > above
//	        "prompt":     {"input": 4},                 // replaces the listed types' rates only
//	        "completion": {"output": 16}
//	      }
//	    }
//	  ]
//	}
//
// Rates are written in US dollars per million tokens, as vendors publish
// them, and used per token (rate / 1e6). Every model must price "input"
// (prompt) and "output" (completion); a rate of 0 is allowed (embeddings have
// no output). Other token types are free-form and match the keys of
// llm.token_count.prompt_details.* and llm.token_count.completion_details.*:
// cache_read, cache_write and audio on the prompt side, reasoning and audio on
// the completion side. Unknown JSON fields are rejected so that typos in a
// price file fail loudly.
//
// # Matching
//
// The model name is trimmed; a blank name matches nothing. Every pattern is
// anchored at both ends and case-insensitive (Phoenix uses Python's re.match,
// which is anchored at the start only and case-sensitive; anchoring both ends
// keeps "gpt-4o" from swallowing "gpt-4o-mini-2024-07-18", and each pattern
// lists the dated, Bedrock and Vertex spellings it accepts instead). When no
// pattern matches a name containing "/", the part after the last "/" is tried,
// so LiteLLM/OpenRouter style "openai/gpt-4o" and Google's
// "models/gemini-2.0-flash" or "publishers/google/models/gemini-2.5-pro" are
// priced too.
//
// Among the models whose pattern matches and whose start is not after the
// span's start time (a zero time admits every start), the winner is chosen by,
// in order:
//
//  1. provider: when the span names a provider, a model of that provider
//     (case-insensitive) wins over a provider-agnostic model, which wins over
//     a model of another provider. Phoenix drops models of other providers
//     outright; Ember keeps them as a last resort because hosts report
//     themselves (llm.provider "azure", "aws", "google" for Claude on Vertex)
//     and resell the vendor's models at the vendor's list price.
//  2. specificity: the number of literal characters every matching name must
//     contain (text under ?, * or an optional group counts 0, an alternation
//     counts its shortest branch, character classes count 0). The pattern
//     "gpt-4o-2024-05-13" (17) beats "gpt-4o(?:-\d{4}-\d{2}-\d{2})?" (6).
//  3. the later start time.
//  4. the earlier position in the file.
//
// # Pricing
//
// As in Phoenix: every llm.token_count.prompt_details.<type> with tokens > 0
// becomes a detail row priced at the model's prompt rate for <type>, or at its
// "input" rate when it has none (reasoning tokens are billed as output tokens,
// audio tokens as text tokens unless the vendor lists an audio rate); the same
// for completion details with "output". The prompt tokens the details do not
// account for (llm.token_count.prompt minus their sum, when positive) become
// an "input" row, and likewise "output" for completion tokens, unless a detail
// already used that type name. Negative counts are treated as 0. A detail
// type without its own rate is therefore always recorded with a real cost,
// never 0.
package pricing

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emberhq/ember"
)

// Usage is the token counts an LLM span reports (OpenInference
// llm.token_count.*).
type Usage struct {
	Prompt, Completion int64            // llm.token_count.prompt / .completion (0 when absent)
	PromptDetails      map[string]int64 // llm.token_count.prompt_details.<type>, e.g. cache_read, cache_write, audio
	CompletionDetails  map[string]int64 // llm.token_count.completion_details.<type>, e.g. reasoning, audio
}

// The token types every model prices: the remainder of the prompt and of the
// completion, and the fallback for detail types without their own rate.
const (
	TokenInput  = "input"
	TokenOutput = "output"
)

// maxCached bounds the number of distinct model names whose candidate models
// a Table remembers. Past it the cache starts over, so a stream of unique
// garbage names costs regex matching but never memory.
const maxCached = 4096

// Table is a set of priced models. It is immutable after construction and
// safe for concurrent use.
type Table struct {
	models []*model // in priority order: specificity desc, start desc, file order

	cache  atomic.Pointer[sync.Map] // trimmed model name -> []*model matching it, in priority order
	cached atomic.Int64             // approximate number of entries in cache
}

type model struct {
	name       string
	provider   string
	re         *regexp.Regexp
	start      time.Time // zero: always valid
	literal    int       // specificity
	index      int       // position in the file
	prompt     map[string]float64
	completion map[string]float64
	longAbove  int64 // 0: no long-context tier
	longPrompt map[string]float64
	longCompl  map[string]float64
}

//go:embed models.json
var modelsJSON []byte

var builtin = sync.OnceValue(func() *Table {
	t, err := Parse(modelsJSON)
	if err != nil {
		panic("pricing: embedded models.json: " + err.Error())
	}
	return t
})

// Builtin returns the built-in table of list prices, parsed once from the
// embedded models.json.
func Builtin() *Table { return builtin() }

type fileJSON struct {
	Models []modelJSON `json:"models"`
}

type modelJSON struct {
	Name        string             `json:"name"`
	Provider    string             `json:"provider"`
	Pattern     string             `json:"pattern"`
	Start       *time.Time         `json:"start"`
	Prompt      map[string]float64 `json:"prompt"`
	Completion  map[string]float64 `json:"completion"`
	LongContext *struct {
		Above      int64              `json:"above"`
		Prompt     map[string]float64 `json:"prompt"`
		Completion map[string]float64 `json:"completion"`
	} `json:"long_context"`
}

// Parse reads a table in the format described in the package comment. It
// fails on malformed JSON, unknown fields, a pattern that does not compile, a
// model without an input or output rate, a negative or non-finite rate, or two
// models with the same name, provider and start.
func Parse(data []byte) (*Table, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f fileJSON
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("decode price table: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode price table: trailing data after the top-level object")
	}

	type key struct {
		name, provider string
		start          time.Time
	}
	seen := make(map[key]bool, len(f.Models))
	t := &Table{models: make([]*model, 0, len(f.Models))}
	for i, mj := range f.Models {
		m, err := newModel(i, mj)
		if err != nil {
			return nil, fmt.Errorf("model %d (%q): %w", i, mj.Name, err)
		}
		k := key{strings.ToLower(m.name), strings.ToLower(m.provider), m.start}
		if seen[k] {
			return nil, fmt.Errorf("model %d (%q): duplicate name, provider and start", i, mj.Name)
		}
		seen[k] = true
		t.models = append(t.models, m)
	}
	slices.SortStableFunc(t.models, func(a, b *model) int {
		if a.literal != b.literal {
			return b.literal - a.literal
		}
		if c := b.start.Compare(a.start); c != 0 {
			return c
		}
		return a.index - b.index
	})
	t.cache.Store(new(sync.Map))
	return t, nil
}

func newModel(index int, mj modelJSON) (*model, error) {
	m := &model{
		name:     strings.TrimSpace(mj.Name),
		provider: strings.TrimSpace(mj.Provider),
		index:    index,
	}
	if m.name == "" {
		return nil, errors.New("name is blank")
	}
	if mj.Start != nil {
		m.start = *mj.Start
	}
	if strings.TrimSpace(mj.Pattern) == "" {
		return nil, errors.New("pattern is blank")
	}
	// Parse the pattern alone first: wrapped in ^(?i:...)$ a pattern such as
	// "a)|(b" would compile and escape its anchors.
	re, err := syntax.Parse(mj.Pattern, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("pattern: %w", err)
	}
	m.literal = literalLen(re)
	if m.re, err = regexp.Compile(`^(?i:` + mj.Pattern + `)$`); err != nil {
		return nil, fmt.Errorf("pattern: %w", err)
	}

	if m.prompt, err = perToken(mj.Prompt, "prompt"); err != nil {
		return nil, err
	}
	if m.completion, err = perToken(mj.Completion, "completion"); err != nil {
		return nil, err
	}
	if _, ok := m.prompt[TokenInput]; !ok {
		return nil, errors.New(`prompt has no "input" rate`)
	}
	if _, ok := m.completion[TokenOutput]; !ok {
		return nil, errors.New(`completion has no "output" rate`)
	}
	if lc := mj.LongContext; lc != nil {
		if lc.Above <= 0 {
			return nil, errors.New("long_context.above must be positive")
		}
		if len(lc.Prompt) == 0 && len(lc.Completion) == 0 {
			return nil, errors.New("long_context has no rates")
		}
		m.longAbove = lc.Above
		if m.longPrompt, err = perToken(lc.Prompt, "long_context.prompt"); err != nil {
			return nil, err
		}
		if m.longCompl, err = perToken(lc.Completion, "long_context.completion"); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// perToken converts rates in USD per million tokens to USD per token.
func perToken(perMillion map[string]float64, what string) (map[string]float64, error) {
	rates := make(map[string]float64, len(perMillion))
	for typ, r := range perMillion {
		if strings.TrimSpace(typ) == "" || typ != strings.TrimSpace(typ) {
			return nil, fmt.Errorf("%s: token type %q is blank or padded", what, typ)
		}
		if math.IsNaN(r) || math.IsInf(r, 0) || r < 0 {
			return nil, fmt.Errorf("%s: rate of %q is %v, want a finite non-negative number", what, typ, r)
		}
		rates[typ] = r / 1e6
	}
	return rates, nil
}

// literalLen is the number of literal characters every string matching re
// must contain: the specificity used to break ties between patterns.
func literalLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune)
	case syntax.OpCapture, syntax.OpPlus:
		return literalLen(re.Sub[0])
	case syntax.OpRepeat:
		return re.Min * literalLen(re.Sub[0])
	case syntax.OpConcat:
		n := 0
		for _, sub := range re.Sub {
			n += literalLen(sub)
		}
		return n
	case syntax.OpAlternate:
		n := -1
		for _, sub := range re.Sub {
			if l := literalLen(sub); n < 0 || l < n {
				n = l
			}
		}
		return max(n, 0)
	default: // classes, any char, anchors, empty, star, quest
		return 0
	}
}

// Cost prices one LLM span whose llm.model_name is modelName and llm.provider
// is provider, started at at (see the package comment for the rules). It
// returns nil when no model matches (always for a blank name) or when the
// span reports no tokens, as Phoenix then stores no span cost. ModelName and
// Provider are the matched model's (Provider is "" for a provider-agnostic
// model). The result is newly allocated and owned by the caller; for a name
// seen before, that allocation is all Cost allocates. Details are ordered
// prompt side first; within a side the "input"/"output" row comes first, then
// the other types by name.
func (t *Table) Cost(modelName, provider string, at time.Time, u Usage) *ember.SpanCost {
	modelName = strings.TrimSpace(modelName)
	if modelName == "" {
		return nil
	}
	m := choose(t.candidates(modelName), strings.TrimSpace(provider), at)
	if m == nil {
		return nil
	}
	return m.price(u)
}

// candidates returns the models whose pattern matches name, in priority
// order, remembering the answer.
func (t *Table) candidates(name string) []*model {
	c := t.cache.Load()
	if v, ok := c.Load(name); ok {
		return v.([]*model)
	}
	ms := t.match(name)
	if ms == nil {
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			ms = t.match(strings.TrimSpace(name[i+1:]))
		}
	}
	if t.cached.Add(1) > maxCached {
		if t.cache.CompareAndSwap(c, new(sync.Map)) {
			t.cached.Store(1)
		}
		c = t.cache.Load()
	}
	c.Store(name, ms)
	return ms
}

func (t *Table) match(name string) []*model {
	if name == "" {
		return nil
	}
	var ms []*model
	for _, m := range t.models {
		if m.re.MatchString(name) {
			ms = append(ms, m)
		}
	}
	return ms
}

// choose picks the best of cands (already in priority order) for a span from
// provider started at at.
func choose(cands []*model, provider string, at time.Time) *model {
	valid := func(m *model) bool { return at.IsZero() || !m.start.After(at) }
	if provider != "" {
		for _, m := range cands {
			if m.provider != "" && strings.EqualFold(m.provider, provider) && valid(m) {
				return m
			}
		}
		for _, m := range cands {
			if m.provider == "" && valid(m) {
				return m
			}
		}
	}
	for _, m := range cands {
		if valid(m) {
			return m
		}
	}
	return nil
}

// costBuf lets a SpanCost and its usual handful of details share one
// allocation.
type costBuf struct {
	cost    ember.SpanCost
	details [4]ember.SpanCostDetail
}

func (m *model) price(u Usage) *ember.SpanCost {
	long := m.longAbove > 0 && u.Prompt > m.longAbove
	buf := new(costBuf)
	details := buf.details[:0]
	details = m.side(details, true, max(u.Prompt, 0), u.PromptDetails, long)
	details = m.side(details, false, max(u.Completion, 0), u.CompletionDetails, long)
	if len(details) == 0 {
		return nil
	}
	slices.SortFunc(details, compareDetails)

	c := &buf.cost
	c.ModelName = m.name
	c.Provider = m.provider
	for _, d := range details {
		if d.IsPrompt {
			c.PromptTokens = addSat(c.PromptTokens, d.Tokens)
			c.PromptCost += d.Cost
		} else {
			c.CompletionTokens = addSat(c.CompletionTokens, d.Tokens)
			c.CompletionCost += d.Cost
		}
	}
	c.TotalTokens = addSat(c.PromptTokens, c.CompletionTokens)
	c.TotalCost = c.PromptCost + c.CompletionCost
	c.Details = details
	return c
}

// side appends the detail rows of the prompt (isPrompt) or completion side.
func (m *model) side(details []ember.SpanCostDetail, isPrompt bool, total int64, byType map[string]int64, long bool) []ember.SpanCostDetail {
	base := TokenOutput
	if isPrompt {
		base = TokenInput
	}
	var sum int64
	haveBase := false
	for typ, n := range byType {
		if n <= 0 || typ == "" {
			continue
		}
		rate := m.rate(isPrompt, typ, long)
		details = append(details, ember.SpanCostDetail{
			TokenType: typ, IsPrompt: isPrompt, Tokens: n,
			Cost: float64(n) * rate, CostPerToken: rate,
		})
		sum = addSat(sum, n)
		haveBase = haveBase || typ == base
	}
	if rest := total - sum; !haveBase && rest > 0 {
		rate := m.rate(isPrompt, base, long)
		details = append(details, ember.SpanCostDetail{
			TokenType: base, IsPrompt: isPrompt, Tokens: rest,
			Cost: float64(rest) * rate, CostPerToken: rate,
		})
	}
	return details
}

// rate is the per-token price of typ, falling back to the input or output
// rate for types the model does not price.
func (m *model) rate(isPrompt bool, typ string, long bool) float64 {
	rates, longRates, base := m.completion, m.longCompl, TokenOutput
	if isPrompt {
		rates, longRates, base = m.prompt, m.longPrompt, TokenInput
	}
	for _, k := range [2]string{typ, base} {
		if long {
			if r, ok := longRates[k]; ok {
				return r
			}
		}
		if r, ok := rates[k]; ok {
			return r
		}
	}
	return 0 // unreachable: Parse requires input and output rates
}

func compareDetails(a, b ember.SpanCostDetail) int {
	if a.IsPrompt != b.IsPrompt {
		if a.IsPrompt {
			return -1
		}
		return 1
	}
	ab, bb := isBase(a), isBase(b)
	if ab != bb {
		if ab {
			return -1
		}
		return 1
	}
	return strings.Compare(a.TokenType, b.TokenType)
}

func isBase(d ember.SpanCostDetail) bool {
	if d.IsPrompt {
		return d.TokenType == TokenInput
	}
	return d.TokenType == TokenOutput
}

// addSat adds two non-negative counts, saturating instead of overflowing.
func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
