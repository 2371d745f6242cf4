package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/emberhq/ember"
)

var testSecret = []byte("test-secret-0123456789-abcdefghijklmnop")

// fast keeps tests quick; production uses DefaultIterations.
var fast = Hasher{Iterations: 1000}

func TestPasswordHash(t *testing.T) {
	h, err := fast.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "pbkdf2-sha256$1000$") {
		t.Fatalf("hash %q", h)
	}
	if !fast.Verify(h, "correct horse") {
		t.Fatal("the right password does not verify")
	}
	for _, bad := range []string{"", "correct hors", "correct horse "} {
		if fast.Verify(h, bad) {
			t.Errorf("%q verifies", bad)
		}
	}
	// The iteration count is read from the hash, not from the hasher.
	if !(Hasher{Iterations: 5}).Verify(h, "correct horse") {
		t.Error("a hasher with another cost cannot verify")
	}
	h2, _ := fast.Hash("correct horse")
	if h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "plain", "pbkdf2-sha256$x$a$b", "argon2id$1$AAAA$AAAA", "pbkdf2-sha256$0$AAAA$" + strings.Repeat("A", 43), "pbkdf2-sha256$1000$$" + strings.Repeat("A", 43)} {
		if fast.Verify(bad, "") || fast.Verify(bad, "plain") {
			t.Errorf("unreadable hash %q verifies", bad)
		}
	}
	if DefaultIterations < 600_000 || MinIterations < 600_000 {
		t.Error("the default cost is below 600,000 iterations")
	}
}

func TestValidatePassword(t *testing.T) {
	for _, ok := range []string{"abcd", "P@ssw0rd!"} {
		if err := ValidatePassword(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "abc", "with space", "tab\there", "naïve-pass"} {
		if err := ValidatePassword(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func sign(header, payload string) string {
	h := base64.RawURLEncoding.EncodeToString([]byte(header))
	p := base64.RawURLEncoding.EncodeToString([]byte(payload))
	m := hmac.New(sha256.New, testSecret)
	m.Write([]byte(h + "." + p))
	return h + "." + p + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func TestJWT(t *testing.T) {
	tok := signJWT(testSecret, "ApiKey:7")
	jti, err := verifyJWT(testSecret, tok)
	if err != nil || jti != "ApiKey:7" {
		t.Fatalf("round trip: %q %v", jti, err)
	}
	parts := strings.Split(tok, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	for name, bad := range map[string]string{
		"other secret":   signJWT([]byte("another-secret-0123456789-abcdefghijk"), "ApiKey:7"),
		"alg none":       none + "." + parts[1] + ".",
		"alg none sig":   none + "." + parts[1] + "." + parts[2],
		"alg HS512":      sign(`{"alg":"HS512"}`, `{"jti":"ApiKey:7"}`),
		"alg missing":    sign(`{"typ":"JWT"}`, `{"jti":"ApiKey:7"}`),
		"typ other":      sign(`{"alg":"HS256","typ":"JOSE+JSON"}`, `{"jti":"ApiKey:7"}`),
		"crit":           sign(`{"alg":"HS256","crit":["x"]}`, `{"jti":"ApiKey:7"}`),
		"no jti":         sign(`{"alg":"HS256"}`, `{"sub":"1"}`),
		"jti not string": sign(`{"alg":"HS256"}`, `{"jti":7}`),
		"payload array":  sign(`{"alg":"HS256"}`, `["ApiKey:7"]`),
		"two parts":      parts[0] + "." + parts[1],
		"four parts":     tok + ".x",
		"padded sig":     tok + "=",
		"tampered":       parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"jti":"ApiKey:8"}`)) + "." + parts[2],
		"empty":          "",
	} {
		if jti, err := verifyJWT(testSecret, bad); err == nil {
			t.Errorf("%s: accepted, jti %q", name, jti)
		}
	}
	// A header with typ JWT or without typ is fine.
	if jti, err := verifyJWT(testSecret, sign(`{"alg":"HS256"}`, `{"jti":"AccessToken:1","iat":1}`)); err != nil || jti != "AccessToken:1" {
		t.Errorf("minimal header: %q %v", jti, err)
	}
}

func TestParseJTI(t *testing.T) {
	if k, id, err := parseJTI("RefreshToken:42"); err != nil || k != ember.TokenRefresh || id != 42 {
		t.Fatalf("%v %d %v", k, id, err)
	}
	for _, bad := range []string{"", "ApiKey", "ApiKey:", "ApiKey:0", "ApiKey:-1", "ApiKey:+1", "ApiKey:01", "ApiKey:1.0", "User:1", "apikey:1", "ApiKey:99999999999999999999"} {
		if _, _, err := parseJTI(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzVerifyJWT(f *testing.F) {
	f.Add(signJWT(testSecret, "ApiKey:1"))
	f.Add(sign(`{"alg":"none"}`, `{"jti":"ApiKey:1"}`))
	f.Add("a.b.c")
	f.Add("..")
	f.Fuzz(func(t *testing.T, tok string) {
		jti, err := verifyJWT(testSecret, tok)
		if err != nil {
			return
		}
		// Whatever verifies must be exactly what signing makes of its jti:
		// nothing unsigned or differently encoded slips through.
		parts := strings.Split(tok, ".")
		if len(parts) != 3 {
			t.Fatalf("%q verified with %d parts", tok, len(parts))
		}
		m := hmac.New(sha256.New, testSecret)
		m.Write([]byte(parts[0] + "." + parts[1]))
		if base64.RawURLEncoding.EncodeToString(m.Sum(nil)) != parts[2] {
			t.Fatalf("%q verified with a wrong MAC", tok)
		}
		if jti == "" {
			t.Fatalf("%q verified with an empty jti", tok)
		}
		if k, id, err := parseJTI(jti); err == nil && jtiOf(k, id) != jti {
			t.Fatalf("jti %q does not round-trip", jti)
		}
	})
}

func TestAuthorize(t *testing.T) {
	p := func(role ember.Role, via Via) *Principal { return &Principal{User: &ember.User{Role: role}, Via: via} }
	for _, tt := range []struct {
		method, path string
		who          *Principal
		want         string
	}{
		{"GET", "/v1/projects", p(ember.RoleViewer, ViaAPIKey), ""},
		{"POST", "/v1/traces", p(ember.RoleViewer, ViaAPIKey), MsgViewer},
		{"POST", "/v1/traces", p(ember.RoleMember, ViaAPIKey), ""},
		{"POST", "/v1/future/route", p(ember.RoleViewer, ViaAccessToken), MsgViewer},
		{"DELETE", "/v1/projects/x", p(ember.RoleViewer, ViaAPIKey), MsgViewer},
		{"DELETE", "/v1/projects/x", p(ember.RoleMember, ViaAPIKey), MsgAdminOnly},
		{"DELETE", "/v1/projects/x/", p(ember.RoleMember, ViaAPIKey), MsgAdminOnly},
		{"DELETE", "/v1/projects/x", p(ember.RoleAdmin, ViaAPIKey), ""},
		{"DELETE", "/v1/projects/x/spans", p(ember.RoleMember, ViaAPIKey), ""},
		{"GET", "/v1/users", p(ember.RoleMember, ViaAccessToken), MsgAdminOnly},
		{"HEAD", "/v1/users", p(ember.RoleMember, ViaAccessToken), MsgAdminOnly},
		{"GET", "/v1/users", p(ember.RoleSystem, ViaAdminSecret), ""},
		{"POST", "/v1/user/api_keys", p(ember.RoleViewer, ViaAccessToken), ""},
		{"POST", "/v1/user/api_keys", p(ember.RoleAdmin, ViaAPIKey), MsgKeysCannotCreate},
		{"POST", "/v1/user/api_keys", p(ember.RoleSystem, ViaAdminSecret), MsgKeysCannotCreate},
		{"POST", "/v1/system/api_keys", p(ember.RoleSystem, ViaAdminSecret), ""},
		{"POST", "/v1/system/api_keys", p(ember.RoleViewer, ViaAccessToken), MsgAdminOnly},
		{"DELETE", "/v1/user/api_keys/x", p(ember.RoleViewer, ViaAPIKey), ""},
	} {
		err := Authorize(tt.method, tt.path, tt.who)
		if got := ember.ErrorMessage(err); got != tt.want {
			t.Errorf("%s %s as %s/%s: %q, want %q", tt.method, tt.path, tt.who.User.Role, tt.who.Via, got, tt.want)
		}
	}
	for path, want := range map[string]bool{"/v1": true, "/v1/": true, "/v1/x": true, "/v10": false, "/healthz": false, "/auth/login": false, "/docs": false} {
		if Protected(path) != want {
			t.Errorf("Protected(%q) = %v", path, !want)
		}
	}
}

func TestLockout(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLockout(3, 5*time.Minute, func() time.Time { return now })
	for i := 0; i < 2; i++ {
		l.fail("a@x")
	}
	if l.locked("a@x") {
		t.Fatal("locked after 2 failures")
	}
	l.succeed("a@x")
	l.fail("a@x")
	l.fail("a@x")
	if l.locked("a@x") {
		t.Fatal("a success did not reset the count")
	}
	l.fail("a@x")
	if !l.locked("a@x") || l.locked("b@x") {
		t.Fatal("3 failures did not lock, or locked another email")
	}
	now = now.Add(5*time.Minute + time.Second)
	if l.locked("a@x") {
		t.Fatal("still locked after the period")
	}
}

func TestRateLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newRateLimiter(0.2, 3, func() time.Time { return now })
	for i := 0; i < 3; i++ {
		if !l.allow("1.2.3.4") {
			t.Fatalf("request %d refused", i)
		}
	}
	if l.allow("1.2.3.4") || !l.allow("5.6.7.8") {
		t.Fatal("the burst is not per address")
	}
	now = now.Add(5 * time.Second)
	if !l.allow("1.2.3.4") || l.allow("1.2.3.4") {
		t.Fatal("one token should come back after 5 s")
	}
}

// BenchmarkVerifyDefault measures the cost of one login's password check
// at the production iteration count.
func BenchmarkVerifyDefault(b *testing.B) {
	h, _ := Hasher{}.Hash("benchmark")
	for b.Loop() {
		Hasher{}.Verify(h, "benchmark")
	}
}
