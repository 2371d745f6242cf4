package client

import (
	"context"
	"iter"
	"net/url"

	"github.com/emberhq/ember/api"
)

// ProjectService calls the /v1/projects routes. A project identifier is a
// project's GlobalID or its name.
type ProjectService struct {
	client *Client
}

// ProjectFilter selects projects; the zero value lists every project
// except experiment projects, newest first.
type ProjectFilter struct {
	// NameContains keeps projects whose name contains it, ignoring case.
	NameContains string
	// IncludeExperimentProjects also lists the projects that experiment
	// runs trace into, which Phoenix hides by default.
	IncludeExperimentProjects bool
	// IncludeDatasetEvaluatorProjects also lists the projects of
	// persisted dataset evaluators.
	IncludeDatasetEvaluatorProjects bool
	// Limit is the page size; 0 leaves the server's default (100).
	Limit int
	// Cursor starts the listing at a next cursor from an earlier page.
	Cursor string
}

func (f ProjectFilter) query() url.Values {
	q := url.Values{}
	setPage(q, f.Limit, f.Cursor)
	if f.NameContains != "" {
		q.Set("name_contains", f.NameContains)
	}
	if f.IncludeExperimentProjects {
		q.Set("include_experiment_projects", "true")
	}
	if f.IncludeDatasetEvaluatorProjects {
		q.Set("include_dataset_evaluator_projects", "true")
	}
	return q
}

// List returns one page of projects and the cursor of the next page, ""
// on the last one.
func (s *ProjectService) List(ctx context.Context, filter ProjectFilter) ([]api.Project, string, error) {
	return listPage[api.Project](ctx, s.client, "/v1/projects", filter.query())
}

// All yields every project that filter selects, fetching pages as the loop
// goes.
func (s *ProjectService) All(ctx context.Context, filter ProjectFilter) iter.Seq2[api.Project, error] {
	return walk(ctx, filter.Cursor, func(ctx context.Context, cursor string) ([]api.Project, string, error) {
		filter.Cursor = cursor
		return s.List(ctx, filter)
	})
}

// Get returns a project by GlobalID or name; IsNotFound when there is none.
func (s *ProjectService) Get(ctx context.Context, identifier string) (*api.Project, error) {
	path, err := endpoint("/v1/projects/%s", identifier)
	if err != nil {
		return nil, err
	}
	var reply api.Envelope[api.Project]
	if err := s.client.do(ctx, "GET", path, nil, nil, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}

// Create creates a project and returns it with its id.
func (s *ProjectService) Create(ctx context.Context, req api.CreateProjectRequest) (*api.Project, error) {
	var reply api.Envelope[api.Project]
	if err := s.client.do(ctx, "POST", "/v1/projects", nil, req, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}

// Update changes a project's description and returns the project. Phoenix
// lets only admins do this.
func (s *ProjectService) Update(ctx context.Context, identifier string, req api.UpdateProjectRequest) (*api.Project, error) {
	path, err := endpoint("/v1/projects/%s", identifier)
	if err != nil {
		return nil, err
	}
	var reply api.Envelope[api.Project]
	if err := s.client.do(ctx, "PUT", path, nil, req, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}

// Delete deletes a project with all its traces, spans and sessions. The
// default project cannot be deleted (IsForbidden).
func (s *ProjectService) Delete(ctx context.Context, identifier string) error {
	path, err := endpoint("/v1/projects/%s", identifier)
	if err != nil {
		return err
	}
	return s.client.do(ctx, "DELETE", path, nil, nil, nil)
}
