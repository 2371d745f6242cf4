package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/emberhq/ember"
)

// Tokens are compact JWS (RFC 7515) signed with HMAC-SHA256 under the
// server secret. Like Phoenix's, the payload carries only "jti", naming the
// database row the token stands for ("ApiKey:7"); who it belongs to, its
// role and its expiry are read from that row, so deleting the row revokes
// the token at once.

// jwtHeader is the one header Ember writes, pre-encoded.
var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// errToken is every verification failure: the caller learns only that the
// token is not valid.
var errToken = errors.New("invalid token")

// signJWT returns a token whose payload is {"jti": jti}.
func signJWT(secret []byte, jti string) string {
	payload, _ := json.Marshal(struct {
		JTI string `json:"jti"`
	}{jti})
	signingInput := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	return signingInput + "." + base64.RawURLEncoding.EncodeToString(mac(secret, signingInput))
}

func mac(secret []byte, input string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return m.Sum(nil)
}

// verifyJWT checks token's signature and header and returns its jti. It
// accepts only alg HS256 (never "none" nor any other algorithm, whatever
// the header says) and compares MACs in constant time.
func verifyJWT(secret []byte, token string) (string, error) {
	if len(token) > 4096 {
		return "", errToken
	}
	h, rest, ok := strings.Cut(token, ".")
	if !ok {
		return "", errToken
	}
	p, s, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(s, ".") {
		return "", errToken
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(sig) != sha256.Size {
		return "", errToken
	}
	// The MAC is checked before the header or payload is parsed, so
	// nothing an attacker wrote is interpreted until it is known to be
	// ours.
	if !hmac.Equal(sig, mac(secret, h+"."+p)) {
		return "", errToken
	}
	headerJSON, err := base64.RawURLEncoding.Strict().DecodeString(h)
	if err != nil {
		return "", errToken
	}
	var header map[string]any
	if err := strictUnmarshal(headerJSON, &header); err != nil || header["alg"] != "HS256" {
		return "", errToken
	}
	if typ, has := header["typ"]; has && typ != "JWT" {
		return "", errToken
	}
	if _, has := header["crit"]; has {
		return "", errToken // no extensions are understood
	}
	payloadJSON, err := base64.RawURLEncoding.Strict().DecodeString(p)
	if err != nil {
		return "", errToken
	}
	var claims map[string]any
	if err := strictUnmarshal(payloadJSON, &claims); err != nil {
		return "", errToken
	}
	jti, ok := claims["jti"].(string)
	if !ok || jti == "" {
		return "", errToken
	}
	return jti, nil
}

// strictUnmarshal decodes one JSON object and nothing after it.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errToken
	}
	return nil
}

// parseJTI splits "Kind:id" into a known token kind and a positive row id.
func parseJTI(jti string) (ember.TokenKind, int64, error) {
	kind, idText, ok := strings.Cut(jti, ":")
	if !ok {
		return "", 0, errToken
	}
	switch k := ember.TokenKind(kind); k {
	case ember.TokenAPIKey, ember.TokenAccess, ember.TokenRefresh, ember.TokenPasswordReset:
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil || id <= 0 || strconv.FormatInt(id, 10) != idText {
			return "", 0, errToken
		}
		return k, id, nil
	}
	return "", 0, errToken
}

// jtiOf is the jti of a token row.
func jtiOf(kind ember.TokenKind, id int64) string {
	return string(kind) + ":" + strconv.FormatInt(id, 10)
}
