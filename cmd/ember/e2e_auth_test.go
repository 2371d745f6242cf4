package main

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

const (
	testSecret      = "e2e-secret-0123456789-abcdefghijklmnop"
	testAdminSecret = "e2e-admin-secret-9876543210-qrstuvwxyz"
)

// authEnv turns authentication on; the rate limit is off except where a
// test is about it.
func authEnv(env []string) []string {
	return append(append([]string{}, env...),
		"PHOENIX_ENABLE_AUTH=true",
		"PHOENIX_SECRET="+testSecret,
		"PHOENIX_ADMIN_SECRET="+testAdminSecret,
		"PHOENIX_DISABLE_RATE_LIMIT=true",
	)
}

// emberCLI runs an ember subcommand against the database env names and
// returns its standard output.
func emberCLI(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(emberBinary, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ember %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// registeredRoutes reads every route pattern the server registers: the
// string-literal first argument of each HandleFunc/Handle call in the
// server's packages (internal/... and cmd/ember), so that routes added later
// are walked without editing this test.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	fset := token.NewFileSet()
	for _, root := range []string{"../../internal", "."} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) < 2 {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
					return true
				}
				lit, ok := call.Args[0].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				if p, err := strconv.Unquote(lit.Value); err == nil && strings.Contains(p, "/") {
					seen[p] = true
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var routes []string
	for r := range seen {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	if len(routes) < 20 || !seen["POST /v1/traces"] || !seen["GET /v1/users"] {
		t.Fatalf("found only %d routes: %q", len(routes), routes)
	}
	return routes
}

var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// concrete turns a pattern into a request: wildcards name nothing that
// exists, so no handler changes data.
func concrete(pattern string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = http.MethodGet, pattern
	}
	if i := strings.Index(path, "/"); i > 0 {
		path = path[i:] // a host-qualified pattern
	}
	path = strings.ReplaceAll(path, "{$}", "")
	path = wildcard.ReplaceAllString(path, "missing")
	return method, path
}

// credential is one way of calling the server in the matrix.
type credential struct {
	name  string
	set   func(r *http.Request) // adds the credential to a request
	role  string                // "" when the credential does not authenticate
	via   string                // "key", "secret" or "session"
	fail  string                // the 401 message when it does not authenticate
	grpcs string                // the authorization metadata for gRPC, "" for none
}

// Phoenix's role matrix, written independently of internal/auth: by rule,
// so routes other engineers add are classified without edits.
var (
	adminOnlyRoutes = []string{
		"GET /v1/users", "POST /v1/users", "DELETE /v1/users/*", "GET /v1/users/api_keys",
		"PUT /v1/projects/*", "DELETE /v1/projects/*", "PUT /v1/secrets",
		"GET /v1/system/api_keys", "POST /v1/system/api_keys", "DELETE /v1/system/api_keys/*",
	}
	viewerMayWritePrefixes = []string{"/v1/user/api_keys", "/v1/users/api_keys", "/v1/system/api_keys", "/v1/chat/completions"}
)

func routeMatches(rules []string, method, path string) bool {
	for _, r := range rules {
		m, p, _ := strings.Cut(r, " ")
		if m != method {
			continue
		}
		ps, xs := strings.Split(p, "/"), strings.Split(path, "/")
		if len(ps) != len(xs) {
			continue
		}
		ok := true
		for i := range ps {
			if ps[i] != "*" && ps[i] != xs[i] {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// expectation is the status Phoenix gives a credential on a /v1 route:
// 401 or 403 with a message, or 0 for "let through" (any other status).
func expectation(method, path string, c credential) (int, string) {
	if c.role == "" {
		return http.StatusUnauthorized, c.fail
	}
	read := method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
	viewerExempt := false
	for _, p := range viewerMayWritePrefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			viewerExempt = true
		}
	}
	if c.role == "VIEWER" && !read && !viewerExempt {
		return http.StatusForbidden, "Viewers cannot perform this action."
	}
	if routeMatches(adminOnlyRoutes, method, path) && c.role != "ADMIN" && c.role != "SYSTEM" {
		return http.StatusForbidden, "Only admin or system users can perform this action."
	}
	if method == http.MethodPost && (path == "/v1/user/api_keys" || path == "/v1/system/api_keys") {
		if !(c.via == "session" || (c.via == "secret" && path == "/v1/system/api_keys")) {
			return http.StatusForbidden, "API keys cannot create API keys"
		}
	}
	return 0, ""
}

// authFixture is a server with authentication on and a credential of each
// kind.
type authFixture struct {
	p     *process
	env   []string
	creds []credential
}

func newAuthFixture(t *testing.T, e engine) *authFixture {
	env := authEnv(e.env(t))
	for _, u := range []struct{ name, role string }{{"viewer", "VIEWER"}, {"member", "MEMBER"}, {"boss", "ADMIN"}} {
		emberCLI(t, env, "user", "create", "--username", u.name, "--email", u.name+"@example.com", "--role", u.role, "--password", "pw-"+u.name)
	}
	key := func(args ...string) string {
		return emberCLI(t, env, append([]string{"apikey", "create", "--name", "k"}, args...)...)
	}
	viewerKey, memberKey, adminKey := key("--user", "viewer"), key("--user", "member"), key("--user", "boss")
	expiredKey := key("--user", "member", "--expires-at", time.Now().Add(-time.Minute).UTC().Format(time.RFC3339))
	revokedKey := key("--user", "boss")
	list := emberCLI(t, env, "apikey", "list")
	// The revoked key is the newest: the first row.
	lines := strings.Split(list, "\n")
	emberCLI(t, env, "apikey", "revoke", strings.Fields(lines[1])[0])

	p := startEmber(t, env)
	// A member's browser session, through the login route.
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	resp, err := hc.Post(p.httpURL+"/auth/login", "application/json", strings.NewReader(`{"email":" MEMBER@example.com ","password":"pw-member"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	var access string
	for _, c := range resp.Cookies() {
		if c.Name == "phoenix-access-token" {
			access = c.Value
		}
	}
	if access == "" {
		t.Fatal("login set no access-token cookie")
	}

	bearerOf := func(tok string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
	}
	return &authFixture{p: p, env: env, creds: []credential{
		{name: "none", set: func(*http.Request) {}, fail: "Invalid token"},
		{name: "garbage", set: bearerOf("not.a.token"), fail: "Invalid token", grpcs: "Bearer not.a.token"},
		{name: "expired key", set: bearerOf(expiredKey), fail: "Expired token", grpcs: "Bearer " + expiredKey},
		{name: "revoked key", set: bearerOf(revokedKey), fail: "Invalid token", grpcs: "Bearer " + revokedKey},
		{name: "viewer", set: bearerOf(viewerKey), role: "VIEWER", via: "key", grpcs: "Bearer " + viewerKey},
		{name: "member", set: bearerOf(memberKey), role: "MEMBER", via: "key", grpcs: "Bearer " + memberKey},
		{name: "admin", set: bearerOf(adminKey), role: "ADMIN", via: "key", grpcs: "Bearer " + adminKey},
		{name: "admin secret", set: bearerOf(testAdminSecret), role: "SYSTEM", via: "secret", grpcs: "Bearer " + testAdminSecret},
		// phoenix-mcp sends the key in an api_key header too.
		{name: "viewer api_key header", set: func(r *http.Request) { r.Header.Set("api_key", viewerKey) }, role: "VIEWER", via: "key"},
		{name: "member session", set: func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "phoenix-access-token", Value: access}) }, role: "MEMBER", via: "session", grpcs: "Bearer " + access},
	}}
}

func (f *authFixture) do(t *testing.T, method, path string, c credential, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.p.httpURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	c.set(req)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestAuthRouteMatrix walks every registered route with every kind of
// credential and checks Phoenix's answer; OTLP over HTTP and gRPC too.
func TestAuthRouteMatrix(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		f := newAuthFixture(t, e)
		routes := registeredRoutes(t)
		for _, c := range f.creds {
			t.Run(c.name, func(t *testing.T) {
				for _, pattern := range routes {
					method, path := concrete(pattern)
					if path == "/auth/logout" && c.via == "session" {
						continue // ends the session; TestLogout covers it
					}
					resp, body := f.do(t, method, path, c, "{}")
					if uiPage(path) {
						checkPage(t, pattern, method, path, c, resp, body)
						continue
					}
					if !strings.HasPrefix(path, "/v1/") && path != "/v1" {
						// Public: the credential changes nothing.
						none, _ := f.do(t, method, path, f.creds[0], "{}")
						if resp.StatusCode != none.StatusCode {
							t.Errorf("%s (public) %s: %d, without credential %d", pattern, c.name, resp.StatusCode, none.StatusCode)
						}
						continue
					}
					want, msg := expectation(method, path, c)
					switch {
					case want == 0 && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden):
						t.Errorf("%s as %s: %d %q, want it let through", pattern, c.name, resp.StatusCode, body)
					case want != 0 && (resp.StatusCode != want || body != msg):
						t.Errorf("%s as %s: %d %q, want %d %q", pattern, c.name, resp.StatusCode, body, want, msg)
					}
					if resp.StatusCode == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") == "" {
						t.Errorf("%s as %s: 401 without WWW-Authenticate", pattern, c.name)
					}
				}
			})
		}

		// OTLP with a real export, over HTTP and gRPC.
		conn, err := grpc.NewClient(f.p.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		grpcClient := ptraceotlp.NewGRPCClient(conn)
		for i, c := range f.creds {
			want, msg := expectation(http.MethodPost, "/v1/traces", c)
			td := traces(byte(0x10+i), 0, 3, 3)
			req, _ := http.NewRequest(http.MethodPost, f.p.httpURL+"/v1/traces", bytes.NewReader(protobufBody(t, td)))
			req.Header.Set("Content-Type", "application/x-protobuf")
			c.set(req)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if want == 0 && resp.StatusCode != http.StatusOK || want != 0 && (resp.StatusCode != want || string(b) != msg) {
				t.Errorf("OTLP/HTTP as %s: %d %q, want %d %q", c.name, resp.StatusCode, b, want, msg)
			}

			if c.grpcs == "" && c.name != "none" {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if c.grpcs != "" {
				ctx = metadata.AppendToOutgoingContext(ctx, "authorization", c.grpcs)
			}
			_, err = grpcClient.Export(ctx, ptraceotlp.NewExportRequestFromTraces(traces(byte(0x30+i), 0, 3, 3)))
			cancel()
			wantCode := codes.OK
			switch want {
			case http.StatusUnauthorized:
				wantCode = codes.Unauthenticated
			case http.StatusForbidden:
				wantCode = codes.PermissionDenied
			}
			if got := status.Code(err); got != wantCode {
				t.Errorf("OTLP/gRPC as %s: %v, want %v", c.name, err, wantCode)
			}
		}
	})
}

// login posts credentials and returns the reply and its cookies by name.
func login(t *testing.T, base, email, password string) (*http.Response, string, map[string]*http.Cookie) {
	t.Helper()
	resp, err := http.Post(base+"/auth/login", "application/json", strings.NewReader(`{"email":`+strconv.Quote(email)+`,"password":`+strconv.Quote(password)+`}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	cookies := map[string]*http.Cookie{}
	for _, c := range resp.Cookies() {
		cookies[c.Name] = c
	}
	return resp, string(b), cookies
}

func requestWith(t *testing.T, method, url string, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for _, c := range cookies {
		if c != nil {
			req.AddCookie(c)
		}
	}
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestLoginFlow covers login, refresh rotation, logout revocation and
// the brute-force lockout, on SQLite (the flow is engine-independent; the
// store conformance suite covers both engines).
func TestLoginFlow(t *testing.T) {
	env := authEnv([]string{"PHOENIX_WORKING_DIR=" + t.TempDir(), "PHOENIX_BRUTE_FORCE_LOGIN_PROTECTION_MAX_ATTEMPTS=3"})
	p := startEmber(t, env)
	base := p.httpURL

	t.Run("RefreshRotates", func(t *testing.T) {
		resp, _, c := login(t, base, "admin@localhost", "admin")
		if resp.StatusCode != http.StatusNoContent || c["phoenix-access-token"] == nil || c["phoenix-refresh-token"] == nil {
			t.Fatalf("login: %d %v", resp.StatusCode, c)
		}
		if a := c["phoenix-access-token"]; !a.HttpOnly || a.SameSite != http.SameSiteStrictMode || a.Path != "/" || a.MaxAge != 600 {
			t.Errorf("access cookie %+v", a)
		}
		resp, body := requestWith(t, "GET", base+"/v1/user", c["phoenix-access-token"])
		if resp.StatusCode != 200 || !strings.Contains(body, `"username":"admin"`) || !strings.Contains(body, `"password_needs_reset":true`) {
			t.Fatalf("GET /v1/user: %d %s", resp.StatusCode, body)
		}
		resp, _ = requestWith(t, "POST", base+"/auth/refresh", c["phoenix-refresh-token"], c["phoenix-access-token"])
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("refresh: %d", resp.StatusCode)
		}
		fresh := map[string]*http.Cookie{}
		for _, ck := range resp.Cookies() {
			fresh[ck.Name] = ck
		}
		if fresh["phoenix-access-token"].Value == c["phoenix-access-token"].Value || fresh["phoenix-refresh-token"].Value == c["phoenix-refresh-token"].Value {
			t.Fatal("refresh did not issue new tokens")
		}
		// The old pair is revoked; the new one works.
		if resp, body := requestWith(t, "GET", base+"/v1/user", c["phoenix-access-token"]); resp.StatusCode != 401 || body != "Invalid token" {
			t.Errorf("old access token: %d %q", resp.StatusCode, body)
		}
		if resp, body := requestWith(t, "POST", base+"/auth/refresh", c["phoenix-refresh-token"]); resp.StatusCode != 401 || body != "Invalid refresh token" {
			t.Errorf("old refresh token again: %d %q", resp.StatusCode, body)
		}
		if resp, _ := requestWith(t, "GET", base+"/v1/user", fresh["phoenix-access-token"]); resp.StatusCode != 200 {
			t.Errorf("new access token: %d", resp.StatusCode)
		}
		if resp, body := requestWith(t, "POST", base+"/auth/refresh"); resp.StatusCode != 401 || body != "Missing refresh token" {
			t.Errorf("no refresh cookie: %d %q", resp.StatusCode, body)
		}
		// An access token is not a refresh token, nor the other way round.
		if resp, body := requestWith(t, "POST", base+"/auth/refresh", &http.Cookie{Name: "phoenix-refresh-token", Value: fresh["phoenix-access-token"].Value}); resp.StatusCode != 401 || body != "Invalid refresh token" {
			t.Errorf("access token as refresh: %d %q", resp.StatusCode, body)
		}
		if resp, _ := requestWith(t, "GET", base+"/v1/user", &http.Cookie{Name: "phoenix-access-token", Value: fresh["phoenix-refresh-token"].Value}); resp.StatusCode != 401 {
			t.Errorf("refresh token as access: %d", resp.StatusCode)
		}
	})

	t.Run("LogoutRevokesEverySession", func(t *testing.T) {
		_, _, c1 := login(t, base, "admin@localhost", "admin")
		_, _, c2 := login(t, base, "ADMIN@localhost", "admin")
		if c1["phoenix-access-token"].Value == c2["phoenix-access-token"].Value {
			t.Fatal("two logins got the same token")
		}
		// Logout with only the refresh cookie.
		resp, _ := requestWith(t, "GET", base+"/auth/logout", c1["phoenix-refresh-token"])
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/login" {
			t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		for _, ck := range resp.Cookies() {
			if ck.MaxAge >= 0 || ck.Value != "" {
				t.Errorf("logout left cookie %+v", ck)
			}
		}
		for _, c := range []map[string]*http.Cookie{c1, c2} {
			if resp, _ := requestWith(t, "GET", base+"/v1/user", c["phoenix-access-token"]); resp.StatusCode != 401 {
				t.Errorf("access token after logout: %d", resp.StatusCode)
			}
			if resp, _ := requestWith(t, "POST", base+"/auth/refresh", c["phoenix-refresh-token"]); resp.StatusCode != 401 {
				t.Errorf("refresh token after logout: %d", resp.StatusCode)
			}
		}
		// Logout never fails, even without any cookie.
		if resp, _ := requestWith(t, "GET", base+"/auth/logout"); resp.StatusCode != http.StatusFound {
			t.Errorf("anonymous logout: %d", resp.StatusCode)
		}
	})

	t.Run("BadLogins", func(t *testing.T) {
		for _, tt := range []struct{ body, want string }{
			{`{"email":"admin@localhost"}`, "Email and password required"},
			{`{"password":"admin"}`, "Email and password required"},
			{`not json`, "Email and password required"},
			{`{"email":"nobody@localhost","password":"admin"}`, "Invalid email and/or password"},
			{`{"email":"system@localhost","password":""}`, "Email and password required"},
			{`{"email":"system@localhost","password":"x"}`, "Invalid email and/or password"},
		} {
			resp, err := http.Post(base+"/auth/login", "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 401 || string(b) != tt.want {
				t.Errorf("%s: %d %q, want 401 %q", tt.body, resp.StatusCode, b, tt.want)
			}
		}
	})

	t.Run("Lockout", func(t *testing.T) {
		emberCLI(t, env, "user", "create", "--username", "locky", "--email", "locky@example.com", "--password", "right")
		for i := 0; i < 3; i++ {
			if resp, body, _ := login(t, base, "locky@example.com", "wrong"); resp.StatusCode != 401 {
				t.Fatalf("failure %d: %d %q", i, resp.StatusCode, body)
			}
		}
		resp, body, _ := login(t, base, "Locky@Example.com", "right")
		if resp.StatusCode != http.StatusTooManyRequests || body != "Too many failed login attempts. Please try again later." {
			t.Fatalf("after 3 failures: %d %q", resp.StatusCode, body)
		}
		// Other users are not affected.
		if resp, _, _ := login(t, base, "admin@localhost", "admin"); resp.StatusCode != http.StatusNoContent {
			t.Errorf("another user: %d", resp.StatusCode)
		}
	})

	t.Run("DeletedUserIsLockedOut", func(t *testing.T) {
		emberCLI(t, env, "user", "create", "--username", "gone", "--email", "gone@example.com", "--password", "pw-gone")
		_, _, c := login(t, base, "gone@example.com", "pw-gone")
		key := emberCLI(t, env, "apikey", "create", "--name", "g", "--user", "gone")
		emberCLI(t, env, "user", "delete", "gone")
		if resp, _ := requestWith(t, "GET", base+"/v1/projects", c["phoenix-access-token"]); resp.StatusCode != 401 {
			t.Errorf("session of a deleted user: %d", resp.StatusCode)
		}
		req, _ := http.NewRequest("GET", base+"/v1/projects", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("key of a deleted user: %d", resp.StatusCode)
		}
		if resp, _, _ := login(t, base, "gone@example.com", "pw-gone"); resp.StatusCode != 401 {
			t.Errorf("login of a deleted user: %d", resp.StatusCode)
		}
	})
}

// TestRateLimitAuth: /auth/* is limited per address unless
// PHOENIX_DISABLE_RATE_LIMIT.
func TestRateLimitAuth(t *testing.T) {
	env := []string{"PHOENIX_WORKING_DIR=" + t.TempDir(), "PHOENIX_ENABLE_AUTH=true", "PHOENIX_SECRET=" + testSecret}
	p := startEmber(t, env)
	limited := 0
	for i := 0; i < 20; i++ {
		resp, err := http.Post(p.httpURL+"/auth/refresh", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			if string(b) != "Too Many Requests" {
				t.Errorf("429 body %q", b)
			}
			limited++
		}
	}
	if limited == 0 || limited > 10 {
		t.Fatalf("%d of 20 quick requests limited", limited)
	}
	// Other routes are not limited.
	if resp, _ := requestWith(t, "GET", p.httpURL+"/healthz"); resp.StatusCode != 200 {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}
}

// TestAuthOff: with authentication off (the default) everything stays open,
// /v1/user is anonymous and credential-issuing routes refuse.
func TestAuthOff(t *testing.T) {
	p := startEmber(t, []string{"PHOENIX_WORKING_DIR=" + t.TempDir()})
	resp, body := requestWith(t, "GET", p.httpURL+"/v1/user")
	if resp.StatusCode != 200 || body != `{"data":{"auth_method":"ANONYMOUS"}}` {
		t.Errorf("GET /v1/user: %d %s", resp.StatusCode, body)
	}
	for _, route := range []string{"GET /v1/user/api_keys", "POST /v1/user/api_keys", "GET /v1/system/api_keys", "POST /v1/system/api_keys", "DELETE /v1/system/api_keys/x", "GET /v1/users/api_keys"} {
		method, path, _ := strings.Cut(route, " ")
		resp, body := requestWith(t, method, p.httpURL+path)
		if resp.StatusCode != 403 || !strings.Contains(body, "PHOENIX_ENABLE_AUTH") {
			t.Errorf("%s: %d %q", route, resp.StatusCode, body)
		}
	}
	if resp, _ := requestWith(t, "GET", p.httpURL+"/v1/users"); resp.StatusCode != 200 {
		t.Errorf("GET /v1/users: %d", resp.StatusCode)
	}
	if resp, _ := requestWith(t, "GET", p.httpURL+"/v1/projects"); resp.StatusCode != 200 {
		t.Errorf("GET /v1/projects: %d", resp.StatusCode)
	}
}

// TestUserAndKeyRoutes exercises the REST user and API-key routes through
// the admin secret and a session.
func TestUserAndKeyRoutes(t *testing.T) {
	p := startEmber(t, authEnv([]string{"PHOENIX_WORKING_DIR=" + t.TempDir()}))
	call := func(method, path, body string, auth func(*http.Request)) (int, map[string]any, string) {
		req, _ := http.NewRequest(method, p.httpURL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		auth(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var v map[string]any
		_ = json.Unmarshal(b, &v)
		return resp.StatusCode, v, string(b)
	}
	secret := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+testAdminSecret) }

	st, v, raw := call("POST", "/v1/users", `{"user":{"email":" New@Example.com ","username":"newbie","role":"MEMBER","auth_method":"LOCAL","password":"pw-newbie"}}`, secret)
	if st != 201 {
		t.Fatalf("create user: %d %s", st, raw)
	}
	u := v["data"].(map[string]any)
	if u["email"] != "new@example.com" || u["role"] != "MEMBER" || u["password_needs_reset"] != true {
		t.Errorf("created %v", u)
	}
	for _, tt := range []struct {
		body string
		want int
		msg  string
	}{
		{`{"user":{"email":"x@example.com","username":"newbie","role":"MEMBER","auth_method":"LOCAL"}}`, 409, "Username already exists"},
		{`{"user":{"email":"NEW@example.com","username":"other","role":"MEMBER","auth_method":"LOCAL"}}`, 409, "Email already exists"},
		{`{"user":{"email":"s@example.com","username":"s","role":"SYSTEM","auth_method":"LOCAL"}}`, 400, "Cannot create users with SYSTEM role"},
		{`{"user":{"email":"r@example.com","username":"r","role":"OWNER","auth_method":"LOCAL"}}`, 400, "Role 'OWNER' not found"},
	} {
		if st, _, raw := call("POST", "/v1/users", tt.body, secret); st != tt.want || raw != tt.msg {
			t.Errorf("%s: %d %q, want %d %q", tt.body, st, raw, tt.want, tt.msg)
		}
	}
	// The new user logs in and mints a key; the key cannot mint another.
	resp, _, c := login(t, p.httpURL, "new@example.com", "pw-newbie")
	if resp.StatusCode != 204 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	session := func(r *http.Request) { r.AddCookie(c["phoenix-access-token"]) }
	st, v, raw = call("POST", "/v1/user/api_keys", `{"data":{"name":" laptop ","description":"d"}}`, session)
	if st != 201 {
		t.Fatalf("create key: %d %s", st, raw)
	}
	k := v["data"].(map[string]any)
	key, keyID := k["key"].(string), k["id"].(string)
	if k["name"] != "laptop" || key == "" {
		t.Errorf("key %v", k)
	}
	withKey := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+key) }
	if st, _, raw := call("POST", "/v1/user/api_keys", `{"data":{"name":"x"}}`, withKey); st != 403 || raw != "API keys cannot create API keys" {
		t.Errorf("key minting a key: %d %q", st, raw)
	}
	if st, _, raw := call("POST", "/v1/user/api_keys", `{"data":{"name":"x","expires_at":"2001-01-01T00:00:00Z"}}`, session); st != 422 {
		t.Errorf("past expiry: %d %q", st, raw)
	}
	st, v, _ = call("GET", "/v1/user/api_keys", "", withKey)
	if list := v["data"].([]any); st != 200 || len(list) != 1 || list[0].(map[string]any)["id"] != keyID || list[0].(map[string]any)["key"] != nil {
		t.Errorf("list own keys: %d %v", st, v)
	}
	st, v, _ = call("GET", "/v1/users/api_keys", "", secret)
	if list := v["data"].([]any); st != 200 || len(list) != 1 || list[0].(map[string]any)["user"].(map[string]any)["username"] != "newbie" {
		t.Errorf("list all user keys: %d %v", st, v)
	}
	// System keys: created with the admin secret, listed, deleted.
	st, v, raw = call("POST", "/v1/system/api_keys", `{"data":{"name":"ci"}}`, secret)
	if st != 201 {
		t.Fatalf("system key: %d %s", st, raw)
	}
	sysID := v["data"].(map[string]any)["id"].(string)
	if st, _, raw := call("DELETE", "/v1/system/api_keys/"+keyID, "", secret); st != 422 {
		t.Errorf("user key id on the system route: %d %q", st, raw)
	}
	if st, _, _ := call("DELETE", "/v1/system/api_keys/"+sysID, "", secret); st != 204 {
		t.Errorf("delete system key: %d", st)
	}
	if st, _, _ := call("DELETE", "/v1/system/api_keys/"+sysID, "", secret); st != 404 {
		t.Errorf("delete system key twice: %d", st)
	}
	// Own key deletion revokes at once.
	if st, _, _ := call("DELETE", "/v1/user/api_keys/"+keyID, "", session); st != 204 {
		t.Errorf("delete own key: %d", st)
	}
	if st, _, raw := call("GET", "/v1/projects", "", withKey); st != 401 || raw != "Invalid token" {
		t.Errorf("deleted key: %d %q", st, raw)
	}
	// The default admin and system user cannot be deleted; others can.
	st, v, _ = call("GET", "/v1/users", "", secret)
	for _, x := range v["data"].([]any) {
		u := x.(map[string]any)
		want := 204
		if u["username"] == "admin" || u["username"] == "system" {
			want = 403
		}
		if st, _, raw := call("DELETE", "/v1/users/"+u["id"].(string), "", secret); st != want {
			t.Errorf("delete %s: %d %q, want %d", u["username"], st, raw, want)
		}
	}
	if st, _, _ := call("GET", "/v1/user", "", session); st != 401 {
		t.Errorf("session of a deleted user: %d", st)
	}
}

// uiPage tells the web UI's pages, which show stored data, from the public
// paths (login, static files, docs, health).
func uiPage(path string) bool {
	return path == "/" || path == "/projects" || strings.HasPrefix(path, "/projects/") || strings.HasPrefix(path, "/redirects/")
}

// checkPage pins how a UI page answers a credential when auth is on: a
// signed-out reader is sent to the login page, a signed-out write is 401,
// viewers only read and deleting a project is for admins.
func checkPage(t *testing.T, pattern, method, path string, c credential, resp *http.Response, body string) {
	t.Helper()
	toLogin := resp.StatusCode == http.StatusFound && strings.Contains(resp.Header.Get("Location"), "/login?next=")
	switch {
	case c.role == "" && method == http.MethodGet:
		if !toLogin {
			t.Errorf("%s as %s: %d %q, want a redirect to the login page", pattern, c.name, resp.StatusCode, resp.Header.Get("Location"))
		}
	case c.role == "":
		if resp.StatusCode != http.StatusUnauthorized || body != c.fail {
			t.Errorf("%s as %s: %d %q, want 401 %q", pattern, c.name, resp.StatusCode, body, c.fail)
		}
	case method != http.MethodGet && c.role == "VIEWER":
		if resp.StatusCode != http.StatusForbidden || body != "Viewers cannot perform this action." {
			t.Errorf("%s as %s: %d %q, want the viewer 403", pattern, c.name, resp.StatusCode, body)
		}
	case method == http.MethodPost && strings.HasSuffix(path, "/delete") && strings.Count(path, "/") == 3 && c.role == "MEMBER":
		if resp.StatusCode != http.StatusForbidden || body != "Only admin or system users can perform this action." {
			t.Errorf("%s as %s: %d %q, want the admin-only 403", pattern, c.name, resp.StatusCode, body)
		}
	default:
		if toLogin || resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			t.Errorf("%s as %s: %d %q, want it let through", pattern, c.name, resp.StatusCode, body)
		}
	}
}

// TestLoginPage pins the UI's sign-in: a signed-out visitor is sent to the
// login page, which returns only to this server's paths, and the session
// cookies from /auth/login open the pages.
func TestLoginPage(t *testing.T) {
	env := authEnv(engines(t)[0].env(t))
	emberCLI(t, env, "user", "create", "--username", "ann", "--email", "ann@example.com", "--role", "MEMBER", "--password", "pw-ann")
	p := startEmber(t, env)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(p.httpURL + "/projects?range=1h")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "/login?next="+url.QueryEscape("/projects?range=1h") {
		t.Fatalf("signed out: %d %q", resp.StatusCode, loc)
	}
	for next, want := range map[string]string{
		"/projects?range=1h":   `data-next="/projects?range=1h"`,
		"//evil.example/x":     `data-next="/projects"`,
		"https://evil.example": `data-next="/projects"`,
		"/\\evil.example":      `data-next="/projects"`,
	} {
		status, body, _ := call(t, "GET", p.httpURL+"/login?next="+url.QueryEscape(next), "")
		if status != 200 || !strings.Contains(body, want) || !strings.Contains(body, `data-endpoint="/auth/login"`) {
			t.Errorf("login page for next=%q: %d, want %s in\n%s", next, status, want, body)
		}
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	resp, err = hc.Post(p.httpURL+"/auth/login", "application/json", strings.NewReader(`{"email":"ann@example.com","password":"pw-ann"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = hc.Get(p.httpURL + "/projects")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "Sign out") || !strings.Contains(string(b), "default") {
		t.Errorf("signed in: %d\n%.300s", resp.StatusCode, b)
	}
}
