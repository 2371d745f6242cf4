package client

import (
	"context"
	"iter"
	"net/url"

	"github.com/emberhq/ember/api"
)

// SessionService calls the session routes. A session identifier is a
// session's GlobalID or the session id the application recorded.
type SessionService struct {
	client *Client
}

// SessionFilter pages through a project's sessions; the zero value lists
// them all, oldest first.
type SessionFilter struct {
	// Order defaults to Ascending, by the order sessions were stored.
	Order Order
	// Limit is the page size; 0 leaves the server's default (100).
	Limit int
	// Cursor starts the listing at a next cursor from an earlier page.
	Cursor string
}

func (f SessionFilter) query() url.Values {
	q := url.Values{}
	setPage(q, f.Limit, f.Cursor)
	if f.Order != "" {
		q.Set("order", string(f.Order))
	}
	return q
}

// Get returns a session with its traces; IsNotFound when there is none.
func (s *SessionService) Get(ctx context.Context, identifier string) (*api.Session, error) {
	path, err := endpoint("/v1/sessions/%s", identifier)
	if err != nil {
		return nil, err
	}
	var reply api.Envelope[api.Session]
	if err := s.client.do(ctx, "GET", path, nil, nil, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}

// List returns one page of a project's sessions and the cursor of the next
// page, "" on the last one. project is a GlobalID or a name.
func (s *SessionService) List(ctx context.Context, project string, filter SessionFilter) ([]api.Session, string, error) {
	path, err := endpoint("/v1/projects/%s/sessions", project)
	if err != nil {
		return nil, "", err
	}
	return listPage[api.Session](ctx, s.client, path, filter.query())
}

// All yields every session of a project, fetching pages as the loop goes.
func (s *SessionService) All(ctx context.Context, project string, filter SessionFilter) iter.Seq2[api.Session, error] {
	return walk(ctx, filter.Cursor, func(ctx context.Context, cursor string) ([]api.Session, string, error) {
		filter.Cursor = cursor
		return s.List(ctx, project, filter)
	})
}

// Delete deletes a session with its traces, spans and annotations.
func (s *SessionService) Delete(ctx context.Context, identifier string) error {
	path, err := endpoint("/v1/sessions/%s", identifier)
	if err != nil {
		return err
	}
	return s.client.do(ctx, "DELETE", path, nil, nil, nil)
}

// DeleteMany deletes sessions named all by GlobalID or all by session id,
// skipping unknown ones. The server refuses an empty list and a mix of the
// two kinds (IsUnprocessable).
func (s *SessionService) DeleteMany(ctx context.Context, identifiers []string) error {
	if identifiers == nil {
		identifiers = []string{} // let the server say the list is empty
	}
	return s.client.do(ctx, "POST", "/v1/sessions/delete", nil, api.DeleteSessionsRequest{SessionIdentifiers: identifiers}, nil)
}
