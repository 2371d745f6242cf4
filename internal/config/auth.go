package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Names of the authentication settings; all are environment-only, as in
// Phoenix (secrets do not belong on a command line).
const (
	envEnableAuth            = "PHOENIX_ENABLE_AUTH"
	envSecret                = "PHOENIX_SECRET"
	envAdminSecret           = "PHOENIX_ADMIN_SECRET"
	envDefaultAdminPassword  = "PHOENIX_DEFAULT_ADMIN_INITIAL_PASSWORD"
	envAdmins                = "PHOENIX_ADMINS"
	envUseSecureCookies      = "PHOENIX_USE_SECURE_COOKIES"
	envCookiesPath           = "PHOENIX_COOKIES_PATH"
	envAccessTokenExpiry     = "PHOENIX_ACCESS_TOKEN_EXPIRY_MINUTES"
	envRefreshTokenExpiry    = "PHOENIX_REFRESH_TOKEN_EXPIRY_MINUTES"
	envResetTokenExpiry      = "PHOENIX_PASSWORD_RESET_TOKEN_EXPIRY_MINUTES"
	envCSRFTrustedOrigins    = "PHOENIX_CSRF_TRUSTED_ORIGINS"
	envDisableRateLimit      = "PHOENIX_DISABLE_RATE_LIMIT"
	envDisableBruteForce     = "PHOENIX_DISABLE_BRUTE_FORCE_LOGIN_PROTECTION"
	envBruteForceMaxAttempts = "PHOENIX_BRUTE_FORCE_LOGIN_PROTECTION_MAX_ATTEMPTS"
	envRootURL               = "PHOENIX_ROOT_URL"
	envSMTPHostname          = "PHOENIX_SMTP_HOSTNAME"
	envSMTPPort              = "PHOENIX_SMTP_PORT"
	envSMTPUsername          = "PHOENIX_SMTP_USERNAME"
	envSMTPPassword          = "PHOENIX_SMTP_PASSWORD"
	envSMTPMailFrom          = "PHOENIX_SMTP_MAIL_FROM"
	envSMTPValidateCerts     = "PHOENIX_SMTP_VALIDATE_CERTS"
)

// Defaults of the authentication settings (Phoenix's).
const (
	defaultAdminPassword         = "admin"
	defaultCookiesPath           = "/"
	defaultAccessTokenExpiry     = 10 * time.Minute
	defaultRefreshTokenExpiry    = 7 * 24 * time.Hour
	defaultResetTokenExpiry      = 15 * time.Minute
	defaultBruteForceMaxAttempts = 5
	defaultSMTPPort              = 587
	defaultSMTPMailFrom          = "noreply@arize.com"
)

// Auth is the authentication settings.
type Auth struct {
	Enabled                  bool          // PHOENIX_ENABLE_AUTH
	Secret                   string        // PHOENIX_SECRET: signs tokens; required when Enabled
	AdminSecret              string        // PHOENIX_ADMIN_SECRET: a bearer for the system user
	DefaultAdminPassword     string        // PHOENIX_DEFAULT_ADMIN_INITIAL_PASSWORD
	Admins                   string        // PHOENIX_ADMINS, checked by Load; see AdminList
	UseSecureCookies         bool          // PHOENIX_USE_SECURE_COOKIES
	CookiesPath              string        // PHOENIX_COOKIES_PATH
	AccessTokenExpiry        time.Duration // PHOENIX_ACCESS_TOKEN_EXPIRY_MINUTES
	RefreshTokenExpiry       time.Duration // PHOENIX_REFRESH_TOKEN_EXPIRY_MINUTES
	PasswordResetTokenExpiry time.Duration // PHOENIX_PASSWORD_RESET_TOKEN_EXPIRY_MINUTES
	CSRFTrustedOrigins       string        // PHOENIX_CSRF_TRUSTED_ORIGINS, checked by Load; see TrustedOrigins
	DisableRateLimit         bool          // PHOENIX_DISABLE_RATE_LIMIT
	DisableBruteForce        bool          // PHOENIX_DISABLE_BRUTE_FORCE_LOGIN_PROTECTION
	BruteForceMaxAttempts    int           // PHOENIX_BRUTE_FORCE_LOGIN_PROTECTION_MAX_ATTEMPTS
	RootURL                  string        // PHOENIX_ROOT_URL: public URL for links in mail; "" to derive it (Config.PublicURL)
	SMTP                     SMTP
}

// SMTP is the mail server for password-reset mail; Hostname "" means none.
type SMTP struct {
	Hostname      string
	Port          int
	Username      string
	Password      string
	MailFrom      string
	ValidateCerts bool
}

// Admin is one entry of PHOENIX_ADMINS.
type Admin struct {
	Username string
	Email    string
}

// authSettings are the rows of the settings table for authentication.
func authSettings() []setting {
	return []setting{
		{envEnableAuth, "", "", "false",
			"Require a credential (API key, session or admin secret) for every /v1 route, OTLP over HTTP and gRPC included; roles ADMIN, MEMBER and VIEWER apply. /healthz, /readyz, /arize_phoenix_version and pages outside /v1 stay public."},
		{envSecret, "", "", "",
			"Key that signs every token; required when auth is on. At least 32 ASCII characters without whitespace, with at least one digit and one lowercase letter. Changing it invalidates every key and session."},
		{envAdminSecret, "", "", "",
			"A static bearer token that acts as the system user (full admin powers), for bootstrapping. Same rules as " + envSecret + ", must differ from it, and needs it."},
		{envDefaultAdminPassword, "", "", defaultAdminPassword,
			"Password of the seeded admin user (admin@localhost), used only when that user is first created, which is then flagged to choose a new one."},
		{envAdmins, "", "", "",
			"Admin users created at startup, as Name=email;Name2=email2 (the last = splits); each gets a random password to reset."},
		{envUseSecureCookies, "", "", "false",
			"Mark the session cookies Secure (sent over HTTPS only)."},
		{envCookiesPath, "", "", defaultCookiesPath,
			"Path attribute of the session cookies."},
		{envAccessTokenExpiry, "", "", "10",
			"Lifetime of an access token (the session cookie), in minutes; may be fractional."},
		{envRefreshTokenExpiry, "", "", "10080 (7 days)",
			"Lifetime of a refresh token, in minutes."},
		{envResetTokenExpiry, "", "", "15",
			"Lifetime of a password-reset link, in minutes."},
		{envCSRFTrustedOrigins, "", "", "",
			"Comma-separated origins such as https://ember.example.com; when set, any request whose Origin or Referer names another host gets 401."},
		{envDisableRateLimit, "", "", "false",
			"Turn off the per-address rate limit on /auth/* (about 12 requests at once, then one every 5 seconds)."},
		{envDisableBruteForce, "", "", "false",
			"Turn off the login lockout."},
		{envBruteForceMaxAttempts, "", "", strconv.Itoa(defaultBruteForceMaxAttempts),
			"Failed logins for one email before it is locked for 5 minutes (429), even with the right password."},
		{envRootURL, "", "", "http://<host>:<port><root path>",
			"Public URL of the server, used in links in mail."},
		{envSMTPHostname, "", "", "",
			"SMTP server for password-reset mail; unset means no mail (password-reset-email answers 503)."},
		{envSMTPPort, "", "", strconv.Itoa(defaultSMTPPort),
			"SMTP port; 465 uses TLS from the start, others STARTTLS when offered."},
		{envSMTPUsername, "", "", "",
			"SMTP login; none when unset."},
		{envSMTPPassword, "", "", "",
			"SMTP password."},
		{envSMTPMailFrom, "", "", defaultSMTPMailFrom,
			"Sender address of the mail."},
		{envSMTPValidateCerts, "", "", "true",
			"Check the SMTP server's TLS certificate."},
	}
}

// isAuthSetting reports whether env is one of authSettings.
func isAuthSetting(env string) bool {
	for _, s := range authSettings() {
		if s.env == env {
			return true
		}
	}
	return false
}

// bool reads a strict boolean.
func (l *loader) boolean(env string, dst *bool) {
	v, ok := l.value(env)
	if !ok {
		return
	}
	b, err := ParseBool(l.label(env), v)
	if err != nil {
		l.fail(env, err)
		return
	}
	*dst = b
}

// minutes reads a positive number of minutes, possibly fractional.
func (l *loader) minutes(env string, dst *time.Duration) {
	v, ok := l.value(env)
	if !ok {
		return
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f > 0) || f > 1e8 {
		l.fail(env, invalid(l.label(env), v, "must be a positive number of minutes"))
		return
	}
	*dst = time.Duration(f * float64(time.Minute))
}

// AdminList returns the users PHOENIX_ADMINS names.
func (a Auth) AdminList() []Admin {
	admins, _ := ParseAdmins(a.Admins)
	return admins
}

// TrustedOrigins returns the origins PHOENIX_CSRF_TRUSTED_ORIGINS lists.
func (a Auth) TrustedOrigins() []string {
	var out []string
	for _, o := range strings.Split(a.CSRFTrustedOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// PublicURL is PHOENIX_ROOT_URL, or the URL derived from the bind address,
// port and root path.
func (c Config) PublicURL() string {
	if c.Auth.RootURL != "" {
		return c.Auth.RootURL
	}
	host := c.Host
	if host == "0.0.0.0" || host == "::" || host == "" {
		host = "127.0.0.1"
	}
	return "http://" + hostPort(host, c.Port) + c.HostRootPath
}

// defaultAuth is the authentication settings when none is given.
func defaultAuth() Auth {
	return Auth{
		DefaultAdminPassword:     defaultAdminPassword,
		CookiesPath:              defaultCookiesPath,
		AccessTokenExpiry:        defaultAccessTokenExpiry,
		RefreshTokenExpiry:       defaultRefreshTokenExpiry,
		PasswordResetTokenExpiry: defaultResetTokenExpiry,
		BruteForceMaxAttempts:    defaultBruteForceMaxAttempts,
		SMTP:                     SMTP{Port: defaultSMTPPort, MailFrom: defaultSMTPMailFrom, ValidateCerts: true},
	}
}

// auth reads the authentication settings.
func (l *loader) auth() Auth {
	a := defaultAuth()
	l.boolean(envEnableAuth, &a.Enabled)
	a.Secret, _ = l.value(envSecret)
	a.AdminSecret, _ = l.value(envAdminSecret)
	if v, ok := l.value(envDefaultAdminPassword); ok {
		a.DefaultAdminPassword = v
	}
	if v, ok := l.value(envAdmins); ok {
		if _, err := ParseAdmins(v); err != nil {
			l.fail(envAdmins, fmt.Errorf("invalid value for %s: %w", envAdmins, err))
		}
		a.Admins = v
	}
	l.boolean(envUseSecureCookies, &a.UseSecureCookies)
	if v, ok := l.value(envCookiesPath); ok {
		a.CookiesPath = v
	}
	l.minutes(envAccessTokenExpiry, &a.AccessTokenExpiry)
	l.minutes(envRefreshTokenExpiry, &a.RefreshTokenExpiry)
	l.minutes(envResetTokenExpiry, &a.PasswordResetTokenExpiry)
	if v, ok := l.value(envCSRFTrustedOrigins); ok {
		for _, o := range strings.Split(v, ",") {
			if o = strings.TrimSpace(o); o == "" {
				continue
			}
			if u, err := url.Parse(o); err != nil || u.Hostname() == "" {
				l.fail(envCSRFTrustedOrigins, invalid(envCSRFTrustedOrigins, o, "each origin must be a URL with a host name, such as https://ember.example.com"))
				continue
			}
		}
		a.CSRFTrustedOrigins = v
	}
	l.boolean(envDisableRateLimit, &a.DisableRateLimit)
	l.boolean(envDisableBruteForce, &a.DisableBruteForce)
	if n, ok := l.integer(envBruteForceMaxAttempts, 32, allowedPositive); ok {
		if n <= 0 {
			l.fail(envBruteForceMaxAttempts, invalid(l.label(envBruteForceMaxAttempts), strconv.FormatInt(n, 10), allowedPositive))
		} else {
			a.BruteForceMaxAttempts = int(n)
		}
	}
	a.RootURL, _ = l.value(envRootURL)
	a.SMTP.Hostname, _ = l.value(envSMTPHostname)
	if n, ok := l.integer(envSMTPPort, 32, allowedPort); ok {
		a.SMTP.Port = int(n)
	}
	a.SMTP.Username, _ = l.value(envSMTPUsername)
	a.SMTP.Password, _ = l.value(envSMTPPassword)
	if v, ok := l.value(envSMTPMailFrom); ok {
		a.SMTP.MailFrom = v
	}
	l.boolean(envSMTPValidateCerts, &a.SMTP.ValidateCerts)
	return a
}

func hostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}

// validate checks the authentication settings.
func (a Auth) validate(failed map[string]bool) []error {
	var errs []error
	if a.Enabled && a.Secret == "" && !failed[envSecret] {
		errs = append(errs, fmt.Errorf("%s is required when %s is true", envSecret, envEnableAuth))
	}
	if a.Secret != "" {
		if err := checkSecret(a.Secret); err != nil {
			errs = append(errs, fmt.Errorf("invalid value for %s: %w", envSecret, err))
		}
	}
	if a.AdminSecret != "" {
		switch {
		case a.Secret == "":
			errs = append(errs, fmt.Errorf("%s requires %s to be set", envAdminSecret, envSecret))
		case a.AdminSecret == a.Secret:
			errs = append(errs, fmt.Errorf("%s must differ from %s", envAdminSecret, envSecret))
		}
		if err := checkSecret(a.AdminSecret); err != nil {
			errs = append(errs, fmt.Errorf("invalid value for %s: %w", envAdminSecret, err))
		}
	}
	if a.CookiesPath != "" && !strings.HasPrefix(a.CookiesPath, "/") && !failed[envCookiesPath] {
		errs = append(errs, invalid(envCookiesPath, a.CookiesPath, `must be a path starting with "/"`))
	}
	if a.BruteForceMaxAttempts < 0 && !failed[envBruteForceMaxAttempts] {
		errs = append(errs, invalid(envBruteForceMaxAttempts, strconv.Itoa(a.BruteForceMaxAttempts), allowedPositive))
	}
	if u, err := url.Parse(a.RootURL); a.RootURL != "" && (err != nil || u.Scheme == "" || u.Host == "") && !failed[envRootURL] {
		errs = append(errs, invalid(envRootURL, a.RootURL, "must be a full URL such as https://ember.example.com"))
	}
	if a.SMTP.Hostname != "" && (a.SMTP.Port < 1 || a.SMTP.Port > 65535) && !failed[envSMTPPort] {
		errs = append(errs, invalid(envSMTPPort, strconv.Itoa(a.SMTP.Port), allowedPort))
	}
	return errs
}

// checkSecret applies Phoenix's strength rules to a secret. The message
// never quotes the secret.
func checkSecret(s string) error {
	var problems []string
	if len(s) < 32 {
		problems = append(problems, "at least 32 characters")
	}
	if !strings.ContainsFunc(s, unicode.IsDigit) {
		problems = append(problems, "at least one digit")
	}
	if !strings.ContainsFunc(s, unicode.IsLower) {
		problems = append(problems, "at least one lowercase letter")
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r > unicode.MaxASCII || unicode.IsSpace(r) || !unicode.IsPrint(r) }) {
		problems = append(problems, "only printable ASCII characters without whitespace")
	}
	if len(problems) > 0 {
		return errors.New("the secret is too weak: it needs " + strings.Join(problems, ", "))
	}
	return nil
}

// ParseAdmins parses PHOENIX_ADMINS: "Name=email;Name2=email2". Each entry
// splits at its last "=", so a name may contain "=" but an email may not.
// Names and emails are trimmed, emails lower-cased; empty entries are
// skipped. A missing name, an invalid email or a name or email given twice
// is an error.
func ParseAdmins(s string) ([]Admin, error) {
	var admins []Admin
	seenName, seenEmail := map[string]bool{}, map[string]bool{}
	for _, entry := range strings.Split(s, ";") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		i := strings.LastIndex(entry, "=")
		if i < 0 {
			return nil, fmt.Errorf("entry %q is not Name=email", entry)
		}
		name := strings.TrimSpace(entry[:i])
		email := strings.ToLower(strings.TrimSpace(entry[i+1:]))
		if name == "" {
			return nil, fmt.Errorf("entry %q has no name", entry)
		}
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email || a.Name != "" {
			return nil, fmt.Errorf("entry %q has an invalid email", entry)
		}
		if seenName[name] {
			return nil, fmt.Errorf("name %q is given twice", name)
		}
		if seenEmail[email] {
			return nil, fmt.Errorf("email %q is given twice", email)
		}
		seenName[name], seenEmail[email] = true, true
		admins = append(admins, Admin{Username: name, Email: email})
	}
	return admins, nil
}

// LogValue implements slog.LogValuer with every secret redacted.
func (a Auth) LogValue() slog.Value {
	redact := func(s string) string {
		if s == "" {
			return ""
		}
		return "REDACTED"
	}
	return slog.GroupValue(
		slog.Bool("enabled", a.Enabled),
		slog.String("secret", redact(a.Secret)),
		slog.String("admin_secret", redact(a.AdminSecret)),
		slog.Int("admins", len(a.AdminList())),
		slog.Bool("use_secure_cookies", a.UseSecureCookies),
		slog.String("cookies_path", a.CookiesPath),
		slog.Duration("access_token_expiry", a.AccessTokenExpiry),
		slog.Duration("refresh_token_expiry", a.RefreshTokenExpiry),
		slog.Duration("password_reset_token_expiry", a.PasswordResetTokenExpiry),
		slog.String("csrf_trusted_origins", a.CSRFTrustedOrigins),
		slog.Bool("disable_rate_limit", a.DisableRateLimit),
		slog.Bool("disable_brute_force_protection", a.DisableBruteForce),
		slog.Int("brute_force_max_attempts", a.BruteForceMaxAttempts),
		slog.String("root_url", a.RootURL),
		slog.String("smtp_hostname", a.SMTP.Hostname),
		slog.Int("smtp_port", a.SMTP.Port),
	)
}
