package prompt_test

import (
	"fmt"

	"github.com/emberhq/ember/api"
	"github.com/emberhq/ember/prompt"
)

// A version as client.PromptService.Get returns it, turned into an
// OpenAI request body.
func ExampleOpenAIChatCompletion() {
	temperature := 0.2
	v := &api.PromptVersion{PromptVersionData: api.PromptVersionData{
		ModelProvider:  api.ProviderOpenAI,
		ModelName:      "gpt-4o-mini",
		TemplateType:   api.TemplateTypeChat,
		TemplateFormat: api.TemplateFormatMustache,
		Template: api.ChatTemplate(
			api.TextMessage(api.RoleSystem, "You answer questions about {{product}}."),
			api.TextMessage(api.RoleUser, "{{#order}}About order {{id}}: {{/order}}{{question}}"),
		),
		InvocationParameters: api.OpenAIParameters(api.OpenAIInvocationParameters{Temperature: &temperature}),
	}}
	body, err := prompt.OpenAIChatCompletion(v, prompt.Variables{
		"product":  "Ember",
		"question": "Where is it?",
		"order":    map[string]any{"id": 42},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(string(body))

	_, err = prompt.OpenAIChatCompletion(v, prompt.Variables{"product": "Ember"})
	fmt.Println(err)
	// Output:
	// {"model":"gpt-4o-mini","messages":[{"role":"system","content":"You answer questions about Ember."},{"role":"user","content":"About order 42: Where is it?"}],"temperature":0.2}
	// missing template variables: question
}
