package config

import (
	"strings"
	"testing"
	"time"
)

const goodSecret = "abcdefghijklmnopqrstuvwxyz0123456789"

func TestLoad_Auth(t *testing.T) {
	c, err := Load([]string{
		"PHOENIX_ENABLE_AUTH=True",
		"PHOENIX_SECRET=" + goodSecret,
		"PHOENIX_ADMIN_SECRET=" + goodSecret + "x",
		"PHOENIX_ADMINS=Ada Lovelace=ADA@example.com; Bob=bob@example.com",
		"PHOENIX_ACCESS_TOKEN_EXPIRY_MINUTES=0.5",
		"PHOENIX_CSRF_TRUSTED_ORIGINS=https://a.example.com, http://b.example.com:8080",
		"PHOENIX_DISABLE_RATE_LIMIT=true",
		"PHOENIX_BRUTE_FORCE_LOGIN_PROTECTION_MAX_ATTEMPTS=3",
		"PHOENIX_SMTP_HOSTNAME=mail.example.com",
	}, nil, testHome)
	if err != nil {
		t.Fatal(err)
	}
	a := c.Auth
	if !a.Enabled || a.Secret != goodSecret || a.AccessTokenExpiry != 30*time.Second || !a.DisableRateLimit || a.BruteForceMaxAttempts != 3 || a.SMTP.Hostname != "mail.example.com" || a.SMTP.Port != 587 {
		t.Fatalf("auth = %+v", a)
	}
	if got := a.AdminList(); len(got) != 2 || got[0] != (Admin{"Ada Lovelace", "ada@example.com"}) {
		t.Fatalf("admins = %+v", got)
	}
	if got := a.TrustedOrigins(); len(got) != 2 || got[1] != "http://b.example.com:8080" {
		t.Fatalf("origins = %q", got)
	}
	if got := c.PublicURL(); got != "http://127.0.0.1:6006" {
		t.Fatalf("public URL = %q", got)
	}
	if s := c.String(); strings.Contains(s, goodSecret) {
		t.Fatalf("String leaks the secret: %s", s)
	}
}

func TestLoad_AuthErrors(t *testing.T) {
	for _, tt := range []struct {
		name    string
		environ []string
		want    string
	}{
		{"SecretRequired", []string{"PHOENIX_ENABLE_AUTH=true"}, "PHOENIX_SECRET is required"},
		{"ShortSecret", []string{"PHOENIX_ENABLE_AUTH=true", "PHOENIX_SECRET=abc123"}, "at least 32 characters"},
		{"NoDigit", []string{"PHOENIX_SECRET=" + strings.Repeat("a", 40)}, "at least one digit"},
		{"NoLower", []string{"PHOENIX_SECRET=" + strings.Repeat("A1", 20)}, "lowercase"},
		{"Whitespace", []string{"PHOENIX_SECRET=" + goodSecret[:20] + " " + goodSecret[20:]}, "without whitespace"},
		{"AdminSecretNeedsSecret", []string{"PHOENIX_ADMIN_SECRET=" + goodSecret}, "requires PHOENIX_SECRET"},
		{"AdminSecretDiffers", []string{"PHOENIX_SECRET=" + goodSecret, "PHOENIX_ADMIN_SECRET=" + goodSecret}, "must differ"},
		{"Bool", []string{"PHOENIX_ENABLE_AUTH=yes"}, "PHOENIX_ENABLE_AUTH"},
		{"Expiry", []string{"PHOENIX_REFRESH_TOKEN_EXPIRY_MINUTES=-1"}, "positive number of minutes"},
		{"Admins", []string{"PHOENIX_ADMINS=nobody"}, "PHOENIX_ADMINS"},
		{"Origins", []string{"PHOENIX_CSRF_TRUSTED_ORIGINS=not a url"}, "PHOENIX_CSRF_TRUSTED_ORIGINS"},
		{"Attempts", []string{"PHOENIX_BRUTE_FORCE_LOGIN_PROTECTION_MAX_ATTEMPTS=0"}, "PHOENIX_BRUTE_FORCE_LOGIN_PROTECTION_MAX_ATTEMPTS"},
		{"CookiesPath", []string{"PHOENIX_COOKIES_PATH=api"}, "PHOENIX_COOKIES_PATH"},
		{"RootURL", []string{"PHOENIX_ROOT_URL=example.com"}, "PHOENIX_ROOT_URL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.environ, nil, testHome)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			if strings.Contains(err.Error(), goodSecret) {
				t.Fatalf("the message quotes the secret: %v", err)
			}
		})
	}
}

func TestParseAdmins(t *testing.T) {
	got, err := ParseAdmins("a=b=c@example.com;;  ")
	if err != nil || len(got) != 1 || got[0] != (Admin{"a=b", "c@example.com"}) {
		t.Fatalf("got %+v, %v", got, err)
	}
	for _, bad := range []string{"x", "=a@b.c", "a=notanemail", "a=a@b.c;a=d@e.f", "a=a@b.c;b=A@B.C", "a=Name <a@b.c>"} {
		if _, err := ParseAdmins(bad); err == nil {
			t.Errorf("ParseAdmins(%q) succeeded", bad)
		}
	}
}

func FuzzParseAdmins(f *testing.F) {
	for _, s := range []string{"", "a=b@c.d", "Ada=ada@x.io;Bob=bob@x.io", "a=b=c@d.e", ";;=;", "x=é@ü.de"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		admins, err := ParseAdmins(s)
		if err != nil {
			return
		}
		names, emails := map[string]bool{}, map[string]bool{}
		for _, a := range admins {
			if a.Username == "" || a.Email == "" || strings.ContainsAny(a.Email, "=;") || a.Email != strings.ToLower(a.Email) {
				t.Fatalf("bad admin %+v from %q", a, s)
			}
			if names[a.Username] || emails[a.Email] {
				t.Fatalf("duplicate %+v from %q", a, s)
			}
			names[a.Username], emails[a.Email] = true, true
		}
		// Parsing the canonical form gives the same list.
		var parts []string
		for _, a := range admins {
			parts = append(parts, a.Username+"="+a.Email)
		}
		again, err := ParseAdmins(strings.Join(parts, ";"))
		if err != nil || len(again) != len(admins) {
			t.Fatalf("round trip of %q: %+v, %v", s, again, err)
		}
	})
}
