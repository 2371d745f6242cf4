package httpapi

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/prompt"
)

// experimentJSON is an experiment as the REST API shows it.
type experimentJSON struct {
	ID                 string          `json:"id"`
	DatasetID          string          `json:"dataset_id"`
	DatasetVersionID   string          `json:"dataset_version_id"`
	Name               string          `json:"name"`
	Description        *string         `json:"description"`
	Repetitions        int             `json:"repetitions"`
	Metadata           json.RawMessage `json:"metadata"`
	ProjectName        *string         `json:"project_name"`
	CreatedAt          string          `json:"created_at"`
	UpdatedAt          string          `json:"updated_at"`
	ExampleCount       int64           `json:"example_count"`
	SuccessfulRunCount int64           `json:"successful_run_count"`
	FailedRunCount     int64           `json:"failed_run_count"`
	MissingRunCount    int64           `json:"missing_run_count"`
}

func toExperimentJSON(e *ember.Experiment) experimentJSON {
	project := e.ProjectName
	return experimentJSON{
		ID: ember.GlobalID("Experiment", e.ID), DatasetID: ember.GlobalID("Dataset", e.DatasetID),
		DatasetVersionID: ember.GlobalID("DatasetVersion", e.VersionID), Name: e.Name, Description: e.Description,
		Repetitions: e.Repetitions, Metadata: objectOr(e.Metadata), ProjectName: &project,
		CreatedAt: isoTime(e.CreatedAt), UpdatedAt: isoTime(e.UpdatedAt),
		ExampleCount: e.ExampleCount, SuccessfulRunCount: e.SuccessfulRunCount, FailedRunCount: e.FailedRunCount,
		MissingRunCount: e.MissingRunCount(),
	}
}

// experimentRunJSON is a run as the REST API shows it.
type experimentRunJSON struct {
	ID               string          `json:"id"`
	ExperimentID     string          `json:"experiment_id"`
	DatasetExampleID string          `json:"dataset_example_id"`
	Output           json.RawMessage `json:"output"`
	RepetitionNumber int             `json:"repetition_number"`
	StartTime        string          `json:"start_time"`
	EndTime          string          `json:"end_time"`
	TraceID          *string         `json:"trace_id"`
	Error            *string         `json:"error"`
}

func toRunJSON(r *ember.ExperimentRun) experimentRunJSON {
	return experimentRunJSON{
		ID: ember.GlobalID("ExperimentRun", r.ID), ExperimentID: ember.GlobalID("Experiment", r.ExperimentID),
		DatasetExampleID: ember.GlobalID("DatasetExample", r.ExampleID), Output: r.Output, RepetitionNumber: r.RepetitionNumber,
		StartTime: isoTime(r.StartTime), EndTime: isoTime(r.EndTime), TraceID: r.TraceID, Error: r.Error,
	}
}

type experimentTagJSON struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
}

func toTagJSON(t *ember.ExperimentTag) experimentTagJSON {
	return experimentTagJSON{ID: ember.GlobalID("ExperimentTag", t.ID), Name: t.Name, Description: t.Description}
}

func (h *Handler) registerExperimentRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/datasets/{id}/experiments", h.handleExperimentCreate)
	mux.HandleFunc("GET /v1/datasets/{id}/experiments", h.handleExperimentIndex)
	mux.HandleFunc("GET /v1/experiments/{experiment_id}", h.handleExperimentView)
	mux.HandleFunc("PATCH /v1/experiments/{experiment_id}", h.handleExperimentUpdate)
	mux.HandleFunc("DELETE /v1/experiments/{experiment_id}", h.handleExperimentDelete)
	mux.HandleFunc("POST /v1/experiments/{experiment_id}/runs", h.handleExperimentRunCreate)
	mux.HandleFunc("GET /v1/experiments/{experiment_id}/runs", h.handleExperimentRunIndex)
	mux.HandleFunc("GET /v1/experiments/{experiment_id}/incomplete-runs", h.handleIncompleteRuns)
	mux.HandleFunc("GET /v1/experiments/{experiment_id}/incomplete-evaluations", h.handleIncompleteEvaluations)
	mux.HandleFunc("POST /v1/experiment_evaluations", h.handleExperimentEvaluationUpsert)
	mux.HandleFunc("GET /v1/experiments/{experiment_id}/json", h.handleExperimentJSON)
	mux.HandleFunc("GET /v1/experiments/{experiment_id}/csv", h.handleExperimentCSV)
	mux.HandleFunc("GET /v1/experiments/{experiment_id}/tags", h.handleExperimentTagIndex)
	mux.HandleFunc("POST /v1/experiments/{experiment_id}/tags", h.handleExperimentTagSet)
	mux.HandleFunc("DELETE /v1/experiments/{experiment_id}/tags/{tag_identifier}", h.handleExperimentTagDelete)
}

// experimentID reads {experiment_id}: a GlobalID that does not decode is a
// 422, one of another type a 404.
func experimentID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	raw := r.PathValue("experiment_id")
	id, ok := globalIDOf(w, raw, "Experiment", http.StatusNotFound)
	if !ok {
		return 0, false
	}
	return id, true
}

// experimentOf reads {experiment_id} and loads the experiment.
func (h *Handler) experimentOf(w http.ResponseWriter, r *http.Request) (*ember.Experiment, bool) {
	id, ok := experimentID(w, r)
	if !ok {
		return nil, false
	}
	x, err := h.Experiments.FindExperimentByID(r.Context(), id)
	if err != nil {
		h.Error(w, r, err)
		return nil, false
	}
	return x, true
}

func (h *Handler) handleExperimentCreate(w http.ResponseWriter, r *http.Request) {
	d, ok := h.datasetOf(w, r)
	if !ok {
		return
	}
	var body struct {
		Name        *string          `json:"name"`
		Description *string          `json:"description"`
		Metadata    *json.RawMessage `json:"metadata"`
		VersionID   *string          `json:"version_id"`
		Splits      []string         `json:"splits"`
		Repetitions *int             `json:"repetitions"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	ne := &ember.NewExperiment{DatasetID: d.ID, Description: body.Description, Repetitions: 1}
	if body.Name != nil {
		ne.Name = *body.Name
	}
	if body.Repetitions != nil {
		if *body.Repetitions < 1 {
			writeValidation(w, validationIssue{Type: "greater_than", Loc: []any{"body", "repetitions"}, Msg: "Input should be greater than 0", Input: *body.Repetitions, Ctx: map[string]any{"gt": 0}})
			return
		}
		ne.Repetitions = *body.Repetitions
	}
	if body.Metadata != nil && string(*body.Metadata) != "null" {
		if !isJSONObject(*body.Metadata) {
			writeValidation(w, validationIssue{Type: "dict_type", Loc: []any{"body", "metadata"}, Msg: "Input should be a valid dictionary", Input: *body.Metadata})
			return
		}
		ne.Metadata = *body.Metadata
	}
	if body.VersionID != nil {
		id, ok := globalIDOf(w, *body.VersionID, "DatasetVersion", http.StatusNotFound)
		if !ok {
			return
		}
		ne.VersionID = id
	}
	for _, s := range body.Splits {
		split, err := h.splitByIdentifier(r, s)
		if err != nil {
			h.Error(w, r, err)
			return
		}
		ne.SplitIDs = append(ne.SplitIDs, split.ID)
	}
	x, err := h.Experiments.CreateExperiment(r.Context(), ne)
	if ember.ErrorCode(err) == ember.ENOTFOUND && ne.VersionID != 0 {
		WriteText(w, http.StatusNotFound, fmt.Sprintf("DatasetVersion with ID %s does not exist", *body.VersionID))
		return
	} else if ember.ErrorCode(err) == ember.ENOTFOUND {
		WriteText(w, http.StatusNotFound, fmt.Sprintf("Dataset %s does not have any versions", ember.GlobalID("Dataset", d.ID)))
		return
	} else if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toExperimentJSON(x)})
}

func isJSONObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

func (h *Handler) handleExperimentIndex(w http.ResponseWriter, r *http.Request) {
	d, ok := h.datasetOf(w, r)
	if !ok {
		return
	}
	limit, cursor, ok := h.queryPage(w, r, 50, 0)
	if !ok {
		return
	}
	xs, err := h.Experiments.FindExperiments(r.Context(), d.ID, cursor, limit+1)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	xs, next := page(xs, limit, func(x *ember.Experiment) string { return ember.GlobalID("Experiment", x.ID) })
	data := make([]experimentJSON, len(xs))
	for i, x := range xs {
		data[i] = toExperimentJSON(x)
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: data, NextCursor: next})
}

func (h *Handler) handleExperimentView(w http.ResponseWriter, r *http.Request) {
	x, ok := h.experimentOf(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toExperimentJSON(x)})
}

// handleExperimentUpdate changes name, description and metadata. An
// omitted field stays; a null description clears it; a null name or
// metadata is refused.
func (h *Handler) handleExperimentUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := experimentID(w, r)
	if !ok {
		return
	}
	var body map[string]json.RawMessage
	if !decodeBody(w, r, &body) {
		return
	}
	var upd ember.ExperimentUpdate
	changed := false
	for key, raw := range body {
		isNull := string(bytes.TrimSpace(raw)) == "null"
		switch key {
		case "name":
			var s string
			if isNull || json.Unmarshal(raw, &s) != nil {
				writeValidation(w, validationIssue{Type: "string_type", Loc: []any{"body", "name"}, Msg: "Input should be a valid string", Input: raw})
				return
			}
			upd.Name, changed = &s, true
		case "description":
			if isNull {
				upd.ClearDescription, changed = true, true
				continue
			}
			var s string
			if json.Unmarshal(raw, &s) != nil {
				writeValidation(w, validationIssue{Type: "string_type", Loc: []any{"body", "description"}, Msg: "Input should be a valid string", Input: raw})
				return
			}
			upd.Description, changed = &s, true
		case "metadata":
			if isNull || !isJSONObject(raw) {
				writeValidation(w, validationIssue{Type: "dict_type", Loc: []any{"body", "metadata"}, Msg: "Input should be a valid dictionary", Input: raw})
				return
			}
			upd.Metadata, changed = raw, true
		}
	}
	if !changed {
		WriteText(w, http.StatusUnprocessableEntity, "No fields to update")
		return
	}
	x, err := h.Experiments.UpdateExperiment(r.Context(), id, upd)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toExperimentJSON(x)})
}

func (h *Handler) handleExperimentDelete(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("experiment_id")
	id, ok := globalIDOf(w, raw, "Experiment", http.StatusUnprocessableEntity)
	if !ok {
		return
	}
	deleteProject, ok := queryBool(w, r, "delete_project", false)
	if !ok {
		return
	}
	if err := h.Experiments.DeleteExperiment(r.Context(), id, deleteProject); err != nil {
		h.Error(w, r, err)
		return
	}
	writeNoContent(w)
}

// requireFields answers 422 listing the required body fields that are
// absent from raw.
func requireFields(w http.ResponseWriter, raw map[string]json.RawMessage, names ...string) bool {
	var issues []validationIssue
	for _, n := range names {
		if _, ok := raw[n]; !ok {
			issues = append(issues, validationIssue{Type: "missing", Loc: []any{"body", n}, Msg: "Field required", Input: raw})
		}
	}
	if len(issues) > 0 {
		writeValidation(w, issues...)
		return false
	}
	return true
}

// bodyTime reads a required time field of a body already checked present.
func bodyTime(w http.ResponseWriter, raw json.RawMessage, name string) (time.Time, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if t, ok := parseISOTime(s); ok {
			return t, true
		}
	}
	writeValidation(w, validationIssue{Type: "datetime_from_date_parsing", Loc: []any{"body", name}, Msg: "Input should be a valid datetime", Input: raw})
	return time.Time{}, false
}

func (h *Handler) handleExperimentRunCreate(w http.ResponseWriter, r *http.Request) {
	id, ok := experimentID(w, r)
	if !ok {
		return
	}
	var raw map[string]json.RawMessage
	if !decodeBody(w, r, &raw) {
		return
	}
	if !requireFields(w, raw, "dataset_example_id", "output", "repetition_number", "start_time", "end_time") {
		return
	}
	var body struct {
		DatasetExampleID string  `json:"dataset_example_id"`
		RepetitionNumber int     `json:"repetition_number"`
		TraceID          *string `json:"trace_id"`
		Error            *string `json:"error"`
	}
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &body); err != nil {
		writeValidation(w, validationIssue{Type: "model_type", Loc: []any{"body"}, Msg: "Input is not a valid experiment run: " + err.Error(), Input: nil})
		return
	}
	if body.RepetitionNumber < 1 {
		writeValidation(w, validationIssue{Type: "greater_than", Loc: []any{"body", "repetition_number"}, Msg: "Input should be greater than 0", Input: body.RepetitionNumber, Ctx: map[string]any{"gt": 0}})
		return
	}
	start, ok := bodyTime(w, raw["start_time"], "start_time")
	if !ok {
		return
	}
	end, ok := bodyTime(w, raw["end_time"], "end_time")
	if !ok {
		return
	}
	exampleID, ok := globalIDOf(w, body.DatasetExampleID, "DatasetExample", http.StatusNotFound)
	if !ok {
		return
	}
	if _, err := h.Experiments.FindExperimentByID(r.Context(), id); err != nil {
		h.Error(w, r, err)
		return
	}
	run := &ember.ExperimentRun{ExperimentID: id, ExampleID: exampleID, RepetitionNumber: body.RepetitionNumber,
		Output: raw["output"], StartTime: start, EndTime: end, TraceID: body.TraceID, Error: body.Error}
	if err := h.Experiments.RecordExperimentRun(r.Context(), run); err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: map[string]string{"id": ember.GlobalID("ExperimentRun", run.ID)}})
}

func (h *Handler) handleExperimentRunIndex(w http.ResponseWriter, r *http.Request) {
	x, ok := h.experimentOf(w, r)
	if !ok {
		return
	}
	limit, cursor, ok := h.queryPage(w, r, 0, 0)
	if !ok {
		return
	}
	fetch := 0
	if limit > 0 {
		fetch = limit + 1
	}
	runs, err := h.Experiments.FindExperimentRuns(r.Context(), x.ID, cursor, fetch)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	var next *string
	if limit > 0 {
		runs, next = page(runs, limit, func(run *ember.ExperimentRun) string { return ember.GlobalID("ExperimentRun", run.ID) })
	}
	data := make([]experimentRunJSON, len(runs))
	for i, run := range runs {
		data[i] = toRunJSON(run)
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: data, NextCursor: next})
}

func (h *Handler) handleIncompleteRuns(w http.ResponseWriter, r *http.Request) {
	x, ok := h.experimentOf(w, r)
	if !ok {
		return
	}
	limit, cursor, ok := h.queryPage(w, r, 50, 0)
	if !ok {
		return
	}
	items, err := h.Experiments.FindIncompleteRuns(r.Context(), x.ID, cursor, limit+1)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	items, next := page(items, limit, func(ir *ember.IncompleteRun) string { return ember.GlobalID("DatasetExample", ir.Example.ID) })
	type item struct {
		DatasetExample    exampleJSON `json:"dataset_example"`
		RepetitionNumbers []int       `json:"repetition_numbers"`
	}
	data := make([]item, len(items))
	for i, ir := range items {
		data[i] = item{DatasetExample: toExampleJSON(&ir.Example), RepetitionNumbers: ir.Repetitions}
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: data, NextCursor: next})
}

func (h *Handler) handleIncompleteEvaluations(w http.ResponseWriter, r *http.Request) {
	x, ok := h.experimentOf(w, r)
	if !ok {
		return
	}
	var names []string
	for _, n := range r.URL.Query()["evaluation_name"] {
		if strings.ContainsRune(n, 0) {
			WriteText(w, http.StatusBadRequest, "Invalid evaluation name: null bytes are not allowed")
			return
		}
		if n = strings.TrimSpace(n); n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		WriteText(w, http.StatusBadRequest, "At least one evaluation_name must be provided")
		return
	}
	limit, cursor, ok := h.queryPage(w, r, 50, 0)
	if !ok {
		return
	}
	items, err := h.Experiments.FindIncompleteEvaluations(r.Context(), x.ID, names, cursor, limit+1)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	items, next := page(items, limit, func(ie *ember.IncompleteEvaluation) string { return ember.GlobalID("ExperimentRun", ie.Run.ID) })
	type item struct {
		ExperimentRun   experimentRunJSON `json:"experiment_run"`
		DatasetExample  exampleJSON       `json:"dataset_example"`
		EvaluationNames []string          `json:"evaluation_names"`
	}
	data := make([]item, len(items))
	for i, ie := range items {
		data[i] = item{ExperimentRun: toRunJSON(&ie.Run), DatasetExample: toExampleJSON(&ie.Example), EvaluationNames: ie.Names}
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: data, NextCursor: next})
}

func (h *Handler) handleExperimentEvaluationUpsert(w http.ResponseWriter, r *http.Request) {
	var raw map[string]json.RawMessage
	if !decodeBody(w, r, &raw) {
		return
	}
	if !requireFields(w, raw, "experiment_run_id", "name", "annotator_kind", "start_time", "end_time") {
		return
	}
	var body struct {
		ExperimentRunID string `json:"experiment_run_id"`
		Name            string `json:"name"`
		AnnotatorKind   string `json:"annotator_kind"`
		Result          *struct {
			Label       *string  `json:"label"`
			Score       *float64 `json:"score"`
			Explanation *string  `json:"explanation"`
		} `json:"result"`
		Error    *string          `json:"error"`
		Metadata *json.RawMessage `json:"metadata"`
		TraceID  *string          `json:"trace_id"`
	}
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &body); err != nil {
		writeValidation(w, validationIssue{Type: "model_type", Loc: []any{"body"}, Msg: "Input is not a valid experiment evaluation: " + err.Error(), Input: nil})
		return
	}
	switch body.AnnotatorKind {
	case "LLM", "CODE", "HUMAN":
	default:
		writeValidation(w, validationIssue{Type: "literal_error", Loc: []any{"body", "annotator_kind"}, Msg: "Input should be 'LLM', 'CODE' or 'HUMAN'", Input: body.AnnotatorKind, Ctx: map[string]any{"expected": "'LLM', 'CODE' or 'HUMAN'"}})
		return
	}
	if body.Result == nil && body.Error == nil {
		writeValidation(w, validationIssue{Type: "value_error", Loc: []any{"body"}, Msg: "Value error, Either result or error must be provided", Input: nil})
		return
	}
	start, ok := bodyTime(w, raw["start_time"], "start_time")
	if !ok {
		return
	}
	end, ok := bodyTime(w, raw["end_time"], "end_time")
	if !ok {
		return
	}
	runID, ok := globalIDOf(w, body.ExperimentRunID, "ExperimentRun", http.StatusNotFound)
	if !ok {
		return
	}
	ev := &ember.ExperimentEvaluation{RunID: runID, Name: body.Name, AnnotatorKind: body.AnnotatorKind, Error: body.Error,
		TraceID: body.TraceID, StartTime: start, EndTime: end}
	if body.Result != nil {
		ev.Label, ev.Score, ev.Explanation = body.Result.Label, body.Result.Score, body.Result.Explanation
	}
	if body.Metadata != nil && string(*body.Metadata) != "null" {
		if !isJSONObject(*body.Metadata) {
			writeValidation(w, validationIssue{Type: "dict_type", Loc: []any{"body", "metadata"}, Msg: "Input should be a valid dictionary", Input: *body.Metadata})
			return
		}
		ev.Metadata = *body.Metadata
	}
	if err := h.Experiments.UpsertExperimentEvaluation(r.Context(), ev); err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: map[string]string{"id": ember.GlobalID("ExperimentEvaluation", ev.ID)}})
}

// experimentRecords loads a download's records; an experiment without runs
// is a 404.
func (h *Handler) experimentRecords(w http.ResponseWriter, r *http.Request) (*ember.Experiment, []*ember.ExperimentRecord, bool) {
	raw := r.PathValue("experiment_id")
	id, ok := globalIDOf(w, raw, "Experiment", http.StatusUnprocessableEntity)
	if !ok {
		return nil, nil, false
	}
	x, err := h.Experiments.FindExperimentByID(r.Context(), id)
	if err != nil {
		h.Error(w, r, err)
		return nil, nil, false
	}
	records, err := h.Experiments.FindExperimentRecords(r.Context(), id)
	if err != nil {
		h.Error(w, r, err)
		return nil, nil, false
	}
	if len(records) == 0 {
		WriteText(w, http.StatusNotFound, fmt.Sprintf("Experiment with ID %s has no runs", raw))
		return nil, nil, false
	}
	return x, records, true
}

// latencyMS is a run's duration in milliseconds.
func latencyMS(run *ember.ExperimentRun) float64 {
	return float64(run.EndTime.Sub(run.StartTime).Microseconds()) / 1000
}

type evaluationRecordJSON struct {
	Name          string          `json:"name"`
	AnnotatorKind string          `json:"annotator_kind"`
	Label         *string         `json:"label"`
	Score         *float64        `json:"score"`
	Explanation   *string         `json:"explanation"`
	TraceID       *string         `json:"trace_id"`
	Error         *string         `json:"error"`
	Metadata      json.RawMessage `json:"metadata"`
	StartTime     string          `json:"start_time"`
	EndTime       string          `json:"end_time"`
}

type experimentRecordJSON struct {
	ExampleID            string                 `json:"example_id"`
	RepetitionNumber     int                    `json:"repetition_number"`
	Input                json.RawMessage        `json:"input"`
	ReferenceOutput      json.RawMessage        `json:"reference_output"`
	Output               json.RawMessage        `json:"output"`
	Error                *string                `json:"error"`
	LatencyMS            float64                `json:"latency_ms"`
	StartTime            string                 `json:"start_time"`
	EndTime              string                 `json:"end_time"`
	TraceID              *string                `json:"trace_id"`
	PromptTokenCount     *int64                 `json:"prompt_token_count"`
	CompletionTokenCount *int64                 `json:"completion_token_count"`
	Annotations          []evaluationRecordJSON `json:"annotations"`
}

func toEvaluationRecord(ev *ember.ExperimentEvaluation) evaluationRecordJSON {
	return evaluationRecordJSON{Name: ev.Name, AnnotatorKind: ev.AnnotatorKind, Label: ev.Label, Score: ev.Score, Explanation: ev.Explanation,
		TraceID: ev.TraceID, Error: ev.Error, Metadata: objectOr(ev.Metadata), StartTime: isoTime(ev.StartTime), EndTime: isoTime(ev.EndTime)}
}

// handleExperimentJSON downloads the runs as one JSON array, by example
// and repetition, each with its example and evaluations.
func (h *Handler) handleExperimentJSON(w http.ResponseWriter, r *http.Request) {
	x, records, ok := h.experimentRecords(w, r)
	if !ok {
		return
	}
	out := make([]experimentRecordJSON, len(records))
	for i, rec := range records {
		out[i] = experimentRecordJSON{
			ExampleID: ember.GlobalID("DatasetExample", rec.Example.ID), RepetitionNumber: rec.Run.RepetitionNumber,
			Input: objectOr(rec.Example.Input), ReferenceOutput: objectOr(rec.Example.Output), Output: rec.Run.Output,
			Error: rec.Run.Error, LatencyMS: latencyMS(&rec.Run), StartTime: isoTime(rec.Run.StartTime), EndTime: isoTime(rec.Run.EndTime),
			TraceID: rec.Run.TraceID, PromptTokenCount: rec.PromptTokens, CompletionTokenCount: rec.CompletionTokens,
			Annotations: make([]evaluationRecordJSON, len(rec.Evaluations)),
		}
		for j := range rec.Evaluations {
			out[i].Annotations[j] = toEvaluationRecord(&rec.Evaluations[j])
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		h.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", x.Name+".json"))
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// evaluationFields are the per-evaluation columns of the CSV download.
var evaluationFields = []string{"label", "score", "explanation", "metadata", "annotator_kind", "trace_id", "error", "start_time", "end_time"}

// handleExperimentCSV downloads the runs as CSV: the run columns, then
// annotation_<name>_<field> for every evaluation name, by name.
func (h *Handler) handleExperimentCSV(w http.ResponseWriter, r *http.Request) {
	x, records, ok := h.experimentRecords(w, r)
	if !ok {
		return
	}
	var names []string
	for _, rec := range records {
		for _, ev := range rec.Evaluations {
			if !slices.Contains(names, ev.Name) {
				names = append(names, ev.Name)
			}
		}
	}
	slices.Sort(names)
	header := []string{"example_id", "repetition_number", "input", "reference_output", "output", "metadata", "error", "latency_ms",
		"start_time", "end_time", "trace_id", "prompt_token_count", "completion_token_count"}
	for _, n := range names {
		for _, f := range evaluationFields {
			header = append(header, "annotation_"+n+"_"+f)
		}
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write(header)
	str := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	count := func(n *int64) string {
		if n == nil {
			return ""
		}
		return strconv.FormatInt(*n, 10)
	}
	for _, rec := range records {
		output := string(rec.Run.Output)
		var s string
		if json.Unmarshal(rec.Run.Output, &s) == nil {
			output = s // strings are written bare; other values as JSON
		} else if string(rec.Run.Output) == "null" {
			output = ""
		}
		row := []string{ember.GlobalID("DatasetExample", rec.Example.ID), strconv.Itoa(rec.Run.RepetitionNumber),
			string(objectOr(rec.Example.Input)), string(objectOr(rec.Example.Output)), output, string(objectOr(rec.Example.Metadata)),
			str(rec.Run.Error), strconv.FormatFloat(latencyMS(&rec.Run), 'f', -1, 64), isoTime(rec.Run.StartTime), isoTime(rec.Run.EndTime),
			str(rec.Run.TraceID), count(rec.PromptTokens), count(rec.CompletionTokens)}
		for _, n := range names {
			i := slices.IndexFunc(rec.Evaluations, func(ev ember.ExperimentEvaluation) bool { return ev.Name == n })
			if i < 0 {
				row = append(row, make([]string, len(evaluationFields))...)
				continue
			}
			ev := &rec.Evaluations[i]
			score := ""
			if ev.Score != nil {
				score = strconv.FormatFloat(*ev.Score, 'f', -1, 64)
			}
			row = append(row, str(ev.Label), score, str(ev.Explanation), string(objectOr(ev.Metadata)), ev.AnnotatorKind,
				str(ev.TraceID), str(ev.Error), isoTime(ev.StartTime), isoTime(ev.EndTime))
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", x.Name+".csv"))
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

func (h *Handler) handleExperimentTagIndex(w http.ResponseWriter, r *http.Request) {
	id, ok := experimentID(w, r)
	if !ok {
		return
	}
	tags, err := h.Experiments.FindExperimentTags(r.Context(), id)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	data := make([]experimentTagJSON, len(tags))
	for i, t := range tags {
		data[i] = toTagJSON(t)
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: data})
}

func (h *Handler) handleExperimentTagSet(w http.ResponseWriter, r *http.Request) {
	id, ok := experimentID(w, r)
	if !ok {
		return
	}
	var body struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Name == nil {
		writeValidation(w, validationIssue{Type: "missing", Loc: []any{"body", "name"}, Msg: "Field required", Input: nil})
		return
	}
	if !prompt.ValidIdentifier(*body.Name) {
		writeValidation(w, validationIssue{Type: "value_error", Loc: []any{"body", "name"}, Msg: "Value error, Invalid identifier: " + *body.Name, Input: *body.Name})
		return
	}
	t, err := h.Experiments.SetExperimentTag(r.Context(), id, *body.Name, body.Description)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toTagJSON(t)})
}

func (h *Handler) handleExperimentTagDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := experimentID(w, r)
	if !ok {
		return
	}
	ident := r.PathValue("tag_identifier")
	tagID, byID := rowIDOf(ident, "ExperimentTag")
	if err := h.Experiments.DeleteExperimentTag(r.Context(), id, ident, tagID, byID); err != nil {
		h.Error(w, r, err)
		return
	}
	writeNoContent(w)
}
