package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"

	"github.com/emberhq/ember"
)

// Splits and labels. Routes named {dataset_identifier} take a Dataset
// GlobalID or a dataset name.

type datasetSplitJSON struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	Description  *string         `json:"description"`
	Color        string          `json:"color"`
	Metadata     json.RawMessage `json:"metadata"`
	ExampleCount int64           `json:"example_count"`
	CreatedAt    string          `json:"created_at"`
	UpdatedAt    string          `json:"updated_at"`
}

func toSplitJSON(s *ember.DatasetSplit) datasetSplitJSON {
	return datasetSplitJSON{ID: ember.GlobalID("DatasetSplit", s.ID), Name: s.Name, Description: s.Description, Color: s.Color,
		Metadata: objectOr(s.Metadata), ExampleCount: s.ExampleCount, CreatedAt: isoTime(s.CreatedAt), UpdatedAt: isoTime(s.UpdatedAt)}
}

type datasetLabelJSON struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
	Color       string  `json:"color"`
}

func toLabelJSON(l *ember.DatasetLabel) datasetLabelJSON {
	return datasetLabelJSON{ID: ember.GlobalID("DatasetLabel", l.ID), Name: l.Name, Description: l.Description, Color: l.Color}
}

func (h *Handler) registerDatasetSplitRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/datasets/{dataset_identifier}/splits", h.handleDatasetSplitCreate)
	mux.HandleFunc("PATCH /v1/datasets/{dataset_identifier}/splits/{split_id}", h.handleDatasetSplitUpdate)
	mux.HandleFunc("DELETE /v1/datasets/{dataset_identifier}/splits/{split_id}", h.handleDatasetSplitDelete)
}

func (h *Handler) registerDatasetLabelRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/dataset_labels", h.handleDatasetLabelIndex)
	mux.HandleFunc("POST /v1/dataset_labels", h.handleDatasetLabelCreate)
	mux.HandleFunc("GET /v1/dataset_labels/{label_id}", h.handleDatasetLabelView)
	mux.HandleFunc("PATCH /v1/dataset_labels/{label_id}", h.handleDatasetLabelUpdate)
	mux.HandleFunc("DELETE /v1/dataset_labels/{label_id}", h.handleDatasetLabelDelete)
	mux.HandleFunc("GET /v1/datasets/{dataset_identifier}/labels", h.handleLabelsOfDataset)
	mux.HandleFunc("PUT /v1/datasets/{dataset_identifier}/labels", h.handleSetLabelsOfDataset)
	mux.HandleFunc("PUT /v1/datasets/{dataset_identifier}/labels/{label_id}", h.handleAddLabelToDataset)
	mux.HandleFunc("DELETE /v1/datasets/{dataset_identifier}/labels/{label_id}", h.handleRemoveLabelFromDataset)
}

// resolveDataset finds the dataset of a {dataset_identifier}: a Dataset
// GlobalID, or else a name. Not found is a plain-text 404.
func (h *Handler) resolveDataset(w http.ResponseWriter, r *http.Request) (*ember.Dataset, bool) {
	identifier := r.PathValue("dataset_identifier")
	var d *ember.Dataset
	var err error
	if id, ok := rowIDOf(identifier, "Dataset"); ok {
		d, err = h.Datasets.FindDatasetByID(r.Context(), id)
	} else {
		d, err = h.Datasets.FindDatasetByName(r.Context(), identifier)
	}
	if ember.ErrorCode(err) == ember.ENOTFOUND {
		WriteText(w, http.StatusNotFound, fmt.Sprintf("Dataset not found: %s", identifier))
		return nil, false
	} else if err != nil {
		h.Error(w, r, err)
		return nil, false
	}
	return d, true
}

// globalIDsOf decodes GlobalIDs of type typ; the first bad one is a 422.
func globalIDsOf(w http.ResponseWriter, field, typ string, ids []string) ([]int64, bool) {
	out := make([]int64, 0, len(ids))
	for _, s := range ids {
		t, id, err := ember.ParseGlobalID(s)
		if err != nil || t != typ {
			WriteText(w, http.StatusUnprocessableEntity, fmt.Sprintf("Invalid %s ID in %s: %s", typ, field, s))
			return nil, false
		}
		out = append(out, id)
	}
	return out, true
}

var hexColor = regexp.MustCompile(`^#[0-9a-f]{6}$`)

func (h *Handler) handleDatasetSplitCreate(w http.ResponseWriter, r *http.Request) {
	d, ok := h.resolveDataset(w, r)
	if !ok {
		return
	}
	var body struct {
		Name        *string         `json:"name"`
		Description *string         `json:"description"`
		Color       *string         `json:"color"`
		Metadata    json.RawMessage `json:"metadata"`
		ExampleIDs  []string        `json:"example_ids"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Name == nil || *body.Name == "" {
		writeValidation(w, validationIssue{Type: "missing", Loc: []any{"body", "name"}, Msg: "Field required"})
		return
	}
	examples, ok := globalIDsOf(w, "example_ids", "DatasetExample", body.ExampleIDs)
	if !ok {
		return
	}
	s := &ember.DatasetSplit{Name: *body.Name, Description: body.Description, Metadata: body.Metadata}
	if body.Color != nil {
		s.Color = *body.Color
	}
	if string(s.Metadata) == "null" {
		s.Metadata = nil
	}
	if err := h.Datasets.CreateDatasetSplit(r.Context(), d.ID, s, examples); err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, dataEnvelope{Data: toSplitJSON(s)})
}

// splitOf reads {split_id}, a DatasetSplit GlobalID.
func (h *Handler) splitOf(w http.ResponseWriter, r *http.Request) (int64, bool) {
	raw := r.PathValue("split_id")
	id, ok := globalIDOf(w, raw, "DatasetSplit", http.StatusUnprocessableEntity)
	if !ok {
		return 0, false
	}
	return id, true
}

func (h *Handler) handleDatasetSplitUpdate(w http.ResponseWriter, r *http.Request) {
	d, ok := h.resolveDataset(w, r)
	if !ok {
		return
	}
	id, ok := h.splitOf(w, r)
	if !ok {
		return
	}
	var body struct {
		Name             *string         `json:"name"`
		Description      json.RawMessage `json:"description"`
		Color            *string         `json:"color"`
		Metadata         json.RawMessage `json:"metadata"`
		AddExampleIDs    []string        `json:"add_example_ids"`
		RemoveExampleIDs []string        `json:"remove_example_ids"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	upd := ember.DatasetSplitUpdate{Name: body.Name, Color: body.Color}
	if body.Name != nil && *body.Name == "" {
		writeValidation(w, validationIssue{Type: "string_too_short", Loc: []any{"body", "name"}, Msg: "String should have at least 1 character", Input: ""})
		return
	}
	switch {
	case body.Description == nil:
	case string(body.Description) == "null":
		upd.ClearDescription = true
	default:
		var s string
		if json.Unmarshal(body.Description, &s) != nil {
			writeValidation(w, validationIssue{Type: "string_type", Loc: []any{"body", "description"}, Msg: "Input should be a valid string"})
			return
		}
		upd.Description = &s
	}
	if body.Metadata != nil && string(body.Metadata) != "null" {
		if len(body.Metadata) == 0 || body.Metadata[0] != '{' {
			writeValidation(w, validationIssue{Type: "dict_type", Loc: []any{"body", "metadata"}, Msg: "Input should be a valid dictionary"})
			return
		}
		upd.Metadata = body.Metadata
	}
	if upd.AddExamples, ok = globalIDsOf(w, "add_example_ids", "DatasetExample", body.AddExampleIDs); !ok {
		return
	}
	if upd.RemoveExamples, ok = globalIDsOf(w, "remove_example_ids", "DatasetExample", body.RemoveExampleIDs); !ok {
		return
	}
	s, err := h.Datasets.UpdateDatasetSplit(r.Context(), d.ID, id, upd)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toSplitJSON(s)})
}

func (h *Handler) handleDatasetSplitDelete(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.resolveDataset(w, r); !ok {
		return
	}
	id, ok := h.splitOf(w, r)
	if !ok {
		return
	}
	if err := h.Datasets.DeleteDatasetSplit(r.Context(), id); err != nil {
		h.Error(w, r, err)
		return
	}
	writeNoContent(w)
}

func (h *Handler) handleDatasetLabelIndex(w http.ResponseWriter, r *http.Request) {
	limit, cursor, ok := h.queryPage(w, r, 100, 0)
	if !ok {
		return
	}
	labels, err := h.Datasets.FindDatasetLabels(r.Context(), cursor, limit+1)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	labels, next := page(labels, limit, func(l *ember.DatasetLabel) string { return ember.GlobalID("DatasetLabel", l.ID) })
	data := make([]datasetLabelJSON, len(labels))
	for i, l := range labels {
		data[i] = toLabelJSON(l)
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: data, NextCursor: next})
}

// labelBody is the body of a label create or update.
type labelBody struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Color       *string `json:"color"`
}

func (b *labelBody) validate(w http.ResponseWriter, create bool) bool {
	if create && b.Name == nil {
		writeValidation(w, validationIssue{Type: "missing", Loc: []any{"body", "name"}, Msg: "Field required"})
		return false
	}
	if create && b.Color == nil {
		writeValidation(w, validationIssue{Type: "missing", Loc: []any{"body", "color"}, Msg: "Field required"})
		return false
	}
	if b.Name != nil && *b.Name == "" {
		writeValidation(w, validationIssue{Type: "string_too_short", Loc: []any{"body", "name"}, Msg: "String should have at least 1 character", Input: ""})
		return false
	}
	if b.Color != nil && !hexColor.MatchString(*b.Color) {
		writeValidation(w, validationIssue{Type: "string_pattern_mismatch", Loc: []any{"body", "color"}, Msg: "String should match pattern '^#([0-9a-f]{6})$'", Input: *b.Color})
		return false
	}
	return true
}

func (h *Handler) handleDatasetLabelCreate(w http.ResponseWriter, r *http.Request) {
	var body labelBody
	if !decodeBody(w, r, &body) || !body.validate(w, true) {
		return
	}
	l := &ember.DatasetLabel{Name: *body.Name, Description: body.Description, Color: *body.Color}
	if err := h.Datasets.CreateDatasetLabel(r.Context(), l); err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, dataEnvelope{Data: toLabelJSON(l)})
}

// labelOf reads {label_id}, a DatasetLabel GlobalID.
func labelOf(w http.ResponseWriter, r *http.Request) (int64, bool) {
	raw := r.PathValue("label_id")
	id, ok := globalIDOf(w, raw, "DatasetLabel", http.StatusUnprocessableEntity)
	if !ok {
		return 0, false
	}
	return id, true
}

func (h *Handler) handleDatasetLabelView(w http.ResponseWriter, r *http.Request) {
	id, ok := labelOf(w, r)
	if !ok {
		return
	}
	l, err := h.Datasets.FindDatasetLabelByID(r.Context(), id)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toLabelJSON(l)})
}

func (h *Handler) handleDatasetLabelUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := labelOf(w, r)
	if !ok {
		return
	}
	var body labelBody
	if !decodeBody(w, r, &body) || !body.validate(w, false) {
		return
	}
	l, err := h.Datasets.UpdateDatasetLabel(r.Context(), id, ember.DatasetLabelUpdate{Name: body.Name, Description: body.Description, Color: body.Color})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toLabelJSON(l)})
}

func (h *Handler) handleDatasetLabelDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := labelOf(w, r)
	if !ok {
		return
	}
	if err := h.Datasets.DeleteDatasetLabel(r.Context(), id); err != nil {
		h.Error(w, r, err)
		return
	}
	writeNoContent(w)
}

func (h *Handler) writeLabelsOf(w http.ResponseWriter, r *http.Request, datasetID int64) {
	labels, err := h.Datasets.FindLabelsOfDataset(r.Context(), datasetID)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	data := make([]datasetLabelJSON, len(labels))
	for i, l := range labels {
		data[i] = toLabelJSON(l)
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: data})
}

func (h *Handler) handleLabelsOfDataset(w http.ResponseWriter, r *http.Request) {
	d, ok := h.resolveDataset(w, r)
	if !ok {
		return
	}
	h.writeLabelsOf(w, r, d.ID)
}

func (h *Handler) handleSetLabelsOfDataset(w http.ResponseWriter, r *http.Request) {
	d, ok := h.resolveDataset(w, r)
	if !ok {
		return
	}
	var body struct {
		DatasetLabelIDs []string `json:"dataset_label_ids"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	ids, ok := globalIDsOf(w, "dataset_label_ids", "DatasetLabel", body.DatasetLabelIDs)
	if !ok {
		return
	}
	if err := h.Datasets.SetLabelsOfDataset(r.Context(), d.ID, ids); err != nil {
		h.Error(w, r, err)
		return
	}
	h.writeLabelsOf(w, r, d.ID)
}

func (h *Handler) handleAddLabelToDataset(w http.ResponseWriter, r *http.Request) {
	d, ok := h.resolveDataset(w, r)
	if !ok {
		return
	}
	id, ok := labelOf(w, r)
	if !ok {
		return
	}
	if err := h.Datasets.AddLabelToDataset(r.Context(), d.ID, id); err != nil {
		h.Error(w, r, err)
		return
	}
	l, err := h.Datasets.FindDatasetLabelByID(r.Context(), id)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toLabelJSON(l)})
}

func (h *Handler) handleRemoveLabelFromDataset(w http.ResponseWriter, r *http.Request) {
	d, ok := h.resolveDataset(w, r)
	if !ok {
		return
	}
	id, ok := labelOf(w, r)
	if !ok {
		return
	}
	if err := h.Datasets.RemoveLabelFromDataset(r.Context(), d.ID, id); err != nil {
		h.Error(w, r, err)
		return
	}
	writeNoContent(w)
}
