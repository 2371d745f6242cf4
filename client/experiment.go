package client

import (
	"context"
	"io"
	"iter"
	"net/url"

	"github.com/emberhq/ember/api"
)

// ExperimentService calls the experiment routes. Experiment ids are
// Experiment GlobalIDs. Package experiment runs whole experiments on top of
// it.
type ExperimentService struct {
	client *Client
}

// Create creates an experiment over a dataset (a Dataset GlobalID), with its
// project for the task's traces.
func (s *ExperimentService) Create(ctx context.Context, datasetID string, req api.CreateExperimentRequest) (*api.Experiment, error) {
	path, err := endpoint("/v1/datasets/%s/experiments", datasetID)
	if err != nil {
		return nil, err
	}
	var reply api.Envelope[api.Experiment]
	if err := s.client.do(ctx, "POST", path, nil, req, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}

// List returns one page of a dataset's experiments, newest first.
func (s *ExperimentService) List(ctx context.Context, datasetID string, limit int, cursor string) ([]api.Experiment, string, error) {
	path, err := endpoint("/v1/datasets/%s/experiments", datasetID)
	if err != nil {
		return nil, "", err
	}
	q := url.Values{}
	setPage(q, limit, cursor)
	return listPage[api.Experiment](ctx, s.client, path, q)
}

// All yields every experiment of a dataset.
func (s *ExperimentService) All(ctx context.Context, datasetID string) iter.Seq2[api.Experiment, error] {
	return walk(ctx, "", func(ctx context.Context, cursor string) ([]api.Experiment, string, error) {
		return s.List(ctx, datasetID, 0, cursor)
	})
}

// Get returns an experiment with its counts.
func (s *ExperimentService) Get(ctx context.Context, id string) (*api.Experiment, error) {
	path, err := endpoint("/v1/experiments/%s", id)
	if err != nil {
		return nil, err
	}
	var reply api.Envelope[api.Experiment]
	if err := s.client.do(ctx, "GET", path, nil, nil, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}

// Update changes an experiment's name, description or metadata.
func (s *ExperimentService) Update(ctx context.Context, id string, req api.UpdateExperimentRequest) (*api.Experiment, error) {
	path, err := endpoint("/v1/experiments/%s", id)
	if err != nil {
		return nil, err
	}
	var reply api.Envelope[api.Experiment]
	if err := s.client.do(ctx, "PATCH", path, nil, req, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}

// Delete deletes an experiment, and its project when deleteProject is set.
func (s *ExperimentService) Delete(ctx context.Context, id string, deleteProject bool) error {
	path, err := endpoint("/v1/experiments/%s", id)
	if err != nil {
		return err
	}
	q := url.Values{}
	if deleteProject {
		q.Set("delete_project", "true")
	}
	return s.client.do(ctx, "DELETE", path, q, nil, nil)
}

// CreateRun records a run and returns its id. IsConflict tells that the
// example and repetition already have a successful run.
func (s *ExperimentService) CreateRun(ctx context.Context, id string, req api.CreateExperimentRunRequest) (string, error) {
	path, err := endpoint("/v1/experiments/%s/runs", id)
	if err != nil {
		return "", err
	}
	if req.Output == nil {
		req.Output = []byte("null")
	}
	var reply api.Envelope[api.ID]
	if err := s.client.do(ctx, "POST", path, nil, req, &reply); err != nil {
		return "", err
	}
	return reply.Data.ID, nil
}

// Runs returns one page of runs, newest first; limit 0 returns every run.
func (s *ExperimentService) Runs(ctx context.Context, id string, limit int, cursor string) ([]api.ExperimentRun, string, error) {
	path, err := endpoint("/v1/experiments/%s/runs", id)
	if err != nil {
		return nil, "", err
	}
	q := url.Values{}
	setPage(q, limit, cursor)
	return listPage[api.ExperimentRun](ctx, s.client, path, q)
}

// IncompleteRuns returns one page of examples that still need runs.
func (s *ExperimentService) IncompleteRuns(ctx context.Context, id string, limit int, cursor string) ([]api.IncompleteExperimentRun, string, error) {
	path, err := endpoint("/v1/experiments/%s/incomplete-runs", id)
	if err != nil {
		return nil, "", err
	}
	q := url.Values{}
	setPage(q, limit, cursor)
	return listPage[api.IncompleteExperimentRun](ctx, s.client, path, q)
}

// IncompleteEvaluations returns one page of successful runs that lack a
// successful evaluation under some of names.
func (s *ExperimentService) IncompleteEvaluations(ctx context.Context, id string, names []string, limit int, cursor string) ([]api.IncompleteExperimentEvaluation, string, error) {
	path, err := endpoint("/v1/experiments/%s/incomplete-evaluations", id)
	if err != nil {
		return nil, "", err
	}
	q := url.Values{}
	setPage(q, limit, cursor)
	setAll(q, "evaluation_name", names)
	return listPage[api.IncompleteExperimentEvaluation](ctx, s.client, path, q)
}

// UpsertEvaluation records a run's evaluation, replacing one of the same
// name, and returns its id.
func (s *ExperimentService) UpsertEvaluation(ctx context.Context, req api.UpsertExperimentEvaluationRequest) (string, error) {
	var reply api.Envelope[api.ID]
	if err := s.client.do(ctx, "POST", "/v1/experiment_evaluations", nil, req, &reply); err != nil {
		return "", err
	}
	return reply.Data.ID, nil
}

// Download writes the runs as JSON ("json") or CSV ("csv") to w.
func (s *ExperimentService) Download(ctx context.Context, id, format string, w io.Writer) error {
	path, err := endpoint("/v1/experiments/%s/"+url.PathEscape(format), id)
	if err != nil {
		return err
	}
	resp, err := s.client.send(ctx, "GET", path, nil, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(w, resp.Body)
	return err
}

// Tags returns an experiment's tags.
func (s *ExperimentService) Tags(ctx context.Context, id string) ([]api.ExperimentTag, error) {
	path, err := endpoint("/v1/experiments/%s/tags", id)
	if err != nil {
		return nil, err
	}
	var reply api.Envelope[[]api.ExperimentTag]
	if err := s.client.do(ctx, "GET", path, nil, nil, &reply); err != nil {
		return nil, err
	}
	return reply.Data, nil
}

// SetTag puts a tag on an experiment, moving it from another experiment of
// the dataset.
func (s *ExperimentService) SetTag(ctx context.Context, id string, req api.SetExperimentTagRequest) (*api.ExperimentTag, error) {
	path, err := endpoint("/v1/experiments/%s/tags", id)
	if err != nil {
		return nil, err
	}
	var reply api.Envelope[api.ExperimentTag]
	if err := s.client.do(ctx, "POST", path, nil, req, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}

// DeleteTag removes a tag named by name or ExperimentTag GlobalID.
func (s *ExperimentService) DeleteTag(ctx context.Context, id, tag string) error {
	path, err := endpoint("/v1/experiments/%s/tags/%s", id, tag)
	if err != nil {
		return err
	}
	return s.client.do(ctx, "DELETE", path, nil, nil, nil)
}
