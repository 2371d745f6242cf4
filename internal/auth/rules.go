package auth

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/emberhq/ember"
)

// The role matrix, by rule rather than by route, so that routes added
// later are covered without edits here:
//
//   - every path under /v1 needs a credential (public: everything else,
//     such as /healthz, /readyz, /arize_phoenix_version, /auth/*, /docs);
//   - reads (GET, HEAD, OPTIONS) are open to every role unless admin-only;
//   - any other method is refused to viewers, OTLP ingestion included,
//     except on the routes in viewerMayWrite;
//   - the routes in adminOnly need ADMIN or SYSTEM;
//   - API keys are minted only from a browser session (or, for system
//     keys, the admin secret): an API key cannot create API keys.

// route is "METHOD /path" where a path segment "*" matches any one segment.
type route struct{ method, path string }

// adminOnly are the routes only admins (and the system user) may call.
var adminOnly = []route{
	{"GET", "/v1/users"},
	{"POST", "/v1/users"},
	{"DELETE", "/v1/users/*"},
	{"GET", "/v1/users/api_keys"},
	{"PUT", "/v1/projects/*"},
	{"DELETE", "/v1/projects/*"},
	{"PUT", "/v1/secrets"},
	{"GET", "/v1/system/api_keys"},
	{"POST", "/v1/system/api_keys"},
	{"DELETE", "/v1/system/api_keys/*"},
}

// viewerMayWrite are path prefixes whose writes viewers may make: their
// own API keys, the (admin-only) key routes, whose refusal is the admin
// rule's, and the chat proxy.
var viewerMayWrite = []string{
	"/v1/user/api_keys",
	"/v1/users/api_keys",
	"/v1/system/api_keys",
	"/v1/chat/completions",
}

// keyMinting are the routes that issue API keys.
var keyMinting = []route{
	{"POST", "/v1/user/api_keys"},
	{"POST", "/v1/system/api_keys"},
}

// Messages of authorization failures, as Phoenix words them.
const (
	MsgViewer           = "Viewers cannot perform this action."
	MsgAdminOnly        = "Only admin or system users can perform this action."
	MsgKeysCannotCreate = "API keys cannot create API keys"
	MsgAuthDisabled     = "This action requires authentication to be enabled. Set the PHOENIX_ENABLE_AUTH environment variable to true."
)

// Protected reports whether a path needs a credential when authentication
// is on: /v1 and everything under it.
func Protected(path string) bool {
	return path == "/v1" || strings.HasPrefix(path, "/v1/")
}

// Page reports whether a path is a page of the web UI, which shows stored
// data and so needs a signed-in user when authentication is on. The login
// page and the UI's static files stay public.
func Page(path string) bool {
	path = cleanPath(path)
	return path == "" || path == "/" || path == "/projects" || strings.HasPrefix(path, "/projects/") || strings.HasPrefix(path, "/redirects/")
}

// pageAdminOnly are the UI actions kept for admins, as their REST
// counterparts are.
var pageAdminOnly = []route{{"POST", "/projects/*/delete"}}

// AuthorizePage applies the role matrix to a UI request: viewers only
// read, and deleting a project is for admins.
func AuthorizePage(method, path string, p *Principal) error {
	path = cleanPath(path)
	if !IsRead(method) && p.User.Role == ember.RoleViewer {
		return ember.Errorf(ember.EFORBIDDEN, MsgViewer)
	}
	if matchAny(pageAdminOnly, method, path) && !p.IsAdmin() {
		return ember.Errorf(ember.EFORBIDDEN, MsgAdminOnly)
	}
	return nil
}

// IsRead reports whether a method only reads.
func IsRead(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// Authorize applies the role matrix to an authenticated principal and
// returns nil or an EFORBIDDEN error with Phoenix's message.
func Authorize(method, path string, p *Principal) error {
	path = cleanPath(path)
	if !IsRead(method) && p.User.Role == ember.RoleViewer && !hasAnyPrefix(path, viewerMayWrite) {
		return ember.Errorf(ember.EFORBIDDEN, MsgViewer)
	}
	if matchAny(adminOnly, method, path) && !p.IsAdmin() {
		return ember.Errorf(ember.EFORBIDDEN, MsgAdminOnly)
	}
	if matchAny(keyMinting, method, path) {
		switch {
		case p.Via == ViaAccessToken:
		case p.Via == ViaAdminSecret && strings.HasPrefix(path, "/v1/system/"):
		default:
			return ember.Errorf(ember.EFORBIDDEN, MsgKeysCannotCreate)
		}
	}
	return nil
}

// cleanPath drops a trailing slash, so "/v1/users/" is judged as "/v1/users".
func cleanPath(p string) string {
	if len(p) > 1 {
		p = strings.TrimRight(p, "/")
	}
	return p
}

func hasAnyPrefix(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

func matchAny(routes []route, method, path string) bool {
	if method == http.MethodHead {
		method = http.MethodGet
	}
	for _, r := range routes {
		if r.method == method && matchPath(r.path, path) {
			return true
		}
	}
	return false
}

// matchPath matches a path against a pattern whose "*" segments match any
// one segment.
func matchPath(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if ps[i] != "*" && ps[i] != xs[i] {
			return false
		}
		if ps[i] == "*" && xs[i] == "" {
			return false
		}
	}
	return true
}

// hostnameOf returns the lower-cased host name of an origin or URL, or "".
func hostnameOf(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}
