package auth

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/emberhq/ember"
)

// The cookies of a browser session, named as Phoenix names them.
const (
	AccessTokenCookie  = "phoenix-access-token"
	RefreshTokenCookie = "phoenix-refresh-token"
)

// Messages of the login flow.
const (
	msgCredentialsRequired = "Email and password required"
	msgBadLogin            = "Invalid email and/or password"
	msgLockedOut           = "Too many failed login attempts. Please try again later."
	msgTooManyRequests     = "Too Many Requests"
	msgMissingRefresh      = "Missing refresh token"
	msgInvalidRefresh      = "Invalid refresh token"
	msgExpiredRefresh      = "Expired refresh token"
	msgNoMail              = "a password reset was asked for, but no mail is sent: no SMTP server is configured (PHOENIX_SMTP_HOSTNAME)"
)

// RateLimited wraps an /auth handler in the per-address rate limit (off
// with PHOENIX_DISABLE_RATE_LIMIT).
func (s *Service) RateLimited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.limiter != nil {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				host = r.RemoteAddr
			}
			if !s.limiter.allow(host) {
				writeText(w, http.StatusTooManyRequests, msgTooManyRequests)
				return
			}
		}
		h(w, r)
	}
}

// readJSON decodes a small JSON object body; false when it is not one.
func readJSON(r *http.Request, v any) bool {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	return err == nil && json.Unmarshal(b, v) == nil
}

// HandleLogin is POST /auth/login {email, password}: 204 with session
// cookies, 401 for bad credentials, 429 while the email is locked out.
func (s *Service) HandleLogin(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if !readJSON(r, &body) || strings.TrimSpace(body.Email) == "" || body.Password == "" {
		s.unauthorized(w, msgCredentialsRequired)
		return
	}
	email := strings.ToLower(strings.TrimSpace(body.Email))
	if s.lockout != nil && s.lockout.locked(email) {
		writeText(w, http.StatusTooManyRequests, msgLockedOut)
		return
	}
	u, err := s.opts.Users.FindUserByEmail(r.Context(), email)
	if err != nil && ember.ErrorCode(err) != ember.ENOTFOUND {
		s.writeError(w, err)
		return
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	// Verify even for an unknown user, so timing does not tell.
	if !s.opts.Hasher.Verify(hash, body.Password) || u == nil {
		if s.lockout != nil {
			s.lockout.fail(email)
		}
		s.unauthorized(w, msgBadLogin)
		return
	}
	if s.lockout != nil {
		s.lockout.succeed(email)
	}
	if err := s.startSession(r.Context(), w, u.ID); err != nil {
		s.writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", Challenge)
	writeText(w, http.StatusUnauthorized, msg)
}

// startSession stores a new refresh/access token pair and sets their
// cookies.
func (s *Service) startSession(ctx context.Context, w http.ResponseWriter, userID int64) error {
	now := s.opts.Now()
	refreshID, accessID, err := s.opts.Users.CreateTokenPair(ctx, userID, now.Add(s.opts.RefreshTokenExpiry), now.Add(s.opts.AccessTokenExpiry))
	if err != nil {
		return err
	}
	s.setCookie(w, AccessTokenCookie, s.Token(ember.TokenAccess, accessID), s.opts.AccessTokenExpiry)
	s.setCookie(w, RefreshTokenCookie, s.Token(ember.TokenRefresh, refreshID), s.opts.RefreshTokenExpiry)
	return nil
}

func (s *Service) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	c := &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     s.opts.CookiesPath,
		HttpOnly: true,
		Secure:   s.opts.SecureCookies,
		SameSite: http.SameSiteStrictMode,
		MaxAge:   int(maxAge / time.Second),
	}
	if maxAge < 0 {
		c.MaxAge = -1
		c.Value = ""
	}
	http.SetCookie(w, c)
}

// HandleRefresh is POST /auth/refresh: the refresh cookie is exchanged for
// a new pair; the old refresh token (and its access token) stop working.
func (s *Service) HandleRefresh(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(RefreshTokenCookie)
	if err != nil || c.Value == "" {
		s.unauthorized(w, msgMissingRefresh)
		return
	}
	kind, id, err := s.parseToken(c.Value)
	if err != nil || kind != ember.TokenRefresh {
		s.unauthorized(w, msgInvalidRefresh)
		return
	}
	cred, err := s.opts.Users.FindCredential(r.Context(), kind, id)
	if ember.ErrorCode(err) == ember.ENOTFOUND {
		s.unauthorized(w, msgInvalidRefresh)
		return
	} else if err != nil {
		s.writeError(w, err)
		return
	}
	// Revoke first: a refresh token is used once, expired or not.
	if err := s.opts.Users.DeleteCredential(r.Context(), kind, id); err != nil && ember.ErrorCode(err) != ember.ENOTFOUND {
		s.writeError(w, err)
		return
	}
	if ac, err := r.Cookie(AccessTokenCookie); err == nil {
		if k, aid, err := s.parseToken(ac.Value); err == nil && k == ember.TokenAccess {
			_ = s.opts.Users.DeleteCredential(r.Context(), k, aid)
		}
	}
	if cred.Expired(s.opts.Now()) {
		s.unauthorized(w, msgExpiredRefresh)
		return
	}
	if err := s.startSession(r.Context(), w, cred.User.ID); err != nil {
		s.writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// HandleLogout is GET /auth/logout: every access and refresh token of the
// user (known from the access token, else the refresh cookie) is revoked,
// the cookies are cleared, and the browser is sent to the login page. It
// never fails.
func (s *Service) HandleLogout(w http.ResponseWriter, r *http.Request) {
	var userID int64
	candidates := []string{}
	if tok, _ := bearer(r); tok != "" {
		candidates = append(candidates, tok)
	}
	if c, err := r.Cookie(RefreshTokenCookie); err == nil {
		candidates = append(candidates, c.Value)
	}
	for _, tok := range candidates {
		kind, id, err := s.parseToken(tok)
		if err != nil || (kind != ember.TokenAccess && kind != ember.TokenRefresh) {
			continue
		}
		if cred, err := s.opts.Users.FindCredential(r.Context(), kind, id); err == nil {
			userID = cred.User.ID
			break
		}
	}
	if userID != 0 {
		if err := s.opts.Users.DeleteUserTokens(r.Context(), userID); err != nil {
			s.opts.Logger.Error("logout: revoke tokens", "err", err)
		}
	}
	s.setCookie(w, AccessTokenCookie, "", -1)
	s.setCookie(w, RefreshTokenCookie, "", -1)
	http.Redirect(w, r, s.opts.RootPath+"/login", http.StatusFound)
}

// HandlePasswordResetEmail is POST /auth/password-reset-email {email}: 204
// whether or not the user exists, and whether or not mail can be sent; the
// mail, when there is one to send, goes out in the background so the
// reply's timing tells nothing either. Without an SMTP server nothing is
// sent and the request is logged, so an operator can see why no mail came.
func (s *Service) HandlePasswordResetEmail(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Email string `json:"email"`
	}
	if !readJSON(r, &body) || strings.TrimSpace(body.Email) == "" {
		writeText(w, http.StatusUnprocessableEntity, "Email required")
		return
	}
	if s.opts.Mailer == nil {
		s.opts.Logger.Warn(msgNoMail)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	u, err := s.opts.Users.FindUserByEmail(r.Context(), body.Email)
	if err == nil && u.AuthMethod == ember.AuthMethodLocal && u.Role != ember.RoleSystem {
		id, err := s.opts.Users.CreatePasswordResetToken(r.Context(), u.ID, s.opts.Now().Add(s.opts.PasswordResetTokenExpiry))
		if err != nil {
			s.writeError(w, err)
			return
		}
		link := strings.TrimRight(s.opts.RootURL, "/") + "/reset-password-with-token?token=" + s.Token(ember.TokenPasswordReset, id)
		s.mailWG.Add(1)
		go func() {
			defer s.mailWG.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			text := "Someone asked to reset the password of your account (" + u.Username + ").\n\n" +
				"To choose a new password, open this link within " + s.opts.PasswordResetTokenExpiry.String() + ":\n\n" + link +
				"\n\nIf it was not you, ignore this mail; your password stays as it is.\n"
			if err := s.opts.Mailer.Send(ctx, u.Email, "Reset your password", text); err != nil {
				s.opts.Logger.Error("send password reset mail", "err", err)
			}
		}()
	} else if err != nil && ember.ErrorCode(err) != ember.ENOTFOUND {
		s.writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// HandlePasswordReset is POST /auth/password-reset {token, password}: the
// single-use token from the mail sets a new password, ends every other
// session of the user and starts a fresh one (204 with cookies).
func (s *Service) HandlePasswordReset(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if !readJSON(r, &body) || body.Token == "" || body.Password == "" {
		writeText(w, http.StatusUnprocessableEntity, "Token and password required")
		return
	}
	kind, id, err := s.parseToken(body.Token)
	if err != nil || kind != ember.TokenPasswordReset {
		s.unauthorized(w, msgInvalidToken)
		return
	}
	cred, err := s.opts.Users.FindCredential(r.Context(), kind, id)
	if ember.ErrorCode(err) == ember.ENOTFOUND {
		s.unauthorized(w, msgInvalidToken)
		return
	} else if err != nil {
		s.writeError(w, err)
		return
	}
	if cred.Expired(s.opts.Now()) {
		s.unauthorized(w, msgExpiredToken)
		return
	}
	if err := ValidatePassword(body.Password); err != nil {
		s.writeError(w, err)
		return
	}
	hash, err := s.opts.Hasher.Hash(body.Password)
	if err != nil {
		s.writeError(w, err)
		return
	}
	if err := s.opts.Users.DeleteCredential(r.Context(), kind, id); err != nil {
		// Someone else used it first.
		s.unauthorized(w, msgInvalidToken)
		return
	}
	if err := s.opts.Users.SetPassword(r.Context(), cred.User.ID, hash, false); err != nil {
		s.writeError(w, err)
		return
	}
	if err := s.opts.Users.DeleteUserTokens(r.Context(), cred.User.ID); err != nil {
		s.writeError(w, err)
		return
	}
	if err := s.startSession(r.Context(), w, cred.User.ID); err != nil {
		s.writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
