// Package ember holds Ember's domain: the entities an LLM observability server
// stores (projects, traces, spans, sessions) and the service interfaces that
// adapters implement. It imports only the standard library.
package ember

// PhoenixVersion is the Phoenix server version whose REST surface Ember
// implements. Phoenix's clients gate features on it, so it is advertised in
// the x-phoenix-server-version header and at GET /arize_phoenix_version.
const PhoenixVersion = "20.3.0"

// DefaultProjectName is the project that receives spans which name none.
const DefaultProjectName = "default"

// Version is Ember's own version, set at build time with
// -ldflags "-X github.com/emberhq/ember.Version=...".
var Version = "0.1.0-dev"
