package api

// User is a person who can sign in, as GET /v1/user, GET /v1/users and
// POST /v1/users show it. ID is a User GlobalID; Role is ADMIN, MEMBER,
// VIEWER or SYSTEM. With authentication disabled, GET /v1/user answers a
// User whose AuthMethod is "ANONYMOUS" and every other field empty.
type User struct {
	ID                 string `json:"id,omitempty"`
	CreatedAt          *Time  `json:"created_at,omitempty"`
	UpdatedAt          *Time  `json:"updated_at,omitempty"`
	Email              string `json:"email,omitempty"`
	Username           string `json:"username,omitempty"`
	Role               string `json:"role,omitempty"`
	AuthMethod         string `json:"auth_method"`
	PasswordNeedsReset *bool  `json:"password_needs_reset,omitempty"`
}

// NewUser is the user of a CreateUserRequest. AuthMethod is "LOCAL"; a
// Password left empty is chosen at random (the user resets it).
type NewUser struct {
	Email      string `json:"email"`
	Username   string `json:"username"`
	Role       string `json:"role"`
	AuthMethod string `json:"auth_method"`
	Password   string `json:"password,omitempty"`
}

// CreateUserRequest is the body of POST /v1/users; the reply is an
// Envelope[User].
type CreateUserRequest struct {
	User             NewUser `json:"user"`
	SendWelcomeEmail *bool   `json:"send_welcome_email,omitempty"`
}

// APIKey is the record of an API key. ID is a UserApiKey or SystemApiKey
// GlobalID. Key, the token itself, is set only in the reply that creates
// the key; User only in the listing of every user's keys.
type APIKey struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Description *string     `json:"description,omitempty"`
	CreatedAt   Time        `json:"created_at"`
	ExpiresAt   *Time       `json:"expires_at,omitempty"`
	Key         string      `json:"key,omitempty"`
	User        *APIKeyUser `json:"user,omitempty"`
}

// APIKeyUser is the owner of a key in GET /v1/users/api_keys.
type APIKeyUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
}

// NewAPIKey is the data of a CreateAPIKeyRequest. ExpiresAt must be in the
// future; nil makes a key that never expires.
type NewAPIKey struct {
	Name        string  `json:"name"`
	Description *string `json:"description,omitempty"`
	ExpiresAt   *Time   `json:"expires_at,omitempty"`
}

// CreateAPIKeyRequest is the body of POST /v1/user/api_keys and POST
// /v1/system/api_keys; the reply is an Envelope[APIKey] with Key set.
type CreateAPIKeyRequest struct {
	Data NewAPIKey `json:"data"`
}
