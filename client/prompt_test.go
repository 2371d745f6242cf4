package client

import (
	"context"
	"net/url"
	"testing"

	"github.com/emberhq/ember/api"
)

const versionReply = `{"data":{"description":"","model_provider":"OPENAI","model_name":"gpt-4o","template":{"type":"chat","messages":[{"role":"user","content":"Hi {{name}}"}]},"template_type":"CHAT","template_format":"MUSTACHE","invocation_parameters":{"type":"openai","openai":{"temperature":1.0}},"id":"UHJvbXB0VmVyc2lvbjox"}}`

func TestPromptsGetSelectsTheRoute(t *testing.T) {
	for _, tt := range []struct {
		sel  PromptSelector
		path string
	}{
		{PromptSelector{Prompt: "greet"}, "/v1/prompts/greet/latest"},
		{PromptSelector{Prompt: "greet", Tag: "production"}, "/v1/prompts/greet/tags/production"},
		{PromptSelector{VersionID: "UHJvbXB0VmVyc2lvbjox"}, "/v1/prompt_versions/UHJvbXB0VmVyc2lvbjox"},
		{PromptSelector{Prompt: "UHJvbXB0OjE="}, "/v1/prompts/UHJvbXB0OjE=/latest"},
	} {
		c, fake := newFake(t, jsonReply(200, versionReply))
		v, err := c.Prompts.Get(context.Background(), tt.sel)
		if err != nil {
			t.Fatal(err)
		}
		checkRequest(t, fake.only(t), "GET", tt.path, nil)
		if v.ID != "UHJvbXB0VmVyc2lvbjox" || v.Template.Messages[0].Content.Text != "Hi {{name}}" || *v.InvocationParameters.OpenAI.Temperature != 1 {
			t.Errorf("%+v", v)
		}
	}
	c, fake := newFake(t, jsonReply(200, versionReply))
	if _, err := c.Prompts.Get(context.Background(), PromptSelector{}); err == nil {
		t.Error("an empty selector sends a request")
	}
	if _, err := c.Prompts.Get(context.Background(), PromptSelector{VersionID: "x", Tag: "t"}); err == nil {
		t.Error("a version id with a tag is accepted")
	}
	if n := len(fake.seen()); n != 0 {
		t.Errorf("%d requests", n)
	}
}

func TestPromptsCreate(t *testing.T) {
	c, fake := newFake(t, jsonReply(200, versionReply))
	temp := 1.0
	v, err := c.Prompts.Create(context.Background(), api.CreatePromptRequest{
		Prompt: api.PromptData{Name: "greet", Metadata: map[string]any{"team": "x"}},
		Version: api.PromptVersionData{
			ModelProvider: api.ProviderOpenAI, ModelName: "gpt-4o",
			Template:     api.ChatTemplate(api.TextMessage(api.RoleUser, "Hi {{name}}")),
			TemplateType: api.TemplateTypeChat, TemplateFormat: api.TemplateFormatMustache,
			InvocationParameters: api.OpenAIParameters(api.OpenAIInvocationParameters{Temperature: &temp}),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := fake.only(t)
	checkRequest(t, got, "POST", "/v1/prompts", nil)
	checkJSONBody(t, got, `{"prompt":{"name":"greet","metadata":{"team":"x"}},"version":{"model_provider":"OPENAI","model_name":"gpt-4o","template":{"type":"chat","messages":[{"role":"user","content":"Hi {{name}}"}]},"template_type":"CHAT","template_format":"MUSTACHE","invocation_parameters":{"type":"openai","openai":{"temperature":1}}}}`)
	if v.ModelName != "gpt-4o" {
		t.Errorf("%+v", v)
	}
}

func TestPromptsListsAndTags(t *testing.T) {
	ctx := context.Background()
	c, fake := newFake(t, jsonReply(200, `{"data":[{"name":"greet","description":null,"source_prompt_id":null,"metadata":{"a":1},"id":"UHJvbXB0OjE="}],"next_cursor":null}`))
	prompts, next, err := c.Prompts.List(ctx, PageFilter{Limit: 5, Cursor: "UHJvbXB0OjM="})
	if err != nil || len(prompts) != 1 || prompts[0].Metadata["a"] != 1.0 || next != "" {
		t.Fatalf("%+v %q %v", prompts, next, err)
	}
	checkRequest(t, fake.only(t), "GET", "/v1/prompts", url.Values{"limit": {"5"}, "cursor": {"UHJvbXB0OjM="}})

	c, fake = newFake(t, jsonReply(200, `{"data":[{"name":"prod","id":"UHJvbXB0VmVyc2lvblRhZzox"}],"next_cursor":null}`))
	tags, _, err := c.Prompts.Tags(ctx, "UHJvbXB0VmVyc2lvbjox", PageFilter{})
	if err != nil || len(tags) != 1 || tags[0].Name != "prod" || tags[0].Description != nil {
		t.Fatalf("%+v %v", tags, err)
	}
	checkRequest(t, fake.only(t), "GET", "/v1/prompt_versions/UHJvbXB0VmVyc2lvbjox/tags", nil)

	c, fake = newFake(t, noContent)
	if err := c.Prompts.Tag(ctx, "UHJvbXB0VmVyc2lvbjox", api.PromptVersionTagData{Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	checkJSONBody(t, fake.only(t), `{"name":"prod"}`)
	c, fake = newFake(t, noContent)
	if err := c.Prompts.DeleteTag(ctx, "UHJvbXB0VmVyc2lvbjox", "prod"); err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "DELETE", "/v1/prompt_versions/UHJvbXB0VmVyc2lvbjox/tags/prod", nil)

	c, fake = newFake(t, jsonReply(200, `{"data":{"name":"greet","description":null,"source_prompt_id":null,"metadata":{},"id":"UHJvbXB0OjE="}}`))
	if _, err := c.Prompts.Update(ctx, "greet", api.PatchPromptRequest{ClearDescription: true}); err != nil {
		t.Fatal(err)
	}
	checkJSONBody(t, fake.only(t), `{"description":null}`)

	c, fake = newFake(t, textReply(404, "Prompt not found"))
	if err := c.Prompts.Delete(ctx, "gone"); !IsNotFound(err) {
		t.Errorf("delete: %v", err)
	}
	checkRequest(t, fake.only(t), "DELETE", "/v1/prompts/gone", nil)
}
