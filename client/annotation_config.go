package client

import (
	"context"
	"iter"
	"net/url"

	"github.com/emberhq/ember/api"
)

// AnnotationConfigService calls the annotation config routes. A config
// identifier is a config's GlobalID or its name.
type AnnotationConfigService struct {
	client *Client
}

// AnnotationConfigFilter pages through configs, newest first.
type AnnotationConfigFilter struct {
	// Limit is the page size; 0 leaves the server's default (100).
	Limit int
	// Cursor starts the listing at a next cursor from an earlier page.
	Cursor string
}

func (f AnnotationConfigFilter) query() url.Values {
	q := url.Values{}
	setPage(q, f.Limit, f.Cursor)
	return q
}

// List returns one page of every config and the cursor of the next page,
// "" on the last one.
func (s *AnnotationConfigService) List(ctx context.Context, filter AnnotationConfigFilter) ([]api.AnnotationConfig, string, error) {
	return listPage[api.AnnotationConfig](ctx, s.client, "/v1/annotation_configs", filter.query())
}

// All yields every config.
func (s *AnnotationConfigService) All(ctx context.Context, filter AnnotationConfigFilter) iter.Seq2[api.AnnotationConfig, error] {
	return walk(ctx, filter.Cursor, func(ctx context.Context, cursor string) ([]api.AnnotationConfig, string, error) {
		filter.Cursor = cursor
		return s.List(ctx, filter)
	})
}

// one sends a request whose reply is one config.
func (s *AnnotationConfigService) one(ctx context.Context, method, path string, in any) (*api.AnnotationConfig, error) {
	var reply api.Envelope[api.AnnotationConfig]
	if err := s.client.do(ctx, method, path, nil, in, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}

// Get returns a config; IsNotFound when there is none.
func (s *AnnotationConfigService) Get(ctx context.Context, identifier string) (*api.AnnotationConfig, error) {
	path, err := endpoint("/v1/annotation_configs/%s", identifier)
	if err != nil {
		return nil, err
	}
	return s.one(ctx, "GET", path, nil)
}

// Create stores a config and returns it with its GlobalID. A taken name,
// or "note", is IsConflict; an inconsistent config (no labels, repeated
// labels, bounds the wrong way round) is IsBadRequest.
func (s *AnnotationConfigService) Create(ctx context.Context, config api.AnnotationConfig) (*api.AnnotationConfig, error) {
	return s.one(ctx, "POST", "/v1/annotation_configs", config)
}

// Update replaces a config's name and settings, type included, with
// Create's errors and IsNotFound.
func (s *AnnotationConfigService) Update(ctx context.Context, identifier string, config api.AnnotationConfig) (*api.AnnotationConfig, error) {
	path, err := endpoint("/v1/annotation_configs/%s", identifier)
	if err != nil {
		return nil, err
	}
	return s.one(ctx, "PUT", path, config)
}

// Delete deletes a config, and its assignments to projects, and returns
// it.
func (s *AnnotationConfigService) Delete(ctx context.Context, identifier string) (*api.AnnotationConfig, error) {
	path, err := endpoint("/v1/annotation_configs/%s", identifier)
	if err != nil {
		return nil, err
	}
	return s.one(ctx, "DELETE", path, nil)
}

// ListForProject returns one page of the configs assigned to a project.
func (s *AnnotationConfigService) ListForProject(ctx context.Context, project string, filter AnnotationConfigFilter) ([]api.AnnotationConfig, string, error) {
	path, err := endpoint("/v1/projects/%s/annotation_configs", project)
	if err != nil {
		return nil, "", err
	}
	return listPage[api.AnnotationConfig](ctx, s.client, path, filter.query())
}

// AllForProject yields every config assigned to a project.
func (s *AnnotationConfigService) AllForProject(ctx context.Context, project string, filter AnnotationConfigFilter) iter.Seq2[api.AnnotationConfig, error] {
	return walk(ctx, filter.Cursor, func(ctx context.Context, cursor string) ([]api.AnnotationConfig, string, error) {
		filter.Cursor = cursor
		return s.ListForProject(ctx, project, filter)
	})
}

// Assign assigns a config to a project and returns the config; assigning
// it again changes nothing.
func (s *AnnotationConfigService) Assign(ctx context.Context, project, config string) (*api.AnnotationConfig, error) {
	path, err := endpoint("/v1/projects/%s/annotation_configs/%s", project, config)
	if err != nil {
		return nil, err
	}
	return s.one(ctx, "PUT", path, nil)
}

// Unassign takes a config off a project, if it was on it; the config
// stays.
func (s *AnnotationConfigService) Unassign(ctx context.Context, project, config string) error {
	path, err := endpoint("/v1/projects/%s/annotation_configs/%s", project, config)
	if err != nil {
		return err
	}
	return s.client.do(ctx, "DELETE", path, nil, nil, nil)
}

// SetForProject makes the configs named by GlobalID the project's whole
// set and returns them, newest first. An id that names no config is
// IsUnprocessable and changes nothing.
func (s *AnnotationConfigService) SetForProject(ctx context.Context, project string, configIDs []string) ([]api.AnnotationConfig, error) {
	path, err := endpoint("/v1/projects/%s/annotation_configs", project)
	if err != nil {
		return nil, err
	}
	if configIDs == nil {
		configIDs = []string{}
	}
	var reply api.Page[api.AnnotationConfig]
	if err := s.client.do(ctx, "PUT", path, nil, api.SetProjectAnnotationConfigsRequest{AnnotationConfigIDs: configIDs}, &reply); err != nil {
		return nil, err
	}
	return reply.Data, nil
}
