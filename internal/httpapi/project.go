package httpapi

import (
	"net/http"

	"github.com/emberhq/ember"
)

// projectJSON is a project as Phoenix's REST API shows it.
type projectJSON struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
}

func toProjectJSON(p *ember.Project) projectJSON {
	return projectJSON{ID: ember.GlobalID("Project", p.ID), Name: p.Name, Description: p.Description}
}

func (h *Handler) registerProjectRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/projects", h.handleProjectIndex)
	mux.HandleFunc("POST /v1/projects", h.handleProjectCreate)
	mux.HandleFunc("GET /v1/projects/{project_identifier}", h.handleProjectView)
	mux.HandleFunc("PUT /v1/projects/{project_identifier}", h.handleProjectUpdate)
	mux.HandleFunc("DELETE /v1/projects/{project_identifier}", h.handleProjectDelete)
}

// resolveProject finds a project by GlobalID or, when the identifier is not
// a Project GlobalID, by name. The error names the identifier as given.
func (h *Handler) resolveProject(r *http.Request, identifier string) (*ember.Project, error) {
	// Names are stored clean, and a reply never echoes a NUL byte.
	identifier = ember.CleanText(identifier)
	if id, ok := rowIDOf(identifier, "Project"); ok {
		p, err := h.Projects.FindProjectByID(r.Context(), id)
		if ember.ErrorCode(err) == ember.ENOTFOUND {
			return nil, ember.Errorf(ember.ENOTFOUND, "Project with ID %s not found", identifier)
		}
		return p, err
	}
	p, err := h.Projects.FindProjectByName(r.Context(), identifier)
	if ember.ErrorCode(err) == ember.ENOTFOUND {
		return nil, ember.Errorf(ember.ENOTFOUND, "Project with name %s not found", identifier)
	}
	return p, err
}

// handleProjectIndex lists projects, newest first, leaving out the projects
// of experiments unless include_experiment_projects is set. Ember has no
// dataset-evaluator projects, so that flag changes nothing.
func (h *Handler) handleProjectIndex(w http.ResponseWriter, r *http.Request) {
	limit, cursor, ok := h.queryPage(w, r, 100, 0)
	if !ok {
		return
	}
	includeExperiments, ok := queryBool(w, r, "include_experiment_projects", false)
	if !ok {
		return
	}
	if _, ok := queryBool(w, r, "include_dataset_evaluator_projects", false); !ok {
		return
	}
	projects, err := h.Projects.FindProjects(r.Context(), ember.ProjectFilter{
		NameContains: r.URL.Query().Get("name_contains"),
		Cursor:       cursor,
		Limit:        limit + 1,

		ExcludeExperimentProjects: !includeExperiments,
	})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	projects, next := page(projects, limit, func(p *ember.Project) string { return ember.GlobalID("Project", p.ID) })
	data := make([]projectJSON, len(projects))
	for i, p := range projects {
		data[i] = toProjectJSON(p)
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: data, NextCursor: next})
}

func (h *Handler) handleProjectCreate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	switch {
	case body.Name == nil:
		writeValidation(w, validationIssue{Type: "missing", Loc: []any{"body", "name"}, Msg: "Field required", Input: map[string]any{"description": body.Description}})
		return
	case *body.Name == "":
		writeValidation(w, validationIssue{Type: "string_too_short", Loc: []any{"body", "name"}, Msg: "String should have at least 1 character", Input: "", Ctx: map[string]any{"min_length": 1}})
		return
	}
	p := &ember.Project{Name: *body.Name, Description: body.Description}
	if err := h.Projects.CreateProject(r.Context(), p); err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toProjectJSON(p)})
}

func (h *Handler) handleProjectView(w http.ResponseWriter, r *http.Request) {
	p, err := h.resolveProject(r, r.PathValue("project_identifier"))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toProjectJSON(p)})
}

func (h *Handler) handleProjectUpdate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Description *string `json:"description"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	p, err := h.resolveProject(r, r.PathValue("project_identifier"))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if p, err = h.Projects.UpdateProject(r.Context(), p.ID, ember.ProjectUpdate{Description: body.Description}); err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toProjectJSON(p)})
}

func (h *Handler) handleProjectDelete(w http.ResponseWriter, r *http.Request) {
	p, err := h.resolveProject(r, r.PathValue("project_identifier"))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if err := h.Projects.DeleteProject(r.Context(), p.ID); err != nil {
		h.Error(w, r, err)
		return
	}
	writeNoContent(w)
}
