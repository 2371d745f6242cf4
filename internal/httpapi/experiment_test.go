package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/emberhq/ember"
)

// fakeExperiments answers the writes the experiment bodies lead to; the
// methods it leaves out are never reached by those routes.
type fakeExperiments struct {
	ember.ExperimentService
}

func (fakeExperiments) FindExperimentByID(ctx context.Context, id int64) (*ember.Experiment, error) {
	return &ember.Experiment{ID: id, Repetitions: 1}, nil
}

func (fakeExperiments) RecordExperimentRun(ctx context.Context, run *ember.ExperimentRun) error {
	run.ID = 1
	return nil
}

func (fakeExperiments) UpsertExperimentEvaluation(ctx context.Context, ev *ember.ExperimentEvaluation) error {
	ev.ID = 1
	return nil
}

func (fakeExperiments) UpdateExperiment(ctx context.Context, id int64, upd ember.ExperimentUpdate) (*ember.Experiment, error) {
	return &ember.Experiment{ID: id, Repetitions: 1}, nil
}

// FuzzExperimentBodies feeds arbitrary bodies to the routes that parse
// experiment JSON: a reply is always a success or a client error.
func FuzzExperimentBodies(f *testing.F) {
	for _, seed := range []string{
		`{"dataset_example_id":"RGF0YXNldEV4YW1wbGU6MQ==","output":{"a":1},"repetition_number":1,"start_time":"2025-01-01T00:00:00Z","end_time":"2025-01-01T00:00:01Z"}`,
		`{"experiment_run_id":"RXhwZXJpbWVudFJ1bjox","name":"n","annotator_kind":"CODE","start_time":"2025-01-01T00:00:00Z","end_time":"2025-01-01T00:00:00Z","result":{"score":1}}`,
		`{"name":"x","description":null,"metadata":{"k":[1]}}`,
		`{"output":null}`, `[]`, `null`, `{"repetition_number":"1"}`, `{"result":{"score":"high"}}`,
	} {
		f.Add(seed)
	}
	mux := http.NewServeMux()
	h := &Handler{Datasets: nil, Experiments: fakeExperiments{}}
	h.registerExperimentRoutes(mux)
	x := ember.GlobalID("Experiment", 1)
	f.Fuzz(func(t *testing.T, body string) {
		for _, route := range [][2]string{{"POST", "/v1/experiments/" + x + "/runs"}, {"POST", "/v1/experiment_evaluations"}, {"PATCH", "/v1/experiments/" + x}} {
			req := httptest.NewRequest(route[0], route[1], strings.NewReader(body))
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			switch rec.Code {
			case http.StatusOK, http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity:
			default:
				t.Fatalf("%s %s with %q: %d %s", route[0], route[1], body, rec.Code, rec.Body)
			}
		}
	})
}
