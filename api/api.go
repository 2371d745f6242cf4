// Package api holds the JSON bodies of Ember's REST API under /v1, shaped
// exactly as Phoenix shapes them so that one set of types serves both
// servers. It imports only the standard library, so the Go SDK (package
// client) and any other program can use it without pulling in the server.
//
// Every single-object reply is wrapped as {"data": ...} ([Envelope]) and
// every list reply as {"data": [...], "next_cursor": ...} ([Page]). Field
// names are snake_case as on the wire. A reply field is omitted only where
// the server omits it; an optional request field is left out when unset,
// as Phoenix's clients do.
package api

// Envelope is the body of a reply that carries one object.
type Envelope[T any] struct {
	Data T `json:"data"`
}

// Page is the body of a list reply. NextCursor names the first item of the
// next page and is nil on the last page; the server always writes it, as
// null when there is nothing more.
type Page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}
