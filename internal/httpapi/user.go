package httpapi

import (
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/auth"
)

// Users, API keys and the browser login flow. Who may call what is decided
// once, by auth.Service.Middleware around the whole router; the handlers
// here only read the caller it found (auth.PrincipalFrom).

func (h *Handler) registerUserRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/user", h.handleViewer)
	mux.HandleFunc("GET /v1/users", h.handleUserIndex)
	mux.HandleFunc("POST /v1/users", h.handleUserCreate)
	mux.HandleFunc("DELETE /v1/users/{user_id}", h.handleUserDelete)
	mux.HandleFunc("GET /v1/user/api_keys", h.handleUserAPIKeyIndex)
	mux.HandleFunc("POST /v1/user/api_keys", h.handleUserAPIKeyCreate)
	mux.HandleFunc("DELETE /v1/user/api_keys/{api_key_id}", h.handleUserAPIKeyDelete)
	mux.HandleFunc("GET /v1/users/api_keys", h.handleAllUserAPIKeys)
	mux.HandleFunc("GET /v1/system/api_keys", h.handleSystemAPIKeyIndex)
	mux.HandleFunc("POST /v1/system/api_keys", h.handleSystemAPIKeyCreate)
	mux.HandleFunc("DELETE /v1/system/api_keys/{api_key_id}", h.handleSystemAPIKeyDelete)

	mux.HandleFunc("POST /auth/login", h.Auth.RateLimited(h.Auth.HandleLogin))
	mux.HandleFunc("GET /auth/logout", h.Auth.HandleLogout)
	mux.HandleFunc("POST /auth/refresh", h.Auth.RateLimited(h.Auth.HandleRefresh))
	mux.HandleFunc("POST /auth/password-reset-email", h.Auth.RateLimited(h.Auth.HandlePasswordResetEmail))
	mux.HandleFunc("POST /auth/password-reset", h.Auth.RateLimited(h.Auth.HandlePasswordReset))
}

// userJSON is a user as the REST API shows it.
type userJSON struct {
	ID                 string `json:"id"`
	CreatedAt          string `json:"created_at"`
	UpdatedAt          string `json:"updated_at"`
	Email              string `json:"email"`
	Username           string `json:"username"`
	Role               string `json:"role"`
	AuthMethod         string `json:"auth_method"`
	PasswordNeedsReset *bool  `json:"password_needs_reset,omitempty"`
}

func toUserJSON(u *ember.User) userJSON {
	j := userJSON{
		ID: ember.GlobalID("User", u.ID), CreatedAt: isoTime(u.CreatedAt), UpdatedAt: isoTime(u.UpdatedAt),
		Email: u.Email, Username: u.Username, Role: string(u.Role), AuthMethod: u.AuthMethod,
	}
	if u.AuthMethod == ember.AuthMethodLocal {
		reset := u.ResetPassword
		j.PasswordNeedsReset = &reset
	}
	return j
}

// apiKeyJSON is an API key's record; Key is set only in the reply that
// creates it.
type apiKeyJSON struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Description *string      `json:"description,omitempty"`
	CreatedAt   string       `json:"created_at"`
	ExpiresAt   *string      `json:"expires_at,omitempty"`
	Key         string       `json:"key,omitempty"`
	User        *apiKeyOwner `json:"user,omitempty"`
}

type apiKeyOwner struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
}

func toAPIKeyJSON(k *ember.APIKey, typeName string, withUser bool) apiKeyJSON {
	j := apiKeyJSON{ID: ember.GlobalID(typeName, k.ID), Name: k.Name, CreatedAt: isoTime(k.CreatedAt)}
	if k.Description != nil && *k.Description != "" {
		j.Description = k.Description
	}
	if k.ExpiresAt != nil {
		s := isoTime(*k.ExpiresAt)
		j.ExpiresAt = &s
	}
	if withUser && k.User != nil {
		j.User = &apiKeyOwner{ID: ember.GlobalID("User", k.User.ID), Username: k.User.Username, Email: k.User.Email}
	}
	return j
}

// handleViewer is GET /v1/user: the caller, or an anonymous user when
// authentication is off.
func (h *Handler) handleViewer(w http.ResponseWriter, r *http.Request) {
	if !h.Auth.Enabled() {
		writeJSON(w, http.StatusOK, dataEnvelope{Data: map[string]string{"auth_method": "ANONYMOUS"}})
		return
	}
	p := auth.PrincipalFrom(r.Context())
	if p == nil {
		h.Error(w, r, ember.Errorf(ember.EUNAUTHORIZED, "Invalid token"))
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: toUserJSON(p.User)})
}

func (h *Handler) handleUserIndex(w http.ResponseWriter, r *http.Request) {
	limit, cursor, ok := h.queryPage(w, r, 100, 0)
	if !ok {
		return
	}
	users, err := h.Users.FindUsers(r.Context(), ember.UserFilter{Cursor: cursor, Limit: limit + 1})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	users, next := page(users, limit, func(u *ember.User) string { return ember.GlobalID("User", u.ID) })
	data := make([]userJSON, len(users))
	for i, u := range users {
		data[i] = toUserJSON(u)
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: data, NextCursor: next})
}

func (h *Handler) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		User *struct {
			Email      *string `json:"email"`
			Username   *string `json:"username"`
			Role       *string `json:"role"`
			AuthMethod *string `json:"auth_method"`
			Password   *string `json:"password"`
		} `json:"user"`
		SendWelcomeEmail *bool `json:"send_welcome_email"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.User == nil {
		writeValidation(w, validationIssue{Type: "missing", Loc: []any{"body", "user"}, Msg: "Field required", Input: nil})
		return
	}
	u := body.User
	for _, f := range []struct {
		name string
		v    *string
	}{{"email", u.Email}, {"username", u.Username}, {"role", u.Role}, {"auth_method", u.AuthMethod}} {
		if f.v == nil {
			writeValidation(w, validationIssue{Type: "missing", Loc: []any{"body", "user", f.name}, Msg: "Field required", Input: nil})
			return
		}
	}
	if *u.AuthMethod != ember.AuthMethodLocal {
		writeValidation(w, validationIssue{Type: "literal_error", Loc: []any{"body", "user", "auth_method"}, Msg: "Input should be 'LOCAL'; Ember has no OAuth2 or LDAP login", Input: *u.AuthMethod})
		return
	}
	email := strings.ToLower(strings.TrimSpace(*u.Email))
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		h.Error(w, r, ember.Errorf(ember.EUNPROCESSABLE, "Invalid email address: %s", *u.Email))
		return
	}
	username := strings.TrimSpace(*u.Username)
	if username == "" {
		writeValidation(w, validationIssue{Type: "string_too_short", Loc: []any{"body", "user", "username"}, Msg: "String should have at least 1 character", Input: *u.Username, Ctx: map[string]any{"min_length": 1}})
		return
	}
	role := ember.Role(*u.Role)
	switch {
	case role == ember.RoleSystem:
		h.Error(w, r, ember.Errorf(ember.EINVALID, "Cannot create users with SYSTEM role"))
		return
	case !role.Valid():
		h.Error(w, r, ember.Errorf(ember.EINVALID, "Role '%s' not found", *u.Role))
		return
	}
	password := auth.RandomPassword()
	if u.Password != nil && strings.TrimSpace(*u.Password) != "" {
		password = strings.TrimSpace(*u.Password)
	}
	if err := auth.ValidatePassword(password); err != nil {
		h.Error(w, r, err)
		return
	}
	hash, err := h.Auth.Hasher().Hash(password)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	user := &ember.User{Username: username, Email: email, Role: role, AuthMethod: ember.AuthMethodLocal, PasswordHash: hash, ResetPassword: true}
	if err := h.Users.CreateUser(r.Context(), user); err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, dataEnvelope{Data: toUserJSON(user)})
}

func (h *Handler) handleUserDelete(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("user_id")
	id, ok := rowIDOf(raw, "User")
	if !ok {
		WriteText(w, http.StatusUnprocessableEntity, "Invalid User GlobalID format: "+raw)
		return
	}
	u, err := h.Users.FindUserByID(r.Context(), id)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if u.Username == ember.AdminUsername || u.Username == ember.SystemUsername || u.Email == ember.AdminEmail || u.Email == ember.SystemEmail {
		h.Error(w, r, ember.Errorf(ember.EFORBIDDEN, "Cannot delete the default admin or system user"))
		return
	}
	if err := h.Users.DeleteUser(r.Context(), id); err != nil {
		h.Error(w, r, err)
		return
	}
	writeNoContent(w)
}

// keysNeedAuth answers 403 when authentication is off: without identities,
// a minted key would be a privilege nobody granted.
func (h *Handler) keysNeedAuth(w http.ResponseWriter, r *http.Request) bool {
	if h.Auth.Enabled() {
		return false
	}
	h.Error(w, r, ember.Errorf(ember.EFORBIDDEN, auth.MsgAuthDisabled))
	return true
}

// caller returns the authenticated principal; the middleware guarantees one
// on /v1 routes when authentication is on.
func (h *Handler) caller(w http.ResponseWriter, r *http.Request) *auth.Principal {
	p := auth.PrincipalFrom(r.Context())
	if p == nil {
		h.Error(w, r, ember.Errorf(ember.EUNAUTHORIZED, "Invalid token"))
	}
	return p
}

func (h *Handler) listKeys(w http.ResponseWriter, r *http.Request, filter ember.APIKeyFilter, typeName string) {
	keys, err := h.Users.FindAPIKeys(r.Context(), filter)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	data := make([]apiKeyJSON, len(keys))
	for i, k := range keys {
		data[i] = toAPIKeyJSON(k, typeName, false)
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: data})
}

func (h *Handler) handleUserAPIKeyIndex(w http.ResponseWriter, r *http.Request) {
	if h.keysNeedAuth(w, r) {
		return
	}
	if p := h.caller(w, r); p != nil {
		h.listKeys(w, r, ember.APIKeyFilter{UserID: p.User.ID}, "UserApiKey")
	}
}

func (h *Handler) handleSystemAPIKeyIndex(w http.ResponseWriter, r *http.Request) {
	if h.keysNeedAuth(w, r) {
		return
	}
	h.listKeys(w, r, ember.APIKeyFilter{Role: ember.RoleSystem}, "SystemApiKey")
}

func (h *Handler) handleAllUserAPIKeys(w http.ResponseWriter, r *http.Request) {
	if h.keysNeedAuth(w, r) {
		return
	}
	limit, cursor, ok := h.queryPage(w, r, 100, 1000)
	if !ok {
		return
	}
	keys, err := h.Users.FindAPIKeys(r.Context(), ember.APIKeyFilter{ExcludeRole: ember.RoleSystem, Cursor: cursor, Limit: limit + 1})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	keys, next := page(keys, limit, func(k *ember.APIKey) string { return ember.GlobalID("UserApiKey", k.ID) })
	data := make([]apiKeyJSON, len(keys))
	for i, k := range keys {
		data[i] = toAPIKeyJSON(k, "UserApiKey", true)
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: data, NextCursor: next})
}

// createKey mints a key for userID from the body {data: {name,
// description?, expires_at?}}.
func (h *Handler) createKey(w http.ResponseWriter, r *http.Request, userID int64, typeName string) {
	var body struct {
		Data *struct {
			Name        *string `json:"name"`
			Description *string `json:"description"`
			ExpiresAt   *string `json:"expires_at"`
		} `json:"data"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Data == nil {
		writeValidation(w, validationIssue{Type: "missing", Loc: []any{"body", "data"}, Msg: "Field required", Input: nil})
		return
	}
	d := body.Data
	if d.Name == nil {
		writeValidation(w, validationIssue{Type: "missing", Loc: []any{"body", "data", "name"}, Msg: "Field required", Input: nil})
		return
	}
	name := strings.TrimSpace(*d.Name)
	if name == "" {
		writeValidation(w, validationIssue{Type: "value_error", Loc: []any{"body", "data", "name"}, Msg: "Value error, Name cannot be empty", Input: *d.Name})
		return
	}
	var expires *time.Time
	if d.ExpiresAt != nil {
		t, ok := parseISOTime(*d.ExpiresAt)
		if !ok {
			writeValidation(w, validationIssue{Type: "datetime_from_date_parsing", Loc: []any{"body", "data", "expires_at"}, Msg: "Input should be a valid datetime or date", Input: *d.ExpiresAt})
			return
		}
		if !t.After(time.Now()) {
			writeValidation(w, validationIssue{Type: "value_error", Loc: []any{"body", "data", "expires_at"}, Msg: "Value error, Expiration time must be in the future", Input: *d.ExpiresAt})
			return
		}
		expires = &t
	}
	k, key, err := h.Auth.IssueAPIKey(r.Context(), userID, name, d.Description, expires)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	j := toAPIKeyJSON(k, typeName, false)
	j.Key = key
	writeJSON(w, http.StatusCreated, dataEnvelope{Data: j})
}

func (h *Handler) handleUserAPIKeyCreate(w http.ResponseWriter, r *http.Request) {
	if h.keysNeedAuth(w, r) {
		return
	}
	if p := h.caller(w, r); p != nil {
		h.createKey(w, r, p.User.ID, "UserApiKey")
	}
}

func (h *Handler) handleSystemAPIKeyCreate(w http.ResponseWriter, r *http.Request) {
	if h.keysNeedAuth(w, r) {
		return
	}
	system, err := h.Users.FindUserByUsername(r.Context(), ember.SystemUsername)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	h.createKey(w, r, system.ID, "SystemApiKey")
}

// deleteKey revokes a key of typeName when owned reports that the caller
// may see it; any other key is "not found", so nobody can probe for keys
// that are not theirs.
func (h *Handler) deleteKey(w http.ResponseWriter, r *http.Request, typeName, notFound string, owned func(*ember.Credential) bool) {
	raw := r.PathValue("api_key_id")
	id, ok := rowIDOf(raw, typeName)
	if !ok {
		WriteText(w, http.StatusUnprocessableEntity, "Invalid "+typeName+" GlobalID format: "+raw)
		return
	}
	cred, err := h.Users.FindCredential(r.Context(), ember.TokenAPIKey, id)
	if ember.ErrorCode(err) == ember.ENOTFOUND || (err == nil && !owned(cred)) {
		h.Error(w, r, ember.Errorf(ember.ENOTFOUND, "%s", notFound))
		return
	} else if err != nil {
		h.Error(w, r, err)
		return
	}
	if err := h.Users.DeleteCredential(r.Context(), ember.TokenAPIKey, id); err != nil {
		h.Error(w, r, err)
		return
	}
	writeNoContent(w)
}

func (h *Handler) handleUserAPIKeyDelete(w http.ResponseWriter, r *http.Request) {
	if h.keysNeedAuth(w, r) {
		return
	}
	p := h.caller(w, r)
	if p == nil {
		return
	}
	h.deleteKey(w, r, "UserApiKey", "API key not found", func(c *ember.Credential) bool { return c.User.ID == p.User.ID })
}

func (h *Handler) handleSystemAPIKeyDelete(w http.ResponseWriter, r *http.Request) {
	if h.keysNeedAuth(w, r) {
		return
	}
	h.deleteKey(w, r, "SystemApiKey", "System API key not found", func(c *ember.Credential) bool { return c.User.Role == ember.RoleSystem })
}
