package ember

import (
	"context"
	"time"
)

// Role is what a user may do. SYSTEM belongs to the internal system user
// alone and is never assigned to a person.
type Role string

// The roles, strongest first.
const (
	RoleSystem Role = "SYSTEM"
	RoleAdmin  Role = "ADMIN"
	RoleMember Role = "MEMBER"
	RoleViewer Role = "VIEWER"
)

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case RoleSystem, RoleAdmin, RoleMember, RoleViewer:
		return true
	}
	return false
}

// IsAdmin reports whether r has admin powers (ADMIN or SYSTEM).
func (r Role) IsAdmin() bool { return r == RoleAdmin || r == RoleSystem }

// The users seeded at first start with authentication on. Neither can be
// deleted.
const (
	SystemUsername = "system"
	SystemEmail    = "system@localhost"
	AdminUsername  = "admin"
	AdminEmail     = "admin@localhost"
)

// AuthMethodLocal is the auth method of users who log in with a password.
const AuthMethodLocal = "LOCAL"

// User is a person (or the system) that can authenticate.
type User struct {
	ID         int64
	Username   string
	Email      string // lower-cased
	Role       Role
	AuthMethod string // "LOCAL"
	// PasswordHash is the versioned hash of the password, "" when the user
	// cannot log in with a password (the system user).
	PasswordHash string
	// ResetPassword asks the user to choose a new password.
	ResetPassword bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// UserFilter selects users for FindUsers, newest first.
type UserFilter struct {
	Cursor int64 // rows with id <= Cursor; 0 for the first page
	Limit  int   // 0 for no limit
}

// APIKey is the record of an API key. The key itself, a signed token
// naming the record, is shown once and never stored.
type APIKey struct {
	ID          int64
	UserID      int64
	Name        string
	Description *string
	CreatedAt   time.Time
	ExpiresAt   *time.Time // nil: never expires
	// User is the owner, filled in by FindAPIKeys.
	User *User
}

// APIKeyFilter selects API keys for FindAPIKeys, newest first.
type APIKeyFilter struct {
	UserID int64 // only this user's keys, when > 0
	Role   Role  // only keys of users with this role, when set
	// ExcludeRole leaves out keys of users with this role, when set.
	ExcludeRole Role
	Cursor      int64 // rows with id <= Cursor; 0 for the first page
	Limit       int   // 0 for no limit
}

// TokenKind names the table a token's row lives in; it is also the prefix
// of the token's id ("ApiKey:7").
type TokenKind string

// The kinds of token.
const (
	TokenAPIKey        TokenKind = "ApiKey"
	TokenAccess        TokenKind = "AccessToken"
	TokenRefresh       TokenKind = "RefreshToken"
	TokenPasswordReset TokenKind = "PasswordResetToken"
)

// Credential is a stored token row with its owner.
type Credential struct {
	Kind      TokenKind
	ID        int64
	ExpiresAt *time.Time // nil: never expires (API keys only)
	User      *User
}

// Expired reports whether the credential has expired at now; expiry is
// inclusive.
func (c *Credential) Expired(now time.Time) bool {
	return c.ExpiresAt != nil && !c.ExpiresAt.After(now)
}

// UserService stores users and their credentials.
type UserService interface {
	// CreateUser stores u and sets its ID and times. Returns ECONFLICT
	// ("Username already exists" / "Email already exists") for a taken
	// username or email.
	CreateUser(ctx context.Context, u *User) error
	// FindUserByID, FindUserByEmail (case-insensitive) and
	// FindUserByUsername return ENOTFOUND when there is no such user.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	FindUserByUsername(ctx context.Context, username string) (*User, error)
	// FindUsers returns the users that match filter, newest first.
	FindUsers(ctx context.Context, filter UserFilter) ([]*User, error)
	// DeleteUser deletes a user with every token and API key it owns.
	// Returns ENOTFOUND when there is no such user.
	DeleteUser(ctx context.Context, id int64) error
	// SetPassword replaces a user's password hash and reset flag.
	SetPassword(ctx context.Context, userID int64, hash string, reset bool) error

	// CreateAPIKey stores k and sets its ID and CreatedAt.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// FindAPIKeys returns the keys that match filter, newest first, each
	// with its owner.
	FindAPIKeys(ctx context.Context, filter APIKeyFilter) ([]*APIKey, error)

	// CreateTokenPair stores a refresh token and an access token tied to it
	// (deleting the refresh token deletes the access token) and returns
	// their ids.
	CreateTokenPair(ctx context.Context, userID int64, refreshExpires, accessExpires time.Time) (refreshID, accessID int64, err error)
	// CreatePasswordResetToken stores the user's one password-reset token,
	// replacing any earlier one, and returns its id.
	CreatePasswordResetToken(ctx context.Context, userID int64, expires time.Time) (int64, error)
	// FindCredential returns a token row of any kind with its owner;
	// ENOTFOUND when it does not exist (never issued or revoked).
	FindCredential(ctx context.Context, kind TokenKind, id int64) (*Credential, error)
	// DeleteCredential revokes a token row; ENOTFOUND when it does not
	// exist.
	DeleteCredential(ctx context.Context, kind TokenKind, id int64) error
	// DeleteUserTokens revokes every access and refresh token of a user.
	DeleteUserTokens(ctx context.Context, userID int64) error
}
