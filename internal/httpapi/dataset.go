package httpapi

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/upload"
)

// defaultMaxUploadBytes caps a dataset upload, before and after the file
// part is decompressed, when the Handler sets no cap.
const defaultMaxUploadBytes = 512 << 20

// datasetJSON is a dataset as the REST API shows it.
type datasetJSON struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	Description  *string         `json:"description"`
	Metadata     json.RawMessage `json:"metadata"`
	CreatedAt    string          `json:"created_at"`
	UpdatedAt    string          `json:"updated_at"`
	ExampleCount int64           `json:"example_count"`
}

func toDatasetJSON(d *ember.Dataset) datasetJSON {
	return datasetJSON{
		ID: ember.GlobalID("Dataset", d.ID), Name: d.Name, Description: d.Description,
		Metadata: objectOr(d.Metadata), CreatedAt: isoTime(d.CreatedAt), UpdatedAt: isoTime(d.UpdatedAt),
		ExampleCount: d.ExampleCount,
	}
}

type datasetVersionJSON struct {
	VersionID   string          `json:"version_id"`
	Description *string         `json:"description"`
	Metadata    json.RawMessage `json:"metadata"`
	CreatedAt   string          `json:"created_at"`
}

type exampleSourceJSON struct {
	SpanID     string `json:"span_id"`
	SpanNodeID string `json:"span_node_id"`
}

type exampleJSON struct {
	ID        string             `json:"id"`
	NodeID    string             `json:"node_id"`
	Input     json.RawMessage    `json:"input"`
	Output    json.RawMessage    `json:"output"`
	Metadata  json.RawMessage    `json:"metadata"`
	UpdatedAt string             `json:"updated_at"`
	Source    *exampleSourceJSON `json:"source,omitempty"`
}

func toExampleJSON(e *ember.DatasetExample) exampleJSON {
	node := ember.GlobalID("DatasetExample", e.ID)
	out := exampleJSON{ID: node, NodeID: node, Input: objectOr(e.Input), Output: objectOr(e.Output), Metadata: objectOr(e.Metadata), UpdatedAt: isoTime(e.UpdatedAt)}
	if e.ExternalID != "" {
		out.ID = e.ExternalID
	}
	if e.SpanRowID != 0 {
		out.Source = &exampleSourceJSON{SpanID: e.SpanID, SpanNodeID: ember.GlobalID("Span", e.SpanRowID)}
	}
	return out
}

func objectOr(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("{}")
	}
	return raw
}

func (h *Handler) registerDatasetRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/datasets", h.handleDatasetIndex)
	mux.HandleFunc("GET /v1/datasets/{id}", h.handleDatasetView)
	mux.HandleFunc("DELETE /v1/datasets/{id}", h.handleDatasetDelete)
	mux.HandleFunc("GET /v1/datasets/{id}/versions", h.handleDatasetVersions)
	mux.HandleFunc("GET /v1/datasets/{id}/examples", h.handleDatasetExamples)
	mux.HandleFunc("POST /v1/datasets/upload", h.handleDatasetUpload)
	mux.HandleFunc("GET /v1/datasets/{id}/csv", h.handleDatasetCSV)
	mux.HandleFunc("GET /v1/datasets/{id}/jsonl", h.handleDatasetJSONL)
	mux.HandleFunc("GET /v1/datasets/{id}/jsonl/openai_ft", h.handleDatasetOpenAIFineTuning)
	mux.HandleFunc("GET /v1/datasets/{id}/jsonl/openai_evals", h.handleDatasetOpenAIEvals)
	h.registerDatasetSplitRoutes(mux)
	h.registerDatasetLabelRoutes(mux)
}

func (h *Handler) handleDatasetIndex(w http.ResponseWriter, r *http.Request) {
	limit, cursor, ok := h.queryPage(w, r, 10, 0)
	if !ok {
		return
	}
	datasets, err := h.Datasets.FindDatasets(r.Context(), ember.DatasetFilter{Name: r.URL.Query().Get("name"), Cursor: cursor, Limit: limit + 1})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	datasets, next := page(datasets, limit, func(d *ember.Dataset) string { return ember.GlobalID("Dataset", d.ID) })
	data := make([]datasetJSON, len(datasets))
	for i, d := range datasets {
		data[i] = toDatasetJSON(d)
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: data, NextCursor: next})
}

// datasetOf reads the {id} of a dataset route, which takes GlobalIDs only:
// one that does not decode is a 422, one of another type or of no dataset a
// 404.
func (h *Handler) datasetOf(w http.ResponseWriter, r *http.Request) (*ember.Dataset, bool) {
	raw := r.PathValue("id")
	typ, id, err := ember.ParseGlobalID(raw)
	if err != nil {
		WriteText(w, http.StatusUnprocessableEntity, fmt.Sprintf("Invalid Dataset ID: %s", raw))
		return nil, false
	}
	if typ != "Dataset" {
		WriteText(w, http.StatusNotFound, fmt.Sprintf("No dataset with id %s can be found.", raw))
		return nil, false
	}
	d, err := h.Datasets.FindDatasetByID(r.Context(), id)
	if ember.ErrorCode(err) == ember.ENOTFOUND {
		WriteText(w, http.StatusNotFound, fmt.Sprintf("No dataset with id %s can be found.", raw))
		return nil, false
	} else if err != nil {
		h.Error(w, r, err)
		return nil, false
	}
	return d, true
}

func (h *Handler) handleDatasetView(w http.ResponseWriter, r *http.Request) {
	d, ok := h.datasetOf(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toDatasetJSON(d)})
}

func (h *Handler) handleDatasetDelete(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("id")
	id, ok := globalIDOf(w, raw, "Dataset", http.StatusUnprocessableEntity)
	if !ok {
		return
	}
	if err := h.Datasets.DeleteDataset(r.Context(), id); ember.ErrorCode(err) == ember.ENOTFOUND {
		WriteText(w, http.StatusNotFound, "Dataset does not exist")
		return
	} else if err != nil {
		h.Error(w, r, err)
		return
	}
	writeNoContent(w)
}

func (h *Handler) handleDatasetVersions(w http.ResponseWriter, r *http.Request) {
	d, ok := h.datasetOf(w, r)
	if !ok {
		return
	}
	limit, ok := queryLimit(w, r, 10, 0)
	if !ok {
		return
	}
	var cursor int64
	if v := r.URL.Query().Get("cursor"); v != "" {
		typ, id, err := ember.ParseGlobalID(v)
		if err != nil || typ != "DatasetVersion" {
			WriteText(w, http.StatusUnprocessableEntity, fmt.Sprintf("Invalid cursor: %s", v))
			return
		}
		// A cursor of another dataset's version opens an empty page.
		if _, err := h.Datasets.FindDatasetVersion(r.Context(), d.ID, id); ember.ErrorCode(err) == ember.ENOTFOUND {
			writeJSON(w, http.StatusOK, listEnvelope{Data: []datasetVersionJSON{}})
			return
		} else if err != nil {
			h.Error(w, r, err)
			return
		}
		cursor = id
	}
	versions, err := h.Datasets.FindDatasetVersions(r.Context(), d.ID, cursor, limit+1)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	versions, next := page(versions, limit, func(v *ember.DatasetVersion) string { return ember.GlobalID("DatasetVersion", v.ID) })
	data := make([]datasetVersionJSON, len(versions))
	for i, v := range versions {
		data[i] = datasetVersionJSON{VersionID: ember.GlobalID("DatasetVersion", v.ID), Description: v.Description, Metadata: objectOr(v.Metadata), CreatedAt: isoTime(v.CreatedAt)}
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: data, NextCursor: next})
}

// versionOf reads the version_id query parameter of a dataset route: 0 for
// the latest. Undecodable is 422; another type, or a version of another
// dataset, answers notFound.
func (h *Handler) versionOf(w http.ResponseWriter, r *http.Request, d *ember.Dataset, notFound int) (*ember.DatasetVersion, bool) {
	var versionID int64
	raw := r.URL.Query().Get("version_id")
	if raw != "" {
		typ, id, err := ember.ParseGlobalID(raw)
		if err != nil {
			WriteText(w, http.StatusUnprocessableEntity, fmt.Sprintf("Invalid DatasetVersion ID: %s", raw))
			return nil, false
		}
		if typ != "DatasetVersion" {
			WriteText(w, notFound, fmt.Sprintf("No dataset version with id %s can be found.", raw))
			return nil, false
		}
		versionID = id
	}
	v, err := h.Datasets.FindDatasetVersion(r.Context(), d.ID, versionID)
	if ember.ErrorCode(err) == ember.ENOTFOUND {
		if raw == "" {
			WriteText(w, notFound, fmt.Sprintf("Dataset %s has no versions.", ember.GlobalID("Dataset", d.ID)))
		} else {
			WriteText(w, notFound, fmt.Sprintf("No dataset version with id %s can be found.", raw))
		}
		return nil, false
	} else if err != nil {
		h.Error(w, r, err)
		return nil, false
	}
	return v, true
}

func (h *Handler) handleDatasetExamples(w http.ResponseWriter, r *http.Request) {
	d, ok := h.datasetOf(w, r)
	if !ok {
		return
	}
	version, ok := h.versionOf(w, r, d, http.StatusNotFound)
	if !ok {
		return
	}
	var splitIDs []int64
	splitNames := []string{}
	for _, s := range r.URL.Query()["split"] {
		split, err := h.splitByIdentifier(r, s)
		if err != nil {
			h.Error(w, r, err)
			return
		}
		splitIDs = append(splitIDs, split.ID)
		splitNames = append(splitNames, split.Name)
	}

	// The examples are streamed: a version may hold more than fits in
	// memory at once.
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	head, _ := json.Marshal(map[string]any{"dataset_id": ember.GlobalID("Dataset", d.ID), "version_id": ember.GlobalID("DatasetVersion", version.ID), "filtered_splits": splitNames})
	bw.WriteString(`{"data":`)
	bw.Write(head[:len(head)-1])
	bw.WriteString(`,"examples":[`)
	first := true
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	err := h.Datasets.EachExample(r.Context(), ember.ExampleFilter{DatasetID: d.ID, VersionID: version.ID, SplitIDs: splitIDs}, func(e *ember.DatasetExample) error {
		if !first {
			bw.WriteByte(',')
		}
		first = false
		return enc.Encode(toExampleJSON(e))
	})
	if err != nil {
		// The status is sent; cutting the body short tells the client.
		h.logger().Error("stream dataset examples", "dataset", d.ID, "err", err)
		panic(http.ErrAbortHandler)
	}
	bw.WriteString(`]}}`)
	_ = bw.Flush()
}

// handleDatasetUpload creates or changes a dataset from a JSON body or a
// multipart form carrying a CSV, JSON Lines or Arrow file. With sync=true
// the upload is applied before the reply, which says what it wrote.
// Without it the upload is parsed and checked, queued and answered with
// null, as Phoenix does; a full queue is a 429.
func (h *Handler) handleDatasetUpload(w http.ResponseWriter, r *http.Request) {
	syncReply, ok := queryBool(w, r, "sync", false)
	if !ok {
		return
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		WriteText(w, http.StatusBadRequest, "Missing content-type header")
		return
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		WriteText(w, http.StatusUnprocessableEntity, "Invalid request Content-Type")
		return
	}
	limit := h.MaxUploadBytes
	if limit <= 0 {
		limit = defaultMaxUploadBytes
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	var up *ember.DatasetUpload
	switch mediaType {
	case "application/json":
		// Some clients mark JSON uploads Content-Encoding: gzip without
		// compressing them; the body is read as sent.
		b, err := io.ReadAll(body)
		if err != nil {
			WriteText(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body too large: the limit is %d bytes", limit))
			return
		}
		up, err = upload.ParseJSON(b)
		if err != nil {
			h.Error(w, r, err)
			return
		}
	case "multipart/form-data":
		if params["boundary"] == "" {
			WriteText(w, http.StatusUnprocessableEntity, "Invalid request Content-Type: the multipart boundary is missing")
			return
		}
		r.Body = body
		mr, err := r.MultipartReader()
		if err != nil {
			WriteText(w, http.StatusUnprocessableEntity, "Invalid request Content-Type")
			return
		}
		up, err = upload.ParseMultipart(mr, limit)
		if err != nil {
			h.Error(w, r, err)
			return
		}
	default:
		WriteText(w, http.StatusUnprocessableEntity, "Invalid request Content-Type")
		return
	}
	if !syncReply && h.UploadQueue != nil {
		// A taken name is refused now, while someone reads the reply;
		// a race with another upload of the name is only logged.
		if up.Action == ember.UploadCreate {
			if _, err := h.Datasets.FindDatasetByName(r.Context(), up.Name); err == nil {
				h.Error(w, r, ember.Errorf(ember.ECONFLICT, "A dataset named %q already exists.", up.Name))
				return
			} else if ember.ErrorCode(err) != ember.ENOTFOUND {
				h.Error(w, r, err)
				return
			}
		}
		if err := h.UploadQueue.Enqueue(up); err != nil {
			h.Error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, nil)
		return
	}
	res, err := h.Datasets.UploadDataset(r.Context(), up)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if !syncReply {
		writeJSON(w, http.StatusOK, nil)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: map[string]any{
		"dataset_id":           ember.GlobalID("Dataset", res.DatasetID),
		"version_id":           ember.GlobalID("DatasetVersion", res.VersionID),
		"num_created_examples": res.Created,
		"num_updated_examples": res.Updated,
		"num_deleted_examples": res.Deleted,
	}})
}

// splitByIdentifier finds a dataset split by GlobalID or name; ENOTFOUND says which
// identifier named nothing.
func (h *Handler) splitByIdentifier(r *http.Request, identifier string) (*ember.DatasetSplit, error) {
	var split *ember.DatasetSplit
	var err error
	if id, ok := rowIDOf(identifier, "DatasetSplit"); ok {
		split, err = h.Datasets.FindDatasetSplitByID(r.Context(), id)
	} else {
		split, err = h.Datasets.FindDatasetSplitByName(r.Context(), identifier)
	}
	if ember.ErrorCode(err) == ember.ENOTFOUND {
		return nil, ember.Errorf(ember.ENOTFOUND, "Dataset split not found: %s", identifier)
	}
	return split, err
}
