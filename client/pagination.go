package client

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"time"

	"github.com/emberhq/ember/api"
)

// Order is the direction of a listing.
type Order string

// Orders a listing accepts.
const (
	Ascending  Order = "asc"
	Descending Order = "desc"
)

// listPage fetches one page of a listing.
func listPage[T any](ctx context.Context, c *Client, path string, query url.Values) ([]T, string, error) {
	var page api.Page[T]
	if err := c.do(ctx, "GET", path, query, nil, &page); err != nil {
		return nil, "", err
	}
	next := ""
	if page.NextCursor != nil {
		next = *page.NextCursor
	}
	return page.Data, next, nil
}

// walk yields every item of a listing, fetching pages from cursor on until
// the server gives no next cursor. An error ends the walk after being
// yielded once.
func walk[T any](ctx context.Context, cursor string, list func(ctx context.Context, cursor string) ([]T, string, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for {
			items, next, err := list(ctx, cursor)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range items {
				if !yield(item, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			// A page opens with its cursor's item, so a server that
			// answers with the cursor it was given would loop forever.
			if next == cursor {
				yield(zero, fmt.Errorf("listing did not advance: the server returned cursor %q for itself", next))
				return
			}
			cursor = next
		}
	}
}

// setPage adds the limit and cursor parameters; zero values leave the
// server's defaults.
func setPage(q url.Values, limit int, cursor string) {
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
}

// setTimeRange adds start_time (inclusive) and end_time (exclusive) in
// RFC 3339, which both Ember and Phoenix read; zero times are left out.
func setTimeRange(q url.Values, start, end time.Time) {
	if !start.IsZero() {
		q.Set("start_time", start.UTC().Format(time.RFC3339Nano))
	}
	if !end.IsZero() {
		q.Set("end_time", end.UTC().Format(time.RFC3339Nano))
	}
}

// setAll adds a repeated parameter; an empty list adds nothing, which the
// server reads as "no filter".
func setAll(q url.Values, key string, values []string) {
	if len(values) > 0 {
		q[key] = append([]string(nil), values...)
	}
}
