package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/emberhq/ember"
)

type projectRow struct {
	Project *ember.Project
	Summary *ember.ProjectSummary
}

type projectsData struct {
	Rows   []projectRow
	Search string
	Error  string
}

func (h *Handler) projectsPage(w http.ResponseWriter, r *http.Request) {
	tr := h.timeRange(r)
	search := strings.TrimSpace(r.URL.Query().Get("q"))
	projects, err := h.Projects.FindProjects(r.Context(), ember.ProjectFilter{NameContains: search, Limit: 200})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ids := make([]int64, len(projects))
	for i, p := range projects {
		ids[i] = p.ID
	}
	sums, err := h.Summaries.SummarizeProjects(r.Context(), ids, ember.SummaryFilter{StartTime: tr.Start, EndTime: tr.End})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := projectsData{Search: search, Error: r.URL.Query().Get("error")}
	for _, p := range projects {
		s := sums[p.ID]
		if s == nil {
			s = &ember.ProjectSummary{ProjectID: p.ID}
		}
		data.Rows = append(data.Rows, projectRow{Project: p, Summary: s})
	}
	h.render(w, r, http.StatusOK, "projects", page{Title: "Projects", Nav: "projects", Range: tr, Data: data})
}

func (h *Handler) createProject(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.FormValue("name"))
	p := &ember.Project{Name: name}
	if d := strings.TrimSpace(r.FormValue("description")); d != "" {
		p.Description = &d
	}
	if err := h.Projects.CreateProject(r.Context(), p); err != nil {
		if code := ember.ErrorCode(err); code == ember.ECONFLICT || code == ember.EINVALID {
			http.Redirect(w, r, h.RootPath+"/projects?error="+urlQueryEscape(ember.ErrorMessage(err)), http.StatusSeeOther)
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, h.RootPath+"/projects/"+strconv.FormatInt(p.ID, 10), http.StatusSeeOther)
}

func (h *Handler) deleteProject(w http.ResponseWriter, r *http.Request) {
	p, ok := h.project(w, r)
	if !ok {
		return
	}
	if err := h.Projects.DeleteProject(r.Context(), p.ID); err != nil {
		if ember.ErrorCode(err) == ember.EFORBIDDEN {
			http.Redirect(w, r, h.RootPath+"/projects?error="+urlQueryEscape(ember.ErrorMessage(err)), http.StatusSeeOther)
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, h.RootPath+"/projects", http.StatusSeeOther)
}

func (h *Handler) clearProject(w http.ResponseWriter, r *http.Request) {
	p, ok := h.project(w, r)
	if !ok {
		return
	}
	if err := h.Summaries.ClearProject(r.Context(), p.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, h.RootPath+"/projects", http.StatusSeeOther)
}

// project loads the project named by the path's {id}, answering the
// request itself when it cannot.
func (h *Handler) project(w http.ResponseWriter, r *http.Request) (*ember.Project, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.fail(w, r, ember.Errorf(ember.ENOTFOUND, "No project has id %q", r.PathValue("id")))
		return nil, false
	}
	p, err := h.Projects.FindProjectByID(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return p, true
}
