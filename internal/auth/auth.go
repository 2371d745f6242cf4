// Package auth is Ember's authentication and authorization: password
// hashing, signed tokens naming database rows, the one HTTP middleware
// that decides who may call which route, the browser login flow under
// /auth, and the seeding of the system and admin users. It imports only
// the domain and the standard library; the gRPC interceptor that uses it
// lives in otlpgrpc.
package auth

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/emberhq/ember"
)

// Options configure a Service. Durations of zero take Phoenix's defaults.
type Options struct {
	// Enabled turns authentication on; when off every route is open and
	// the credential-issuing routes refuse to work.
	Enabled     bool
	Secret      string // signs every token; required when Enabled
	AdminSecret string // a static bearer for the system user; "" for none
	Users       ember.UserService
	Hasher      Hasher

	AccessTokenExpiry        time.Duration
	RefreshTokenExpiry       time.Duration
	PasswordResetTokenExpiry time.Duration
	SecureCookies            bool
	CookiesPath              string // "/" when empty
	// RootPath is the path prefix of a reverse proxy, for the logout
	// redirect; RootURL is the public URL, for links in mail.
	RootPath string
	RootURL  string

	// CSRFTrustedOrigins, when set, refuses requests whose Origin or
	// Referer names another host.
	CSRFTrustedOrigins []string
	DisableRateLimit   bool
	// MaxLoginAttempts failures for one email lock it for LockoutPeriod;
	// 0 disables the protection.
	MaxLoginAttempts int
	LockoutPeriod    time.Duration

	// Mailer sends password-reset mail; nil when no SMTP server is set.
	Mailer Mailer

	Now    func() time.Time
	Logger *slog.Logger
}

// Service authenticates requests and serves the login flow.
type Service struct {
	opts     Options
	secret   []byte
	lockout  *lockout
	limiter  *rateLimiter
	trusted  map[string]bool // hostnames of CSRF-trusted origins
	mailWG   sync.WaitGroup
	systemMu sync.Mutex
	system   *ember.User
}

// New returns a Service.
func New(opts Options) *Service {
	if opts.AccessTokenExpiry <= 0 {
		opts.AccessTokenExpiry = 10 * time.Minute
	}
	if opts.RefreshTokenExpiry <= 0 {
		opts.RefreshTokenExpiry = 7 * 24 * time.Hour
	}
	if opts.PasswordResetTokenExpiry <= 0 {
		opts.PasswordResetTokenExpiry = 15 * time.Minute
	}
	if opts.CookiesPath == "" {
		opts.CookiesPath = "/"
	}
	if opts.LockoutPeriod <= 0 {
		opts.LockoutPeriod = 5 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{opts: opts, secret: []byte(opts.Secret)}
	if opts.MaxLoginAttempts > 0 {
		s.lockout = newLockout(opts.MaxLoginAttempts, opts.LockoutPeriod, opts.Now)
	}
	if !opts.DisableRateLimit {
		s.limiter = newRateLimiter(0.2, 12, opts.Now)
	}
	if len(opts.CSRFTrustedOrigins) > 0 {
		s.trusted = map[string]bool{}
		for _, o := range opts.CSRFTrustedOrigins {
			if h := hostnameOf(o); h != "" {
				s.trusted[h] = true
			}
		}
	}
	return s
}

// Enabled reports whether authentication is on.
func (s *Service) Enabled() bool { return s.opts.Enabled }

// Close waits for mail being sent.
func (s *Service) Close() { s.mailWG.Wait() }

// Via says how a principal authenticated.
type Via string

// The kinds of credential.
const (
	ViaAdminSecret Via = "admin_secret"
	ViaAPIKey      Via = "api_key"
	ViaAccessToken Via = "access_token"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	User    *ember.User
	Via     Via
	TokenID int64 // the API key or access token row; 0 for the admin secret
}

// IsAdmin reports whether the caller has admin powers.
func (p *Principal) IsAdmin() bool { return p != nil && p.User.Role.IsAdmin() }

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller set by the middleware, or nil when
// authentication is off or the route is public.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// Messages of authentication failures, as Phoenix words them.
const (
	msgInvalidToken = "Invalid token"
	msgExpiredToken = "Expired token"
)

// Authenticate resolves a bearer token: the admin secret, an API key or an
// access token. Any other token, or one whose row is gone, is EUNAUTHORIZED
// "Invalid token"; an expired one is EUNAUTHORIZED "Expired token".
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if token == "" {
		return nil, ember.Errorf(ember.EUNAUTHORIZED, msgInvalidToken)
	}
	if s.opts.AdminSecret != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.AdminSecret)) == 1 {
		u, err := s.systemUser(ctx)
		if err != nil {
			return nil, err
		}
		return &Principal{User: u, Via: ViaAdminSecret}, nil
	}
	kind, id, err := s.parseToken(token)
	if err != nil || (kind != ember.TokenAPIKey && kind != ember.TokenAccess) {
		return nil, ember.Errorf(ember.EUNAUTHORIZED, msgInvalidToken)
	}
	cred, err := s.opts.Users.FindCredential(ctx, kind, id)
	if ember.ErrorCode(err) == ember.ENOTFOUND {
		return nil, ember.Errorf(ember.EUNAUTHORIZED, msgInvalidToken)
	} else if err != nil {
		return nil, err
	}
	if cred.Expired(s.opts.Now()) {
		return nil, ember.Errorf(ember.EUNAUTHORIZED, msgExpiredToken)
	}
	via := ViaAPIKey
	if kind == ember.TokenAccess {
		via = ViaAccessToken
	}
	return &Principal{User: cred.User, Via: via, TokenID: id}, nil
}

// parseToken verifies a token's signature and returns the row it names.
func (s *Service) parseToken(token string) (ember.TokenKind, int64, error) {
	if len(s.secret) == 0 {
		return "", 0, errToken
	}
	jti, err := verifyJWT(s.secret, token)
	if err != nil {
		return "", 0, err
	}
	return parseJTI(jti)
}

// Token returns the signed token standing for a row.
func (s *Service) Token(kind ember.TokenKind, id int64) string {
	return signJWT(s.secret, jtiOf(kind, id))
}

// systemUser returns the system user, which the admin secret stands for.
func (s *Service) systemUser(ctx context.Context) (*ember.User, error) {
	s.systemMu.Lock()
	defer s.systemMu.Unlock()
	if s.system != nil {
		return s.system, nil
	}
	u, err := s.opts.Users.FindUserByUsername(ctx, ember.SystemUsername)
	if err != nil {
		return nil, err
	}
	s.system = u
	return u, nil
}

// bearer reads the credential of an HTTP request: the Authorization
// header (which must then be "Bearer <token>"), else the api_key header
// that @arizeai/phoenix-mcp sends, else the access-token cookie. present
// reports whether any credential was offered at all.
func bearer(r *http.Request) (token string, present bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "bearer") {
			return "", true
		}
		return strings.TrimSpace(tok), true
	}
	if k := strings.TrimSpace(r.Header.Get("api_key")); k != "" {
		return k, true
	}
	if c, err := r.Cookie(AccessTokenCookie); err == nil && c.Value != "" {
		return c.Value, true
	}
	return "", false
}

// AuthorizeBearer is the check of an OTLP export over gRPC: the value of
// the "authorization" metadata must be a bearer credential whose user may
// write. It returns EUNAUTHORIZED or EFORBIDDEN errors, or nil; with
// authentication off it always returns nil.
func (s *Service) AuthorizeBearer(ctx context.Context, authorization string) error {
	if !s.opts.Enabled {
		return nil
	}
	scheme, tok, _ := strings.Cut(authorization, " ")
	if !strings.EqualFold(scheme, "bearer") || strings.TrimSpace(tok) == "" {
		return ember.Errorf(ember.EUNAUTHORIZED, msgInvalidToken)
	}
	p, err := s.Authenticate(ctx, strings.TrimSpace(tok))
	if err != nil {
		return err
	}
	return Authorize(http.MethodPost, "/v1/traces", p)
}

// Hasher returns the password hasher.
func (s *Service) Hasher() Hasher { return s.opts.Hasher }
