package auth

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/emberhq/ember"
)

// Challenge is the WWW-Authenticate value of every 401.
const Challenge = `Bearer realm="Ember"`

// Middleware is the one place where requests are authenticated and
// authorized. It wraps the whole router: CSRF first (when trusted origins
// are set, for every request), then, with authentication on, a credential
// for every /v1 path and the role matrix of Authorize. The caller is put
// in the request's context for handlers (PrincipalFrom).
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.trusted != nil {
			for _, h := range []struct{ header, msg string }{{"Origin", "untrusted origin"}, {"Referer", "untrusted referer"}} {
				if v := r.Header.Get(h.header); v != "" && !s.trusted[hostnameOf(v)] {
					writeText(w, http.StatusUnauthorized, h.msg)
					return
				}
			}
		}
		if s.opts.Enabled && Page(r.URL.Path) {
			s.servePage(w, r, next)
			return
		}
		if !s.opts.Enabled || !Protected(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		token, _ := bearer(r)
		p, err := s.Authenticate(r.Context(), token)
		if err == nil {
			err = Authorize(r.Method, r.URL.Path, p)
		}
		if err != nil {
			s.writeError(w, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

// writeError answers an authentication or authorization failure.
func (s *Service) writeError(w http.ResponseWriter, err error) {
	switch ember.ErrorCode(err) {
	case ember.EUNAUTHORIZED:
		w.Header().Set("WWW-Authenticate", Challenge)
		writeText(w, http.StatusUnauthorized, ember.ErrorMessage(err))
	case ember.EFORBIDDEN:
		writeText(w, http.StatusForbidden, ember.ErrorMessage(err))
	case ember.ETOOMANY:
		writeText(w, http.StatusTooManyRequests, ember.ErrorMessage(err))
	case ember.EUNPROCESSABLE:
		writeText(w, http.StatusUnprocessableEntity, ember.ErrorMessage(err))
	case ember.EUNAVAILABLE:
		writeText(w, http.StatusServiceUnavailable, ember.ErrorMessage(err))
	default:
		s.opts.Logger.Error("authentication failed", "err", err)
		writeText(w, http.StatusInternalServerError, "Internal Server Error")
	}
}

func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(text)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(text))
}

// servePage lets a signed-in user reach a UI page and sends anyone else to
// the login page, which returns them where they were going.
func (s *Service) servePage(w http.ResponseWriter, r *http.Request, next http.Handler) {
	token, _ := bearer(r)
	p, err := s.Authenticate(r.Context(), token)
	if err != nil {
		if ember.ErrorCode(err) == ember.EUNAUTHORIZED && IsRead(r.Method) {
			target := s.opts.RootPath + "/login?next=" + url.QueryEscape(s.opts.RootPath+r.URL.RequestURI())
			http.Redirect(w, r, target, http.StatusFound)
			return
		}
		s.writeError(w, err)
		return
	}
	if err := AuthorizePage(r.Method, r.URL.Path, p); err != nil {
		s.writeError(w, err)
		return
	}
	next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
}
