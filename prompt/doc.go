// Package prompt works with prompt versions as Ember and Phoenix store
// them: it validates them (ParseCreateRequest, ParseVersionData), renders
// their templates with variables (Format, RenderMustache, RenderFString)
// and turns them into provider request bodies (OpenAIChatCompletion,
// AnthropicMessages).
//
// It imports only the standard library and package api, so programs can
// format a prompt fetched with package client without pulling in the
// server:
//
//	v, err := c.Prompts.Get(ctx, client.PromptSelector{Name: "support", Tag: "production"})
//	if err != nil {
//		return err
//	}
//	body, err := prompt.OpenAIChatCompletion(v, prompt.Variables{"question": q})
//	if err != nil {
//		return err // a *prompt.MissingVariablesError names what is missing
//	}
//	// POST body to https://api.openai.com/v1/chat/completions
//
// Templates are rendered in the version's template format: MUSTACHE
// ({{name}}, sections, dotted names; nothing is HTML-escaped), F_STRING
// (Python's {name}, with {{ and }} for literal braces) or NONE (left as
// written). A variable the template uses but the caller did not give is
// an error, never an empty string.
package prompt
