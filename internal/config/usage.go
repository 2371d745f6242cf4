package config

import (
	"fmt"
	"io"
	"strings"
)

// setting describes one configurable value for the flag set and for Usage.
// Keeping both in one table means the help text cannot forget a flag.
type setting struct {
	env   string // environment variable
	flag  string // flag name without dashes; "" when the setting is env-only
	arg   string // placeholder for the flag's value in Usage
	def   string // default as shown in Usage; "" for none
	usage string // meaning, one sentence or two
}

// settings returns the table of every setting, flags first, in the order
// Usage prints them. It is a function, not a variable, so that no caller
// can change it.
func settings() []setting {
	base := []setting{
		{envHost, "host", "addr", defaultHost,
			"Address the HTTP server binds to."},
		{envPort, "port", "port", fmt.Sprint(defaultPort),
			"HTTP port: UI, REST and GraphQL APIs and OTLP/HTTP (POST /v1/traces)."},
		{envGRPCPort, "grpc-port", "port", fmt.Sprint(defaultGRPCPort),
			"OTLP/gRPC port; must differ from the HTTP port."},
		{envHostRootPath, "host-root-path", "path", "",
			`Path prefix when Ember is served under a sub-path behind a proxy, such as /phoenix; starts with "/" and does not end with "/".`},
		{envWorkingDir, "working-dir", "dir", "~/" + defaultWorkingDirName,
			"Directory for local data; the default SQLite database lives here. A leading ~ is expanded."},
		{envDatabaseURL, "database-url", "url", "sqlite:///<working dir>/" + defaultSQLiteFile,
			"Database: sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite:///:memory: " +
				"or postgresql://user:password@host[:port]/database (postgres:// and postgresql+asyncpg:// too; " +
				"user and password may also be given as ?user=&password=). Percent-encode special characters in credentials."},
		{envDatabaseSchema, "database-schema", "name", "",
			"PostgreSQL schema for Ember's tables, a plain SQL identifier; ignored for SQLite."},
		{envMaxSpansQueueSize, "max-spans-queue-size", "n", fmt.Sprint(defaultMaxSpansQueueSize),
			"Spans waiting to be written before new exports are refused (HTTP 503, gRPC RESOURCE_EXHAUSTED)."},
		{envMaxRequestBytes, "max-request-bytes", "bytes", fmt.Sprintf("%d (64 MiB)", defaultMaxRequestBytes),
			"Largest OTLP request body accepted, both as sent and after decompression."},
		{envMaxQueueBytes, "max-queue-bytes", "bytes", fmt.Sprintf("%d (16 MiB)", defaultMaxQueueBytes),
			"Memory that spans waiting to be written may take before new exports are refused, like the span cap above; it keeps memory flat under any load."},
		{envLogLevel, "log-level", "level", "info",
			"Log level: debug, info, warning or error (case-insensitive)."},
		{envLogFormat, "log-format", "format", defaultLogFormat,
			"Log format: text or json. " + envLogFormat + " also takes Phoenix's names, default (text) and structured (json)."},
		{envShutdownTimeout, "shutdown-timeout", "duration", defaultShutdownTimeout.String(),
			"How long shutdown waits for in-flight requests and queued spans, as a Go duration such as 30s or 2m."},

		{envPostgresHost, "", "", "",
			"PostgreSQL host, optionally host:port. With the variables below it replaces " + envDatabaseURL +
				" when that is unset; host, user and password are then required."},
		{envPostgresPort, "", "", defaultPostgresPort,
			"PostgreSQL port; wins over a port given in " + envPostgresHost + "."},
		{envPostgresUser, "", "", "",
			"PostgreSQL user name."},
		{envPostgresPassword, "", "", "",
			"PostgreSQL password."},
		{envPostgresDB, "", "", defaultPostgresDB,
			"PostgreSQL database name."},
		{envPostgresAWSIAM, "", "", "false",
			"AWS RDS IAM login. Not supported by Ember yet: must be unset or false."},
		{envPostgresAzure, "", "", "false",
			"Azure managed identity login. Not supported by Ember yet: must be unset or false."},
	}
	return append(base, authSettings()...)
}

// Usage writes the text `ember serve --help` prints: every flag with its
// environment variable, default and meaning, then the variables that have
// no flag.
func Usage(w io.Writer) {
	var b strings.Builder
	b.WriteString(`Usage: ember serve [flags]

Runs the Ember server. Every flag can also be set through the environment
variable named with it (the names are Phoenix's, so a Phoenix deployment keeps
its configuration); a flag given on the command line wins. Values are trimmed
of surrounding whitespace, and an empty value means the default.

Flags:
`)
	ss := settings()
	for _, s := range ss {
		if s.flag == "" {
			continue
		}
		fmt.Fprintf(&b, "  --%s %s\n", s.flag, s.arg)
		writeWrapped(&b, s.usage)
		meta := "env " + s.env
		if s.def != "" {
			meta += ", default " + s.def
		}
		writeWrapped(&b, meta)
	}
	b.WriteString("\nEnvironment only (a PostgreSQL connection in parts):\n")
	for _, s := range ss {
		if s.flag != "" || isAuthSetting(s.env) {
			continue
		}
		writeEnvOnly(&b, s)
	}
	b.WriteString("\nAuthentication (environment only):\n")
	for _, s := range authSettings() {
		writeEnvOnly(&b, s)
	}
	b.WriteString("\n  -h, --help\n        Print this help.\n")
	io.WriteString(w, b.String())
}

// writeEnvOnly writes the help of a setting that has no flag.
func writeEnvOnly(b *strings.Builder, s setting) {
	fmt.Fprintf(b, "  %s\n", s.env)
	text := s.usage
	if s.def != "" {
		text += " Default " + s.def + "."
	}
	writeWrapped(b, text)
}

// writeWrapped writes text indented by 8 spaces and wrapped at 80 columns.
func writeWrapped(b *strings.Builder, text string) {
	const indent, width = "        ", 80
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	b.WriteString(line + "\n")
}
