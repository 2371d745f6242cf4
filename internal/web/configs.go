package web

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/auth"
)

// configsPage is a project's annotation configs: every config, which of
// them the project uses, and forms to create, edit, delete and assign them.
// Configs are shared by all projects, as in the REST API; assigning one to
// a project puts its form in the trace view and its column in the tables.
type configsPage struct {
	Rows    []configRow
	Form    configForm
	Editing *ember.AnnotationConfig // the config the form edits, nil for a new one
	CanEdit bool                    // viewers only read
	Done    string                  // what the last post did
	Error   string                  // why the form was refused
}

type configRow struct {
	Config   *ember.AnnotationConfig
	Assigned bool
}

// configForm is the create and edit form as the user filled it in: values
// are kept as typed, so a refused form is shown again unchanged.
type configForm struct {
	Name, Type, Description, Direction string
	Values                             string // categorical labels, "label = score" per line
	Lower, Upper, Threshold            string
	Assign                             bool
}

// maxConfigValues caps the labels of a categorical config made in the UI.
const maxConfigValues = 100

func formOf(c *ember.AnnotationConfig) configForm {
	num := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'g', -1, 64)
	}
	f := configForm{Name: c.Name, Type: string(c.Type), Description: deref(c.Description), Direction: string(c.OptimizationDirection),
		Lower: num(c.LowerBound), Upper: num(c.UpperBound), Threshold: num(c.Threshold)}
	var lines []string
	for _, v := range c.Values {
		if v.Score != nil {
			lines = append(lines, v.Label+" = "+num(v.Score))
		} else {
			lines = append(lines, v.Label)
		}
	}
	f.Values = strings.Join(lines, "\n")
	return f
}

// config builds the config the form describes. Numbers that do not parse
// are EINVALID; the rest (labels present and unique, bounds in order, the
// reserved name) is for the store to check, as for the REST API.
func (f configForm) config() (*ember.AnnotationConfig, error) {
	c := &ember.AnnotationConfig{Name: strings.TrimSpace(f.Name), Type: ember.AnnotationConfigType(f.Type),
		OptimizationDirection: ember.OptimizationDirection(f.Direction)}
	if c.Name == "" {
		return nil, ember.Errorf(ember.EINVALID, "Enter a name.")
	}
	if d := strings.TrimSpace(f.Description); d != "" {
		c.Description = &d
	}
	number := func(what, s string) (*float64, error) {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, ember.Errorf(ember.EINVALID, "The %s must be a number.", what)
		}
		return &v, nil
	}
	var err error
	switch c.Type {
	case ember.AnnotationConfigCategorical:
		for line := range strings.SplitSeq(f.Values, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			v := ember.CategoricalValue{Label: line}
			// "label = score": a label may hold "=" itself, so only a
			// number after the last one is a score.
			if i := strings.LastIndex(line, "="); i >= 0 {
				if s, err := number("score of "+strconv.Quote(strings.TrimSpace(line[:i])), line[i+1:]); err == nil && s != nil {
					v = ember.CategoricalValue{Label: strings.TrimSpace(line[:i]), Score: s}
				}
			}
			c.Values = append(c.Values, v)
		}
		if len(c.Values) > maxConfigValues {
			return nil, ember.Errorf(ember.EINVALID, "At most %d labels.", maxConfigValues)
		}
	case ember.AnnotationConfigContinuous, ember.AnnotationConfigFreeform:
		if c.LowerBound, err = number("lower bound", f.Lower); err != nil {
			return nil, err
		}
		if c.UpperBound, err = number("upper bound", f.Upper); err != nil {
			return nil, err
		}
		if c.Type == ember.AnnotationConfigFreeform {
			if c.Threshold, err = number("threshold", f.Threshold); err != nil {
				return nil, err
			}
		}
	default:
		return nil, ember.Errorf(ember.EINVALID, "Choose a type.")
	}
	return c, nil
}

// canEdit tells whether the signed-in user may change configs: anyone
// but a viewer, as the REST API's rules have it (AuthorizePage refuses a
// viewer's post in any case).
func canEdit(r *http.Request) bool {
	p := auth.PrincipalFrom(r.Context())
	return p == nil || p.User == nil || p.User.Role != ember.RoleViewer
}

func (h *Handler) configsPath(p *ember.Project) string {
	return "/projects/" + strconv.FormatInt(p.ID, 10) + "/annotation-configs"
}

// annotationConfigsPage shows the configs; ?edit=ID fills the form with
// one of them.
func (h *Handler) annotationConfigsPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.project(w, r)
	if !ok {
		return
	}
	d := configsPage{Form: configForm{Type: string(ember.AnnotationConfigCategorical), Direction: string(ember.OptimizeMaximize), Assign: true}, CanEdit: canEdit(r)}
	switch r.URL.Query().Get("done") {
	case "created":
		d.Done = "Created the annotation config."
	case "saved":
		d.Done = "Saved the annotation config."
	case "deleted":
		d.Done = "Deleted the annotation config."
	case "assigned":
		d.Done = "The project now uses the annotation config."
	case "unassigned":
		d.Done = "The project no longer uses the annotation config."
	}
	if v := r.URL.Query().Get("edit"); v != "" && d.CanEdit {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			h.fail(w, r, ember.Errorf(ember.ENOTFOUND, "Annotation config not found"))
			return
		}
		c, err := h.AnnotationConfigs.FindAnnotationConfigByID(r.Context(), id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		d.Editing, d.Form = c, formOf(c)
	}
	h.renderConfigs(w, r, p, http.StatusOK, d)
}

func (h *Handler) renderConfigs(w http.ResponseWriter, r *http.Request, p *ember.Project, status int, d configsPage) {
	all, err := h.AnnotationConfigs.FindAnnotationConfigs(r.Context(), ember.AnnotationConfigFilter{})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	mine, err := h.AnnotationConfigs.FindAnnotationConfigs(r.Context(), ember.AnnotationConfigFilter{ProjectID: p.ID})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	assigned := map[int64]bool{}
	for _, c := range mine {
		assigned[c.ID] = true
	}
	slices.SortFunc(all, func(a, b *ember.AnnotationConfig) int { return strings.Compare(a.Name, b.Name) })
	d.Rows = make([]configRow, len(all))
	for i, c := range all {
		d.Rows[i] = configRow{Config: c, Assigned: assigned[c.ID]}
	}
	h.render(w, r, status, "configs", page{Title: "Annotation configs · " + p.Name, Nav: "projects", Range: h.timeRange(r), Project: p, Data: d})
}

// refuseConfigForm shows the page again with the form as filled in and
// why it was refused: 409 for a name in use, else 422.
func (h *Handler) refuseConfigForm(w http.ResponseWriter, r *http.Request, p *ember.Project, editing *ember.AnnotationConfig, f configForm, err error) {
	status := http.StatusUnprocessableEntity
	switch ember.ErrorCode(err) {
	case ember.ECONFLICT:
		status = http.StatusConflict
	case ember.EINVALID, ember.EUNPROCESSABLE:
	default:
		h.fail(w, r, err)
		return
	}
	h.renderConfigs(w, r, p, status, configsPage{Form: f, Editing: editing, CanEdit: true, Error: ember.ErrorMessage(err)})
}

func readConfigForm(r *http.Request) configForm {
	return configForm{Name: r.PostFormValue("name"), Type: r.PostFormValue("type"), Description: r.PostFormValue("description"),
		Direction: r.PostFormValue("direction"), Values: r.PostFormValue("values"), Lower: r.PostFormValue("lower"),
		Upper: r.PostFormValue("upper"), Threshold: r.PostFormValue("threshold"), Assign: r.PostFormValue("assign") != ""}
}

// createAnnotationConfig creates a config and, when asked, assigns it to
// the project.
func (h *Handler) createAnnotationConfig(w http.ResponseWriter, r *http.Request) {
	p, ok := h.project(w, r)
	if !ok {
		return
	}
	f := readConfigForm(r)
	c, err := f.config()
	if err == nil {
		err = h.AnnotationConfigs.CreateAnnotationConfig(r.Context(), c)
	}
	if err != nil {
		h.refuseConfigForm(w, r, p, nil, f, err)
		return
	}
	if f.Assign {
		if err := h.AnnotationConfigs.AssignAnnotationConfig(r.Context(), p.ID, c.ID); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	http.Redirect(w, r, h.RootPath+h.configsPath(p)+"?done=created", http.StatusSeeOther)
}

// configTarget reads the config a post names by row id.
func (h *Handler) configTarget(w http.ResponseWriter, r *http.Request) (*ember.Project, *ember.AnnotationConfig, bool) {
	p, ok := h.project(w, r)
	if !ok {
		return nil, nil, false
	}
	id, err := strconv.ParseInt(r.PathValue("configID"), 10, 64)
	if err != nil || id <= 0 {
		h.fail(w, r, ember.Errorf(ember.ENOTFOUND, "Annotation config not found"))
		return nil, nil, false
	}
	c, err := h.AnnotationConfigs.FindAnnotationConfigByID(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil, false
	}
	return p, c, true
}

// updateAnnotationConfig replaces a config's name and settings, as PUT
// /v1/annotation_configs/{id} does; its type may change.
func (h *Handler) updateAnnotationConfig(w http.ResponseWriter, r *http.Request) {
	p, existing, ok := h.configTarget(w, r)
	if !ok {
		return
	}
	f := readConfigForm(r)
	c, err := f.config()
	if err == nil {
		c.ID = existing.ID
		err = h.AnnotationConfigs.UpdateAnnotationConfig(r.Context(), c)
	}
	if err != nil {
		h.refuseConfigForm(w, r, p, existing, f, err)
		return
	}
	http.Redirect(w, r, h.RootPath+h.configsPath(p)+"?done=saved", http.StatusSeeOther)
}

// deleteAnnotationConfig deletes a config and its assignments to every
// project; annotations of its name stay.
func (h *Handler) deleteAnnotationConfig(w http.ResponseWriter, r *http.Request) {
	p, c, ok := h.configTarget(w, r)
	if !ok {
		return
	}
	if _, err := h.AnnotationConfigs.DeleteAnnotationConfig(r.Context(), c.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, h.RootPath+h.configsPath(p)+"?done=deleted", http.StatusSeeOther)
}

// assignAnnotationConfig adds a config to the project's, or with
// ?unassign removes it; both are idempotent.
func (h *Handler) assignAnnotationConfig(w http.ResponseWriter, r *http.Request) {
	p, c, ok := h.configTarget(w, r)
	if !ok {
		return
	}
	done := "assigned"
	var err error
	if r.PostFormValue("unassign") != "" {
		done = "unassigned"
		err = h.AnnotationConfigs.UnassignAnnotationConfig(r.Context(), p.ID, c.ID)
	} else {
		err = h.AnnotationConfigs.AssignAnnotationConfig(r.Context(), p.ID, c.ID)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, h.RootPath+h.configsPath(p)+"?done="+done, http.StatusSeeOther)
}
