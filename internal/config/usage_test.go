package config

import (
	"strings"
	"testing"
)

func TestUsage(t *testing.T) {
	var b strings.Builder
	Usage(&b)
	text := b.String()
	// Spelled out rather than read from settings(), so that a setting
	// missing from the table fails here.
	for _, want := range []string{
		"PHOENIX_HOST", "PHOENIX_PORT", "PHOENIX_GRPC_PORT", "PHOENIX_HOST_ROOT_PATH",
		"PHOENIX_WORKING_DIR", "PHOENIX_SQL_DATABASE_URL", "PHOENIX_SQL_DATABASE_SCHEMA",
		"PHOENIX_POSTGRES_HOST", "PHOENIX_POSTGRES_PORT", "PHOENIX_POSTGRES_USER",
		"PHOENIX_POSTGRES_PASSWORD", "PHOENIX_POSTGRES_DB", "PHOENIX_POSTGRES_USE_AWS_IAM_AUTH",
		"PHOENIX_POSTGRES_USE_AZURE_MANAGED_IDENTITY", "PHOENIX_MAX_SPANS_QUEUE_SIZE",
		"EMBER_MAX_REQUEST_BYTES", "PHOENIX_LOGGING_LEVEL", "PHOENIX_LOGGING_MODE", "EMBER_SHUTDOWN_TIMEOUT",

		"--host ", "--port ", "--grpc-port ", "--host-root-path ", "--working-dir ", "--database-url ",
		"--database-schema ", "--max-spans-queue-size ", "--max-request-bytes ", "--log-level ",
		"--log-format ", "--shutdown-timeout ", "--help",

		"default 0.0.0.0", "default 6006", "default 4317", "default ~/.ember",
		"default sqlite:///<working dir>/ember.db", "default 20000", "default 67108864 (64 MiB)",
		"default info", "default text", "default 30s", "Default 5432.", "Default postgres.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("Usage does not mention %q", want)
		}
	}
	for i, line := range strings.Split(text, "\n") {
		if len(line) > 80 {
			t.Errorf("line %d is %d columns wide: %q", i+1, len(line), line)
		}
	}
}

// Every flag Load accepts is documented, and every documented flag exists.
func TestUsage_MatchesFlags(t *testing.T) {
	for _, s := range settings() {
		if s.flag == "" {
			continue
		}
		if _, err := Load(nil, []string{"--" + s.flag + "="}, testHome); err != nil {
			t.Errorf("documented flag --%s is not accepted: %v", s.flag, err)
		}
	}
}
