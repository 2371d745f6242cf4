package auth

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/emberhq/ember"
)

// Passwords are stored as "pbkdf2-sha256$<iterations>$<salt>$<key>", salt
// and key in unpadded standard base64. The first field names the scheme,
// so a later scheme (argon2id, say) can be told apart and old hashes
// upgraded at the next login; the iteration count is stored with each hash
// so raising the default never locks anyone out.
const (
	hashScheme = "pbkdf2-sha256"
	// DefaultIterations is OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.
	DefaultIterations = 600_000
	// MinIterations is the least a server accepts for new hashes.
	MinIterations = 600_000
	saltBytes     = 32
	keyBytes      = 32
)

var b64 = base64.RawStdEncoding

// Hasher hashes and verifies passwords. The zero value uses
// DefaultIterations; tests may lower Iterations to stay fast.
type Hasher struct {
	Iterations int
}

func (h Hasher) iterations() int {
	if h.Iterations > 0 {
		return h.Iterations
	}
	return DefaultIterations
}

// Hash returns the versioned hash of password with a fresh random salt.
func (h Hasher) Hash(password string) (string, error) {
	salt := make([]byte, saltBytes)
	_, _ = rand.Read(salt)
	n := h.iterations()
	key, err := pbkdf2.Key(sha256.New, password, salt, n, keyBytes)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return hashScheme + "$" + strconv.Itoa(n) + "$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key), nil
}

// errBadHash reports a stored hash Ember cannot read.
var errBadHash = errors.New("unrecognised password hash")

// Verify reports whether password matches hash, comparing in constant time.
// An unreadable hash never matches. When hash is "" (a user without a
// password) the work of a real check is still done, so response times do
// not tell which users exist.
func (h Hasher) Verify(hash, password string) bool {
	n, salt, want, err := parseHash(hash)
	if err != nil {
		n, salt, want = h.iterations(), make([]byte, saltBytes), make([]byte, keyBytes)
	}
	got, kerr := pbkdf2.Key(sha256.New, password, salt, n, len(want))
	if kerr != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, want) == 1 && err == nil
}

func parseHash(hash string) (iterations int, salt, key []byte, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 4 || parts[0] != hashScheme {
		return 0, nil, nil, errBadHash
	}
	iterations, err = strconv.Atoi(parts[1])
	// The upper bound keeps a corrupt row from pinning a CPU for hours.
	if err != nil || iterations < 1 || iterations > 100_000_000 {
		return 0, nil, nil, errBadHash
	}
	if salt, err = b64.DecodeString(parts[2]); err != nil || len(salt) == 0 {
		return 0, nil, nil, errBadHash
	}
	if key, err = b64.DecodeString(parts[3]); err != nil || len(key) < 16 || len(key) > 64 {
		return 0, nil, nil, errBadHash
	}
	return iterations, salt, key, nil
}

// ValidatePassword applies Phoenix's default password policy: at least 4
// characters, printable ASCII, no whitespace. It returns an EUNPROCESSABLE
// error saying what is wrong.
func ValidatePassword(p string) error {
	if len(p) < 4 {
		return ember.Errorf(ember.EUNPROCESSABLE, "Password must be at least 4 characters long")
	}
	for _, r := range p {
		if r > unicode.MaxASCII || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return ember.Errorf(ember.EUNPROCESSABLE, "Password must be ASCII characters without whitespace")
		}
	}
	return nil
}

// RandomPassword returns a password nobody knows, for users who must set
// their own through a reset.
func RandomPassword() string { return rand.Text() }
