package client

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/url"

	"github.com/emberhq/ember/api"
)

// PromptService calls the prompt routes: /v1/prompts and
// /v1/prompt_versions. A prompt identifier is a prompt's GlobalID or its
// name. Package prompt renders a fetched version with variables and turns
// it into an OpenAI or Anthropic request body.
type PromptService struct {
	client *Client
}

// PageFilter pages through a listing; the zero value asks for the
// server's default page size from the start.
type PageFilter struct {
	Limit  int
	Cursor string
}

func (f PageFilter) query() url.Values {
	q := url.Values{}
	setPage(q, f.Limit, f.Cursor)
	return q
}

// List returns one page of prompts, newest first, and the cursor of the
// next page, "" on the last one.
func (s *PromptService) List(ctx context.Context, filter PageFilter) ([]api.Prompt, string, error) {
	return listPage[api.Prompt](ctx, s.client, "/v1/prompts", filter.query())
}

// All yields every prompt, newest first, fetching pages as the loop goes.
func (s *PromptService) All(ctx context.Context, filter PageFilter) iter.Seq2[api.Prompt, error] {
	return walk(ctx, filter.Cursor, func(ctx context.Context, cursor string) ([]api.Prompt, string, error) {
		filter.Cursor = cursor
		return s.List(ctx, filter)
	})
}

// Create stores req.Version as a new version of the prompt named
// req.Prompt.Name, creating the prompt when there is none, and returns the
// stored version. Only chat versions can be created; a version the server
// refuses is an *Error whose Issues name each bad field.
func (s *PromptService) Create(ctx context.Context, req api.CreatePromptRequest) (*api.PromptVersion, error) {
	var reply api.Envelope[api.PromptVersion]
	if err := s.client.do(ctx, "POST", "/v1/prompts", nil, req, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}

// PromptSelector names a prompt version: VersionID alone; or Prompt (a
// name or GlobalID) with Tag for the version the tag names; or Prompt
// alone for the latest version.
type PromptSelector struct {
	Prompt    string
	Tag       string
	VersionID string
}

// Get returns the version sel names; IsNotFound when there is none.
func (s *PromptService) Get(ctx context.Context, sel PromptSelector) (*api.PromptVersion, error) {
	var path string
	var err error
	switch {
	case sel.VersionID != "":
		if sel.Prompt != "" || sel.Tag != "" {
			return nil, errors.New("get prompt: a version id names the version by itself; leave Prompt and Tag empty")
		}
		path, err = endpoint("/v1/prompt_versions/%s", sel.VersionID)
	case sel.Tag != "":
		path, err = endpoint("/v1/prompts/%s/tags/%s", sel.Prompt, sel.Tag)
	default:
		path, err = endpoint("/v1/prompts/%s/latest", sel.Prompt)
	}
	if err != nil {
		return nil, err
	}
	var reply api.Envelope[api.PromptVersion]
	if err := s.client.do(ctx, "GET", path, nil, nil, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}

// Versions returns one page of a prompt's versions, newest first. A prompt
// that does not exist has none.
func (s *PromptService) Versions(ctx context.Context, identifier string, filter PageFilter) ([]api.PromptVersion, string, error) {
	path, err := endpoint("/v1/prompts/%s/versions", identifier)
	if err != nil {
		return nil, "", err
	}
	return listPage[api.PromptVersion](ctx, s.client, path, filter.query())
}

// AllVersions yields every version of a prompt, newest first.
func (s *PromptService) AllVersions(ctx context.Context, identifier string, filter PageFilter) iter.Seq2[api.PromptVersion, error] {
	return walk(ctx, filter.Cursor, func(ctx context.Context, cursor string) ([]api.PromptVersion, string, error) {
		filter.Cursor = cursor
		return s.Versions(ctx, identifier, filter)
	})
}

// Update changes a prompt's description or metadata and returns the
// prompt.
func (s *PromptService) Update(ctx context.Context, identifier string, req api.PatchPromptRequest) (*api.Prompt, error) {
	path, err := endpoint("/v1/prompts/%s", identifier)
	if err != nil {
		return nil, err
	}
	var reply api.Envelope[api.Prompt]
	if err := s.client.do(ctx, "PATCH", path, nil, req, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}

// Delete deletes a prompt with its versions and tags.
func (s *PromptService) Delete(ctx context.Context, identifier string) error {
	path, err := endpoint("/v1/prompts/%s", identifier)
	if err != nil {
		return err
	}
	return s.client.do(ctx, "DELETE", path, nil, nil, nil)
}

// Tags returns one page of a version's tags, newest first; IsNotFound
// when the version does not exist.
func (s *PromptService) Tags(ctx context.Context, versionID string, filter PageFilter) ([]api.PromptVersionTag, string, error) {
	path, err := endpoint("/v1/prompt_versions/%s/tags", versionID)
	if err != nil {
		return nil, "", err
	}
	return listPage[api.PromptVersionTag](ctx, s.client, path, filter.query())
}

// Tag puts a tag on a version. A tag name is unique within a prompt: a tag
// another version of the prompt holds moves to this one.
func (s *PromptService) Tag(ctx context.Context, versionID string, tag api.PromptVersionTagData) error {
	path, err := endpoint("/v1/prompt_versions/%s/tags", versionID)
	if err != nil {
		return err
	}
	return s.client.do(ctx, "POST", path, nil, tag, nil)
}

// DeleteTag removes the tag of that name from the prompt the version
// belongs to.
func (s *PromptService) DeleteTag(ctx context.Context, versionID, name string) error {
	path, err := endpoint("/v1/prompt_versions/%s/tags/%s", versionID, name)
	if err != nil {
		return err
	}
	return s.client.do(ctx, "DELETE", path, nil, nil, nil)
}

// CreateFromJSON sends body, the JSON of a CreatePromptRequest, as it is:
// for documents written by hand, whose unknown fields the server should
// see and refuse rather than have dropped by decoding.
func (s *PromptService) CreateFromJSON(ctx context.Context, body []byte) (*api.PromptVersion, error) {
	if !json.Valid(body) {
		return nil, errors.New("create prompt: the body is not valid JSON")
	}
	var reply api.Envelope[api.PromptVersion]
	if err := s.client.do(ctx, "POST", "/v1/prompts", nil, json.RawMessage(body), &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}
