package httpapi

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/emberhq/ember/semconv"
)

// How a span query's default table lays out attributes, as Phoenix does:
// the stored attributes are flattened to dotted keys (lists of objects
// included), the JSON-string attributes are decoded, and the keys are
// grouped again, except that an OpenInference attribute name is never split.
// So llm.token_count.total is one column, llm.input_messages one column
// holding the list of messages, and the custom attributes a.b and a.c one
// column "a" holding {"b": ..., "c": ...}.

// semconvKeys are the OpenInference attribute names, longest first so that
// the longest one matching a key wins.
var semconvKeys = func() []string {
	keys := []string{
		semconv.ProjectNameKey, semconv.SpanKindKey, semconv.InputValueKey, semconv.InputMIMETypeKey,
		semconv.OutputValueKey, semconv.OutputMIMETypeKey, semconv.SessionIDKey, semconv.UserIDKey,
		semconv.MetadataKey, semconv.TagTagsKey, semconv.AgentNameKey, semconv.GraphNodeIDKey,
		semconv.GraphNodeNameKey, semconv.GraphNodeParentIDKey, semconv.PromptVendorKey, semconv.PromptIDKey,
		semconv.PromptURLKey, semconv.LLMModelNameKey, semconv.LLMProviderKey, semconv.LLMSystemKey,
		semconv.LLMInvocationParametersKey, semconv.LLMInputMessagesKey, semconv.LLMOutputMessagesKey,
		semconv.LLMToolsKey, semconv.LLMFunctionCallKey, semconv.LLMPromptsKey, semconv.LLMChoicesKey,
		semconv.LLMFinishReasonKey, semconv.LLMPromptTemplateKey, semconv.LLMPromptTemplateVariablesKey,
		semconv.LLMPromptTemplateVersionKey, semconv.LLMTokenCountPromptKey, semconv.LLMTokenCountCompletionKey,
		semconv.LLMTokenCountTotalKey, semconv.LLMTokenCountPromptDetailsKey,
		semconv.LLMTokenCountPromptDetailsCacheReadKey, semconv.LLMTokenCountPromptDetailsCacheWriteKey,
		semconv.LLMTokenCountPromptDetailsCacheInputKey, semconv.LLMTokenCountPromptDetailsAudioKey,
		semconv.LLMTokenCountCompletionDetailsKey, semconv.LLMTokenCountCompletionDetailsReasoningKey,
		semconv.LLMTokenCountCompletionDetailsAudioKey, semconv.LLMCostPromptKey, semconv.LLMCostCompletionKey,
		semconv.LLMCostTotalKey, semconv.LLMCostPromptDetailsKey, semconv.LLMCostPromptDetailsInputKey,
		semconv.LLMCostPromptDetailsCacheReadKey, semconv.LLMCostPromptDetailsCacheWriteKey,
		semconv.LLMCostPromptDetailsCacheInputKey, semconv.LLMCostPromptDetailsAudioKey,
		semconv.LLMCostCompletionDetailsKey, semconv.LLMCostCompletionDetailsOutputKey,
		semconv.LLMCostCompletionDetailsReasoningKey, semconv.LLMCostCompletionDetailsAudioKey,
		semconv.MessageRoleKey, semconv.MessageContentKey, semconv.MessageContentsKey, semconv.MessageNameKey,
		semconv.MessageToolCallsKey, semconv.MessageToolCallIDKey, semconv.MessageFunctionCallNameKey,
		semconv.MessageFunctionCallArgumentsJSONKey, semconv.MessageContentTypeKey, semconv.MessageContentTextKey,
		semconv.MessageContentImageKey, semconv.ImageURLKey, semconv.AudioURLKey, semconv.AudioMIMETypeKey,
		semconv.AudioTranscriptKey, semconv.ToolCallIDKey, semconv.ToolCallFunctionNameKey,
		semconv.ToolCallFunctionArgumentsKey, semconv.ToolNameKey, semconv.ToolDescriptionKey,
		semconv.ToolParametersKey, semconv.ToolIDKey, semconv.ToolJSONSchemaKey, semconv.RetrievalDocumentsKey,
		semconv.DocumentIDKey, semconv.DocumentContentKey, semconv.DocumentScoreKey, semconv.DocumentMetadataKey,
		semconv.RerankerInputDocumentsKey, semconv.RerankerOutputDocumentsKey, semconv.RerankerQueryKey,
		semconv.RerankerModelNameKey, semconv.RerankerTopKKey, semconv.EmbeddingModelNameKey,
		semconv.EmbeddingEmbeddingsKey, semconv.EmbeddingInvocationParametersKey, semconv.EmbeddingTextKey,
		semconv.EmbeddingVectorKey, semconv.PromptTextKey, semconv.CompletionTextKey,
	}
	sort.SliceStable(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	return keys
}()

// jsonStringSuffixes end the keys whose values travel as JSON text.
var jsonStringSuffixes = []string{semconv.DocumentMetadataKey, semconv.LLMPromptTemplateVariablesKey, semconv.MetadataKey, semconv.ToolParametersKey}

func isJSONStringKey(key string) bool {
	for _, s := range jsonStringSuffixes {
		if strings.HasSuffix(key, s) {
			return true
		}
	}
	return false
}

// flatPair is a dotted key and its value.
type flatPair struct {
	key string
	val any
}

// flattenObject flattens nested objects to dotted keys; lists stay values
// and nulls are left out.
func flattenObject(obj map[string]any) []flatPair {
	var out []flatPair
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for _, k := range sortedKeys(m) {
			key := joinKey(prefix, k)
			switch v := m[k].(type) {
			case map[string]any:
				walk(key, v)
			case nil:
			default:
				out = append(out, flatPair{key, v})
			}
		}
	}
	walk("", obj)
	return out
}

// semconvColumns lays out a span's attributes as the default table's
// attribute columns, named without their "attributes." prefix.
func semconvColumns(attrs map[string]any) []flatPair {
	root := newTrie()
	for _, p := range loadJSONStrings(flattenAttributesDeep(attrs)) {
		root.insert(p.key, p.val)
	}
	return root.walk("")
}

// flattenAttributesDeep flattens objects and lists of objects to dotted
// keys with index segments; a JSON-string attribute that is stored as an
// object stays whole.
func flattenAttributesDeep(attrs map[string]any) []flatPair {
	var out []flatPair
	var mapping func(prefix string, m map[string]any)
	var sequence func(prefix string, list []any)
	mapping = func(prefix string, m map[string]any) {
		for _, k := range sortedKeys(m) {
			key := joinKey(prefix, k)
			switch v := m[k].(type) {
			case map[string]any:
				if isJSONStringKey(key) {
					if len(v) > 0 {
						out = append(out, flatPair{key, v})
					}
					continue
				}
				mapping(key, v)
			case []any:
				sequence(key, v)
			case nil:
			default:
				out = append(out, flatPair{key, v})
			}
		}
	}
	sequence = func(prefix string, list []any) {
		hasObject := false
		for _, item := range list {
			if _, ok := item.(map[string]any); ok {
				hasObject = true
			}
		}
		if !hasObject {
			out = append(out, flatPair{prefix, list})
		}
		for i, item := range list {
			if m, ok := item.(map[string]any); ok {
				mapping(joinKey(prefix, strconv.Itoa(i)), m)
			}
		}
	}
	mapping("", attrs)
	return out
}

// loadJSONStrings decodes the JSON text of JSON-string attributes; a value
// that decodes to nothing (an empty object, list or string, zero, false,
// null) is dropped, and text that is not JSON stays text.
func loadJSONStrings(pairs []flatPair) []flatPair {
	out := pairs[:0:0]
	for _, p := range pairs {
		s, ok := p.val.(string)
		if !ok || !isJSONStringKey(p.key) {
			out = append(out, p)
			continue
		}
		v, err := decodeJSONValue([]byte(s))
		if err != nil || strings.TrimSpace(s) == "" {
			out = append(out, p)
			continue
		}
		if pyTruthy(v) {
			out = append(out, flatPair{p.key, v})
		}
	}
	return out
}

func pyTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case json.Number:
		f, err := x.Float64()
		return err != nil || f != 0
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// splitKey cuts the first segment off a dotted key, an OpenInference name
// counting as one segment.
func splitKey(key string) (head, rest string, more bool) {
	for _, sc := range semconvKeys {
		if strings.HasPrefix(key, sc) && (len(key) == len(sc) || key[len(sc)] == '.') {
			if len(key) == len(sc) {
				return sc, "", false
			}
			return sc, key[len(sc)+1:], true
		}
	}
	head, rest, more = strings.Cut(key, ".")
	return head, rest, more
}

// trieKey is a branch of the trie: an object key or a list index.
type trieKey struct {
	name    string
	index   int
	isIndex bool
}

func (k trieKey) String() string {
	if k.isIndex {
		return strconv.Itoa(k.index)
	}
	return k.name
}

// trie regroups dotted keys: digit segments become list positions when
// they can, other segments object keys.
type trie struct {
	value    any
	hasValue bool
	indices  map[int]bool
	branches []trieKey
	inBranch map[trieKey]bool
	children map[trieKey]*trie
}

func newTrie() *trie {
	return &trie{indices: map[int]bool{}, inBranch: map[trieKey]bool{}, children: map[trieKey]*trie{}}
}

func (t *trie) child(k trieKey) *trie {
	c, ok := t.children[k]
	if !ok {
		c = newTrie()
		t.children[k] = c
	}
	return c
}

func (t *trie) addBranch(k trieKey) *trie {
	if k.isIndex {
		delete(t.indices, k.index)
	}
	if !t.inBranch[k] {
		t.inBranch[k] = true
		t.branches = append(t.branches, k)
	}
	return t.child(k)
}

func (t *trie) addIndex(i int) *trie {
	k := trieKey{index: i, isIndex: true}
	if t.hasValue {
		if !t.inBranch[k] {
			t.inBranch[k] = true
			t.branches = append(t.branches, k)
		}
	} else if !t.inBranch[k] {
		t.indices[i] = true
	}
	return t.child(k)
}

func (t *trie) setValue(v any) {
	t.value, t.hasValue = v, true
	for _, i := range sortedIndices(t.indices) {
		k := trieKey{index: i, isIndex: true}
		if !t.inBranch[k] {
			t.inBranch[k] = true
			t.branches = append(t.branches, k)
		}
	}
	t.indices = map[int]bool{}
}

func (t *trie) insert(key string, v any) {
	if v == nil {
		return
	}
	node := t
	for {
		head, rest, more := splitKey(key)
		if i, err := strconv.Atoi(head); err == nil && i >= 0 && isDigits(head) {
			if more {
				node = node.addIndex(i)
			} else {
				node = node.addBranch(trieKey{index: i, isIndex: true})
			}
		} else {
			node = node.addBranch(trieKey{name: head})
		}
		if !more {
			break
		}
		key = rest
	}
	node.setValue(v)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// walk reads the trie back as keys and values: a value where one was set,
// a list of objects where there are positions, an object otherwise.
func (t *trie) walk(prefix string) []flatPair {
	var out []flatPair
	switch {
	case t.hasValue:
		out = append(out, flatPair{prefix, t.value})
	case prefix != "" && len(t.indices) > 0:
		var list []any
		for _, i := range sortedIndices(t.indices) {
			list = append(list, pairsObject(t.children[trieKey{index: i, isIndex: true}].walk("")))
		}
		out = append(out, flatPair{prefix, list})
	case len(t.indices) > 0:
		for _, i := range sortedIndices(t.indices) {
			out = append(out, t.children[trieKey{index: i, isIndex: true}].walk(strconv.Itoa(i))...)
		}
	case prefix != "":
		return append(out, flatPair{prefix, pairsObject(t.walk(""))})
	}
	for _, b := range t.branches {
		out = append(out, t.children[b].walk(joinKey(prefix, b.String()))...)
	}
	return out
}

func pairsObject(pairs []flatPair) map[string]any {
	m := make(map[string]any, len(pairs))
	for _, p := range pairs {
		m[p.key] = p.val
	}
	return m
}

func sortedIndices(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for i := range m {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func joinKey(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}
