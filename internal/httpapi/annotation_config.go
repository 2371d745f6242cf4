package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/emberhq/ember"
)

func (h *Handler) registerAnnotationConfigRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/annotation_configs", h.handleAnnotationConfigIndex)
	mux.HandleFunc("POST /v1/annotation_configs", h.handleAnnotationConfigCreate)
	mux.HandleFunc("GET /v1/annotation_configs/{config_identifier}", h.handleAnnotationConfigView)
	mux.HandleFunc("PUT /v1/annotation_configs/{config_identifier}", h.handleAnnotationConfigUpdate)
	mux.HandleFunc("DELETE /v1/annotation_configs/{config_identifier}", h.handleAnnotationConfigDelete)
	mux.HandleFunc("GET /v1/projects/{project_identifier}/annotation_configs", h.handleProjectAnnotationConfigs)
	mux.HandleFunc("PUT /v1/projects/{project_identifier}/annotation_configs", h.handleProjectAnnotationConfigsSet)
	mux.HandleFunc("PUT /v1/projects/{project_identifier}/annotation_configs/{config_identifier}", h.handleProjectAnnotationConfigAssign)
	mux.HandleFunc("DELETE /v1/projects/{project_identifier}/annotation_configs/{config_identifier}", h.handleProjectAnnotationConfigUnassign)
}

// The JSON of each config type, fields in Phoenix's order.
type (
	categoricalConfigJSON struct {
		Name                  string                   `json:"name"`
		Type                  string                   `json:"type"`
		Description           *string                  `json:"description"`
		OptimizationDirection string                   `json:"optimization_direction"`
		Values                []ember.CategoricalValue `json:"values"`
		ID                    string                   `json:"id"`
	}
	continuousConfigJSON struct {
		Name                  string   `json:"name"`
		Type                  string   `json:"type"`
		Description           *string  `json:"description"`
		OptimizationDirection string   `json:"optimization_direction"`
		LowerBound            *float64 `json:"lower_bound"`
		UpperBound            *float64 `json:"upper_bound"`
		ID                    string   `json:"id"`
	}
	freeformConfigJSON struct {
		Name                  string   `json:"name"`
		Type                  string   `json:"type"`
		Description           *string  `json:"description"`
		OptimizationDirection *string  `json:"optimization_direction"`
		Threshold             *float64 `json:"threshold"`
		LowerBound            *float64 `json:"lower_bound"`
		UpperBound            *float64 `json:"upper_bound"`
		ID                    string   `json:"id"`
	}
)

func toAnnotationConfigJSON(c *ember.AnnotationConfig) any {
	switch c.Type {
	case ember.AnnotationConfigCategorical:
		values := c.Values
		if values == nil {
			values = []ember.CategoricalValue{}
		}
		return categoricalConfigJSON{Name: c.Name, Type: string(c.Type), Description: c.Description, OptimizationDirection: string(c.OptimizationDirection), Values: values, ID: c.GlobalID()}
	case ember.AnnotationConfigContinuous:
		return continuousConfigJSON{Name: c.Name, Type: string(c.Type), Description: c.Description, OptimizationDirection: string(c.OptimizationDirection), LowerBound: c.LowerBound, UpperBound: c.UpperBound, ID: c.GlobalID()}
	default:
		var direction *string
		if c.OptimizationDirection != "" {
			d := string(c.OptimizationDirection)
			direction = &d
		}
		return freeformConfigJSON{Name: c.Name, Type: string(c.Type), Description: c.Description, OptimizationDirection: direction, Threshold: c.Threshold, LowerBound: c.LowerBound, UpperBound: c.UpperBound, ID: c.GlobalID()}
	}
}

func configsJSON(configs []*ember.AnnotationConfig) []any {
	out := make([]any, len(configs))
	for i, c := range configs {
		out[i] = toAnnotationConfigJSON(c)
	}
	return out
}

// resolveAnnotationConfig finds a config by the GlobalID of a config or,
// when the identifier is none, by name.
func (h *Handler) resolveAnnotationConfig(r *http.Request, identifier string) (*ember.AnnotationConfig, error) {
	if typ, id, err := ember.ParseGlobalID(identifier); err == nil && ember.IsAnnotationConfigGlobalIDType(typ) {
		return h.AnnotationConfigs.FindAnnotationConfigByID(r.Context(), id)
	}
	return h.AnnotationConfigs.FindAnnotationConfigByName(r.Context(), identifier)
}

// writableAnnotationConfig resolves the config a PUT or DELETE names. A
// GlobalID of anything but a config is a 400, as Phoenix answers; any other
// identifier is a name.
func (h *Handler) writableAnnotationConfig(w http.ResponseWriter, r *http.Request) (*ember.AnnotationConfig, bool) {
	identifier := r.PathValue("config_identifier")
	if typ, _, err := ember.ParseGlobalID(identifier); err == nil && !ember.IsAnnotationConfigGlobalIDType(typ) {
		WriteText(w, http.StatusBadRequest, "Invalid annotation configuration ID")
		return nil, false
	}
	c, err := h.resolveAnnotationConfig(r, identifier)
	if err != nil {
		h.Error(w, r, err)
		return nil, false
	}
	return c, true
}

// configCursor reads the cursor of a config listing: the GlobalID of a
// config, else a 400.
func configCursor(w http.ResponseWriter, r *http.Request) (int64, bool) {
	v := r.URL.Query().Get("cursor")
	if v == "" {
		return 0, true
	}
	typ, id, err := ember.ParseGlobalID(v)
	if err != nil || !ember.IsAnnotationConfigGlobalIDType(typ) {
		WriteText(w, http.StatusBadRequest, fmt.Sprintf("Invalid cursor: %s", v))
		return 0, false
	}
	return id, true
}

// listAnnotationConfigs answers a page of configs, of a project when
// projectID is not 0.
func (h *Handler) listAnnotationConfigs(w http.ResponseWriter, r *http.Request, projectID, cursor int64, limit int) {
	configs, err := h.AnnotationConfigs.FindAnnotationConfigs(r.Context(), ember.AnnotationConfigFilter{ProjectID: projectID, Cursor: cursor, Limit: limit + 1})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	configs, next := page(configs, limit, func(c *ember.AnnotationConfig) string { return c.GlobalID() })
	writeJSON(w, http.StatusOK, listEnvelope{Data: configsJSON(configs), NextCursor: next})
}

func (h *Handler) handleAnnotationConfigIndex(w http.ResponseWriter, r *http.Request) {
	cursor, ok := configCursor(w, r)
	if !ok {
		return
	}
	limit, ok := queryLimit(w, r, 100, 0)
	if !ok {
		return
	}
	h.listAnnotationConfigs(w, r, 0, cursor, limit)
}

func (h *Handler) handleAnnotationConfigView(w http.ResponseWriter, r *http.Request) {
	c, err := h.resolveAnnotationConfig(r, r.PathValue("config_identifier"))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toAnnotationConfigJSON(c)})
}

// readAnnotationConfig reads a config from the body, answering a 422 for a
// malformed one and the 409 of the reserved name.
func readAnnotationConfig(w http.ResponseWriter, r *http.Request) (*ember.AnnotationConfig, bool) {
	body, ok := readJSON(w, r)
	if !ok {
		return nil, false
	}
	c, issues := parseAnnotationConfig(body)
	if len(issues) > 0 {
		writeValidation(w, issues...)
		return nil, false
	}
	if c.Name == ember.NoteAnnotationName {
		WriteText(w, http.StatusConflict, "The name 'note' is reserved for trace and span notes and cannot be used for annotation configs.")
		return nil, false
	}
	return c, true
}

func (h *Handler) handleAnnotationConfigCreate(w http.ResponseWriter, r *http.Request) {
	c, ok := readAnnotationConfig(w, r)
	if !ok {
		return
	}
	if err := h.AnnotationConfigs.CreateAnnotationConfig(r.Context(), c); err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toAnnotationConfigJSON(c)})
}

// handleAnnotationConfigUpdate replaces a config's name and settings; its
// type may change.
func (h *Handler) handleAnnotationConfigUpdate(w http.ResponseWriter, r *http.Request) {
	c, ok := readAnnotationConfig(w, r)
	if !ok {
		return
	}
	identifier := r.PathValue("config_identifier")
	if typ, _, err := ember.ParseGlobalID(identifier); err == nil && !ember.IsAnnotationConfigGlobalIDType(typ) {
		WriteText(w, http.StatusBadRequest, "Invalid annotation configuration ID")
		return
	}
	if err := c.Validate(); err != nil {
		h.Error(w, r, err)
		return
	}
	existing, ok := h.writableAnnotationConfig(w, r)
	if !ok {
		return
	}
	c.ID = existing.ID
	if err := h.AnnotationConfigs.UpdateAnnotationConfig(r.Context(), c); err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toAnnotationConfigJSON(c)})
}

// handleAnnotationConfigDelete deletes a config and answers with it.
func (h *Handler) handleAnnotationConfigDelete(w http.ResponseWriter, r *http.Request) {
	c, ok := h.writableAnnotationConfig(w, r)
	if !ok {
		return
	}
	deleted, err := h.AnnotationConfigs.DeleteAnnotationConfig(r.Context(), c.ID)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toAnnotationConfigJSON(deleted)})
}

func (h *Handler) handleProjectAnnotationConfigs(w http.ResponseWriter, r *http.Request) {
	cursor, ok := configCursor(w, r)
	if !ok {
		return
	}
	limit, ok := queryLimit(w, r, 100, 0)
	if !ok {
		return
	}
	project, err := h.resolveProject(r, r.PathValue("project_identifier"))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	h.listAnnotationConfigs(w, r, project.ID, cursor, limit)
}

// handleProjectAnnotationConfigsSet makes the posted configs, by GlobalID,
// the project's whole set.
func (h *Handler) handleProjectAnnotationConfigsSet(w http.ResponseWriter, r *http.Request) {
	raw, ok := readJSON(w, r)
	if !ok {
		return
	}
	var issues []validationIssue
	var gids []string
	if f, ok := readObject(raw, []any{"body"}, &issues); ok {
		if v, present := f.value("annotation_config_ids", true); present {
			var items []json.RawMessage
			if firstByte(v) != '[' || json.Unmarshal(v, &items) != nil {
				f.add(validationIssue{Type: "list_type", Loc: f.at("annotation_config_ids"), Msg: "Input should be a valid list", Input: rawInput(v)})
			}
			for i, item := range items {
				var gid string
				if json.Unmarshal(item, &gid) != nil || isNull(item) {
					f.add(validationIssue{Type: "string_type", Loc: append(f.at("annotation_config_ids"), i), Msg: "Input should be a valid string", Input: rawInput(item)})
				}
				gids = append(gids, gid)
			}
		}
	}
	if len(issues) > 0 {
		writeValidation(w, issues...)
		return
	}
	if gids = dedup(gids); len(gids) > maxAnnotationFilterValues {
		WriteText(w, http.StatusUnprocessableEntity, fmt.Sprintf("Too many annotation configuration IDs supplied: %d (max %d)", len(gids), maxAnnotationFilterValues))
		return
	}
	ids := make([]int64, len(gids))
	for i, gid := range gids {
		typ, id, err := ember.ParseGlobalID(gid)
		if err != nil || !ember.IsAnnotationConfigGlobalIDType(typ) {
			WriteText(w, http.StatusUnprocessableEntity, fmt.Sprintf("Invalid annotation configuration ID: %s", gid))
			return
		}
		ids[i] = id
	}
	project, err := h.resolveProject(r, r.PathValue("project_identifier"))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	configs, err := h.AnnotationConfigs.SetProjectAnnotationConfigs(r.Context(), project.ID, ids)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: configsJSON(configs)})
}

// projectAndConfig resolves the two ends of an assignment.
func (h *Handler) projectAndConfig(w http.ResponseWriter, r *http.Request) (*ember.Project, *ember.AnnotationConfig, bool) {
	project, err := h.resolveProject(r, r.PathValue("project_identifier"))
	if err != nil {
		h.Error(w, r, err)
		return nil, nil, false
	}
	c, err := h.resolveAnnotationConfig(r, r.PathValue("config_identifier"))
	if err != nil {
		h.Error(w, r, err)
		return nil, nil, false
	}
	return project, c, true
}

// handleProjectAnnotationConfigAssign assigns a config to a project;
// assigning it again changes nothing.
func (h *Handler) handleProjectAnnotationConfigAssign(w http.ResponseWriter, r *http.Request) {
	project, c, ok := h.projectAndConfig(w, r)
	if !ok {
		return
	}
	if err := h.AnnotationConfigs.AssignAnnotationConfig(r.Context(), project.ID, c.ID); err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toAnnotationConfigJSON(c)})
}

// handleProjectAnnotationConfigUnassign removes a config from a project;
// the config stays.
func (h *Handler) handleProjectAnnotationConfigUnassign(w http.ResponseWriter, r *http.Request) {
	project, c, ok := h.projectAndConfig(w, r)
	if !ok {
		return
	}
	if err := h.AnnotationConfigs.UnassignAnnotationConfig(r.Context(), project.ID, c.ID); err != nil {
		h.Error(w, r, err)
		return
	}
	writeNoContent(w)
}
