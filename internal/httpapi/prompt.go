package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/api"
	"github.com/emberhq/ember/prompt"
)

// Prompt management as Phoenix serves it: prompts named by lowercase
// identifiers, immutable versions validated by package prompt, and tags
// that name one version per prompt.

func (h *Handler) registerPromptRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/prompts", h.handlePromptIndex)
	mux.HandleFunc("POST /v1/prompts", h.handlePromptCreate)
	mux.HandleFunc("PATCH /v1/prompts/{prompt_identifier}", h.handlePromptUpdate)
	mux.HandleFunc("DELETE /v1/prompts/{prompt_identifier}", h.handlePromptDelete)
	mux.HandleFunc("GET /v1/prompts/{prompt_identifier}/versions", h.handlePromptVersionIndex)
	mux.HandleFunc("GET /v1/prompts/{prompt_identifier}/latest", h.handlePromptVersionLatest)
	mux.HandleFunc("GET /v1/prompts/{prompt_identifier}/tags/{tag_name}", h.handlePromptVersionByTag)
	mux.HandleFunc("GET /v1/prompt_versions/{prompt_version_id}", h.handlePromptVersionView)
	mux.HandleFunc("GET /v1/prompt_versions/{prompt_version_id}/tags", h.handlePromptVersionTagIndex)
	mux.HandleFunc("POST /v1/prompt_versions/{prompt_version_id}/tags", h.handlePromptVersionTagCreate)
	mux.HandleFunc("DELETE /v1/prompt_versions/{prompt_version_id}/tags/{tag_name}", h.handlePromptVersionTagDelete)
}

// errNotFound is Phoenix's bare 404, whose body is "Not Found".
var errNotFound = ember.Errorf(ember.ENOTFOUND, "Not Found")

// notFoundAs replaces the message of a not-found error, passing any other
// error through.
func notFoundAs(err error, message string) error {
	if ember.ErrorCode(err) == ember.ENOTFOUND {
		return ember.Errorf(ember.ENOTFOUND, "%s", message)
	}
	return err
}

// promptJSON is a prompt as the REST API shows it.
type promptJSON struct {
	Name           string          `json:"name"`
	Description    *string         `json:"description"`
	SourcePromptID *string         `json:"source_prompt_id"`
	Metadata       json.RawMessage `json:"metadata"`
	ID             string          `json:"id"`
}

func toPromptJSON(p *ember.Prompt) promptJSON {
	out := promptJSON{Name: p.Name, Description: p.Description, Metadata: p.Metadata, ID: ember.GlobalID("Prompt", p.ID)}
	if len(out.Metadata) == 0 {
		out.Metadata = json.RawMessage("{}")
	}
	if p.SourcePromptID != 0 {
		s := ember.GlobalID("Prompt", p.SourcePromptID)
		out.SourcePromptID = &s
	}
	return out
}

// versionJSON is a stored version as the REST API shows it.
func versionJSON(v *ember.PromptVersion) (json.RawMessage, error) {
	vd := prompt.VersionData{
		Description: v.Description, ModelProvider: v.ModelProvider, ModelName: v.ModelName,
		TemplateType: v.TemplateType, TemplateFormat: v.TemplateFormat,
		Template: v.Template, InvocationParameters: v.InvocationParameters,
		Tools: v.Tools, ResponseFormat: v.ResponseFormat,
	}
	return vd.MarshalJSONWithID(ember.GlobalID("PromptVersion", v.ID))
}

func (h *Handler) writeVersion(w http.ResponseWriter, r *http.Request, v *ember.PromptVersion) {
	b, err := versionJSON(v)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: b})
}

// writePromptIssues answers a *prompt.ValidationError as FastAPI's 422,
// located under "body".
func writePromptIssues(w http.ResponseWriter, err error) bool {
	var ve *prompt.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	issues := make([]validationIssue, len(ve.Issues))
	for i, is := range ve.Issues {
		issues[i] = validationIssue{Type: is.Type, Loc: append([]any{"body"}, is.Loc...), Msg: is.Msg, Input: is.Input, Ctx: is.Ctx}
	}
	writeValidation(w, issues...)
	return true
}

// readPromptBody reads a JSON body for one of package prompt's parsers,
// answering the failures; ok is false when it has answered.
func readPromptBody[T any](w http.ResponseWriter, r *http.Request, parse func([]byte) (*T, error)) (*T, bool) {
	var raw json.RawMessage
	if !decodeBody(w, r, &raw) {
		return nil, false
	}
	v, err := parse(raw)
	if err != nil {
		if !writePromptIssues(w, err) {
			WriteText(w, http.StatusUnprocessableEntity, err.Error())
		}
		return nil, false
	}
	return v, true
}

// promptRef is a prompt identifier read from a path: a Prompt GlobalID or a
// name.
type promptRef struct {
	id   int64
	name string
}

// parsePromptIdentifier reads {prompt_identifier}: a Prompt GlobalID, or
// else a name, which must be an identifier (422 otherwise).
func parsePromptIdentifier(w http.ResponseWriter, identifier string) (promptRef, bool) {
	if identifier == "" {
		WriteText(w, http.StatusUnprocessableEntity, "Invalid prompt identifier")
		return promptRef{}, false
	}
	if id, ok := rowIDOf(identifier, "Prompt"); ok {
		return promptRef{id: id}, true
	}
	if !prompt.ValidIdentifier(identifier) {
		WriteText(w, http.StatusUnprocessableEntity, "Invalid prompt name")
		return promptRef{}, false
	}
	return promptRef{name: identifier}, true
}

// resolve returns the prompt's row id; ENOTFOUND for an unknown name. A
// GlobalID is returned without a lookup.
func (h *Handler) resolvePrompt(r *http.Request, ref promptRef) (int64, error) {
	if ref.id != 0 {
		return ref.id, nil
	}
	p, err := h.Prompts.FindPromptByName(r.Context(), ref.name)
	if err != nil {
		return 0, err
	}
	return p.ID, nil
}

// parseVersionID reads {prompt_version_id}, which must be a PromptVersion
// GlobalID.
func parseVersionID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, ok := rowIDOf(r.PathValue("prompt_version_id"), "PromptVersion")
	if !ok {
		WriteText(w, http.StatusUnprocessableEntity, "Invalid prompt version ID")
		return 0, false
	}
	return id, true
}

// parseTagName reads {tag_name}, which must be an identifier.
func parseTagName(w http.ResponseWriter, r *http.Request) (string, bool) {
	name := r.PathValue("tag_name")
	if !prompt.ValidIdentifier(name) {
		WriteText(w, http.StatusUnprocessableEntity, "Invalid tag name")
		return "", false
	}
	return name, true
}

func (h *Handler) handlePromptIndex(w http.ResponseWriter, r *http.Request) {
	limit, cursor, ok := h.queryPage(w, r, 100, 0)
	if !ok {
		return
	}
	prompts, err := h.Prompts.FindPrompts(r.Context(), ember.PromptFilter{Cursor: cursor, Limit: limit + 1})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	prompts, next := page(prompts, limit, func(p *ember.Prompt) string { return ember.GlobalID("Prompt", p.ID) })
	data := make([]promptJSON, len(prompts))
	for i, p := range prompts {
		data[i] = toPromptJSON(p)
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: data, NextCursor: next})
}

// handlePromptCreate creates a prompt with its first version, or appends a
// version to the prompt of that name.
func (h *Handler) handlePromptCreate(w http.ResponseWriter, r *http.Request) {
	req, ok := readPromptBody(w, r, prompt.ParseCreateRequest)
	if !ok {
		return
	}
	if req.Version.TemplateType != api.TemplateTypeChat {
		WriteText(w, http.StatusUnprocessableEntity, "Only CHAT template type is supported for prompts")
		return
	}
	p := &ember.Prompt{Name: req.Name, Description: req.Description, Metadata: req.Metadata}
	vd := req.Version
	v := &ember.PromptVersion{
		Description: vd.Description, ModelProvider: vd.ModelProvider, ModelName: vd.ModelName,
		TemplateType: vd.TemplateType, TemplateFormat: vd.TemplateFormat,
		Template: vd.Template, InvocationParameters: vd.InvocationParameters,
		Tools: vd.Tools, ResponseFormat: vd.ResponseFormat,
	}
	if err := h.Prompts.CreatePromptVersion(r.Context(), p, v); err != nil {
		h.Error(w, r, err)
		return
	}
	h.writeVersion(w, r, v)
}

func (h *Handler) handlePromptUpdate(w http.ResponseWriter, r *http.Request) {
	req, ok := readPromptBody(w, r, prompt.ParsePatchRequest)
	if !ok {
		return
	}
	ref, ok := parsePromptIdentifier(w, r.PathValue("prompt_identifier"))
	if !ok {
		return
	}
	id, err := h.resolvePrompt(r, ref)
	if err != nil {
		h.Error(w, r, notFoundAs(err, "Prompt not found"))
		return
	}
	p, err := h.Prompts.UpdatePrompt(r.Context(), id, ember.PromptUpdate{
		SetDescription: req.SetDescription, Description: req.Description, Metadata: req.Metadata,
	})
	if err != nil {
		h.Error(w, r, notFoundAs(err, "Prompt not found"))
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toPromptJSON(p)})
}

func (h *Handler) handlePromptDelete(w http.ResponseWriter, r *http.Request) {
	ref, ok := parsePromptIdentifier(w, r.PathValue("prompt_identifier"))
	if !ok {
		return
	}
	id, err := h.resolvePrompt(r, ref)
	if err == nil {
		err = h.Prompts.DeletePrompt(r.Context(), id)
	}
	if err != nil {
		h.Error(w, r, notFoundAs(err, "Prompt not found"))
		return
	}
	writeNoContent(w)
}

// handlePromptVersionIndex lists a prompt's versions, newest first; an
// unknown prompt has none (200, as Phoenix answers).
func (h *Handler) handlePromptVersionIndex(w http.ResponseWriter, r *http.Request) {
	limit, ok := queryLimit(w, r, 100, 0)
	if !ok {
		return
	}
	ref, ok := parsePromptIdentifier(w, r.PathValue("prompt_identifier"))
	if !ok {
		return
	}
	cursor, ok := h.queryCursor(w, r)
	if !ok {
		return
	}
	id, err := h.resolvePrompt(r, ref)
	if ember.ErrorCode(err) == ember.ENOTFOUND {
		writeJSON(w, http.StatusOK, listEnvelope{Data: []json.RawMessage{}})
		return
	} else if err != nil {
		h.Error(w, r, err)
		return
	}
	versions, err := h.Prompts.FindPromptVersions(r.Context(), ember.PromptVersionFilter{PromptID: id, Cursor: cursor, Limit: limit + 1})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	versions, next := page(versions, limit, func(v *ember.PromptVersion) string { return ember.GlobalID("PromptVersion", v.ID) })
	data := make([]json.RawMessage, len(versions))
	for i, v := range versions {
		if data[i], err = versionJSON(v); err != nil {
			h.Error(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: data, NextCursor: next})
}

func (h *Handler) handlePromptVersionLatest(w http.ResponseWriter, r *http.Request) {
	ref, ok := parsePromptIdentifier(w, r.PathValue("prompt_identifier"))
	if !ok {
		return
	}
	id, err := h.resolvePrompt(r, ref)
	var v *ember.PromptVersion
	if err == nil {
		v, err = h.Prompts.FindLatestPromptVersion(r.Context(), id)
	}
	if err != nil {
		h.Error(w, r, notFoundAs(err, "Not Found"))
		return
	}
	h.writeVersion(w, r, v)
}

func (h *Handler) handlePromptVersionByTag(w http.ResponseWriter, r *http.Request) {
	tag, ok := parseTagName(w, r)
	if !ok {
		return
	}
	ref, ok := parsePromptIdentifier(w, r.PathValue("prompt_identifier"))
	if !ok {
		return
	}
	id, err := h.resolvePrompt(r, ref)
	var v *ember.PromptVersion
	if err == nil {
		v, err = h.Prompts.FindPromptVersionByTag(r.Context(), id, tag)
	}
	if err != nil {
		h.Error(w, r, notFoundAs(err, "Not Found"))
		return
	}
	h.writeVersion(w, r, v)
}

func (h *Handler) handlePromptVersionView(w http.ResponseWriter, r *http.Request) {
	id, ok := parseVersionID(w, r)
	if !ok {
		return
	}
	v, err := h.Prompts.FindPromptVersionByID(r.Context(), id)
	if err != nil {
		h.Error(w, r, notFoundAs(err, "Not Found"))
		return
	}
	h.writeVersion(w, r, v)
}

// promptVersionTagJSON is a tag as the REST API lists it; a tag without a
// description has no description member.
type promptVersionTagJSON struct {
	Name        string  `json:"name"`
	Description *string `json:"description,omitempty"`
	ID          string  `json:"id"`
}

func (h *Handler) handlePromptVersionTagIndex(w http.ResponseWriter, r *http.Request) {
	limit, ok := queryLimit(w, r, 100, 0)
	if !ok {
		return
	}
	id, ok := parseVersionID(w, r)
	if !ok {
		return
	}
	cursor, ok := h.queryCursor(w, r)
	if !ok {
		return
	}
	tags, err := h.Prompts.FindPromptVersionTags(r.Context(), ember.PromptVersionTagFilter{PromptVersionID: id, Cursor: cursor, Limit: limit + 1})
	if err != nil {
		h.Error(w, r, notFoundAs(err, "Prompt version not found"))
		return
	}
	tags, next := page(tags, limit, func(t *ember.PromptVersionTag) string { return ember.GlobalID("PromptVersionTag", t.ID) })
	data := make([]promptVersionTagJSON, len(tags))
	for i, t := range tags {
		data[i] = promptVersionTagJSON{Name: t.Name, Description: t.Description, ID: ember.GlobalID("PromptVersionTag", t.ID)}
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: data, NextCursor: next})
}

// handlePromptVersionTagCreate tags a version, moving the tag from another
// version of the prompt if one holds it.
func (h *Handler) handlePromptVersionTagCreate(w http.ResponseWriter, r *http.Request) {
	data, ok := readPromptBody(w, r, prompt.ParseTagData)
	if !ok {
		return
	}
	id, ok := parseVersionID(w, r)
	if !ok {
		return
	}
	tag := &ember.PromptVersionTag{PromptVersionID: id, Name: data.Name, Description: data.Description}
	if err := h.Prompts.SetPromptVersionTag(r.Context(), tag); err != nil {
		h.Error(w, r, notFoundAs(err, "Not Found"))
		return
	}
	writeNoContent(w)
}

func (h *Handler) handlePromptVersionTagDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := parseVersionID(w, r)
	if !ok {
		return
	}
	name, ok := parseTagName(w, r)
	if !ok {
		return
	}
	if err := h.Prompts.DeletePromptVersionTag(r.Context(), id, name); err != nil {
		h.Error(w, r, notFoundAs(err, "Not Found"))
		return
	}
	writeNoContent(w)
}
