package client

import (
	"context"
	"iter"
	"net/url"

	"github.com/emberhq/ember/api"
)

// UserService calls the user routes: /v1/user and, for admins, /v1/users.
type UserService struct {
	client *Client
}

// Me returns the user the client's credential belongs to; with
// authentication disabled on the server, a user whose AuthMethod is
// "ANONYMOUS".
func (s *UserService) Me(ctx context.Context) (*api.User, error) {
	var reply api.Envelope[api.User]
	if err := s.client.do(ctx, "GET", "/v1/user", nil, nil, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}

// UserFilter pages the user listing.
type UserFilter struct {
	Limit  int    // page size; 0 leaves the server's default (100)
	Cursor string // a next cursor from an earlier page
}

// List returns one page of users, newest first, and the next cursor ("" on
// the last page). Admins only.
func (s *UserService) List(ctx context.Context, filter UserFilter) ([]api.User, string, error) {
	q := url.Values{}
	setPage(q, filter.Limit, filter.Cursor)
	return listPage[api.User](ctx, s.client, "/v1/users", q)
}

// All yields every user, fetching pages as the loop goes. Admins only.
func (s *UserService) All(ctx context.Context, filter UserFilter) iter.Seq2[api.User, error] {
	return walk(ctx, filter.Cursor, func(ctx context.Context, cursor string) ([]api.User, string, error) {
		filter.Cursor = cursor
		return s.List(ctx, filter)
	})
}

// Create adds a user. AuthMethod defaults to "LOCAL". Admins only; a taken
// username or email is a 409 (IsConflict).
func (s *UserService) Create(ctx context.Context, req api.CreateUserRequest) (*api.User, error) {
	if req.User.AuthMethod == "" {
		req.User.AuthMethod = "LOCAL"
	}
	var reply api.Envelope[api.User]
	if err := s.client.do(ctx, "POST", "/v1/users", nil, req, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}

// Delete removes a user, by User GlobalID, with its sessions and keys.
// Admins only.
func (s *UserService) Delete(ctx context.Context, id string) error {
	path, err := endpoint("/v1/users/%s", id)
	if err != nil {
		return err
	}
	return s.client.do(ctx, "DELETE", path, nil, nil, nil)
}

// APIKeyService calls the API-key routes. Personal keys are the caller's
// own; system keys belong to no person and need an admin.
type APIKeyService struct {
	client *Client
}

func (s *APIKeyService) list(ctx context.Context, path string) ([]api.APIKey, error) {
	var reply api.Envelope[[]api.APIKey]
	if err := s.client.do(ctx, "GET", path, nil, nil, &reply); err != nil {
		return nil, err
	}
	return reply.Data, nil
}

func (s *APIKeyService) create(ctx context.Context, path string, key api.NewAPIKey) (*api.APIKey, error) {
	var reply api.Envelope[api.APIKey]
	if err := s.client.do(ctx, "POST", path, nil, api.CreateAPIKeyRequest{Data: key}, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}

func (s *APIKeyService) delete(ctx context.Context, format, id string) error {
	path, err := endpoint(format, id)
	if err != nil {
		return err
	}
	return s.client.do(ctx, "DELETE", path, nil, nil, nil)
}

// ListMine returns the caller's own keys, newest first, without the keys
// themselves.
func (s *APIKeyService) ListMine(ctx context.Context) ([]api.APIKey, error) {
	return s.list(ctx, "/v1/user/api_keys")
}

// CreateMine creates a personal key; the reply's Key is the only copy.
// The server refuses (403) when the client itself authenticates with an
// API key: keys are minted from a browser session.
func (s *APIKeyService) CreateMine(ctx context.Context, key api.NewAPIKey) (*api.APIKey, error) {
	return s.create(ctx, "/v1/user/api_keys", key)
}

// DeleteMine revokes one of the caller's keys by UserApiKey GlobalID.
func (s *APIKeyService) DeleteMine(ctx context.Context, id string) error {
	return s.delete(ctx, "/v1/user/api_keys/%s", id)
}

// ListAllUsers returns one page of every user's personal keys with their
// owners, and the next cursor. Admins only.
func (s *APIKeyService) ListAllUsers(ctx context.Context, limit int, cursor string) ([]api.APIKey, string, error) {
	q := url.Values{}
	setPage(q, limit, cursor)
	return listPage[api.APIKey](ctx, s.client, "/v1/users/api_keys", q)
}

// ListSystem returns the system keys. Admins only.
func (s *APIKeyService) ListSystem(ctx context.Context) ([]api.APIKey, error) {
	return s.list(ctx, "/v1/system/api_keys")
}

// CreateSystem creates a system key (with the admin secret or an admin's
// session); the reply's Key is the only copy.
func (s *APIKeyService) CreateSystem(ctx context.Context, key api.NewAPIKey) (*api.APIKey, error) {
	return s.create(ctx, "/v1/system/api_keys", key)
}

// DeleteSystem revokes a system key by SystemApiKey GlobalID. Admins only.
func (s *APIKeyService) DeleteSystem(ctx context.Context, id string) error {
	return s.delete(ctx, "/v1/system/api_keys/%s", id)
}
