// Package config reads the settings of `ember serve` from Phoenix's PHOENIX_*
// environment variables (so an existing Phoenix deployment keeps its
// configuration) and from command-line flags, checks them, and returns them
// as one Config value. Nothing here keeps state between calls: main calls
// Load once and passes the result down to the constructors that need it.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Names of the environment variables Ember reads. The PHOENIX_* names and
// meanings are Phoenix's; EMBER_* ones are settings Phoenix does not have.
const (
	envHost              = "PHOENIX_HOST"
	envPort              = "PHOENIX_PORT"
	envGRPCPort          = "PHOENIX_GRPC_PORT"
	envHostRootPath      = "PHOENIX_HOST_ROOT_PATH"
	envWorkingDir        = "PHOENIX_WORKING_DIR"
	envDatabaseURL       = "PHOENIX_SQL_DATABASE_URL"
	envDatabaseSchema    = "PHOENIX_SQL_DATABASE_SCHEMA"
	envPostgresHost      = "PHOENIX_POSTGRES_HOST"
	envPostgresPort      = "PHOENIX_POSTGRES_PORT"
	envPostgresUser      = "PHOENIX_POSTGRES_USER"
	envPostgresPassword  = "PHOENIX_POSTGRES_PASSWORD"
	envPostgresDB        = "PHOENIX_POSTGRES_DB"
	envPostgresAWSIAM    = "PHOENIX_POSTGRES_USE_AWS_IAM_AUTH"
	envPostgresAzure     = "PHOENIX_POSTGRES_USE_AZURE_MANAGED_IDENTITY"
	envMaxSpansQueueSize = "PHOENIX_MAX_SPANS_QUEUE_SIZE"
	envMaxRequestBytes   = "EMBER_MAX_REQUEST_BYTES"
	envMaxQueueBytes     = "EMBER_MAX_QUEUE_BYTES"
	envLogLevel          = "PHOENIX_LOGGING_LEVEL"
	envLogFormat         = "PHOENIX_LOGGING_MODE"
	envShutdownTimeout   = "EMBER_SHUTDOWN_TIMEOUT"
)

// Defaults of the settings that have one.
const (
	defaultHost              = "0.0.0.0"
	defaultPort              = 6006
	defaultGRPCPort          = 4317 // the OTLP/gRPC port every exporter assumes
	defaultWorkingDirName    = ".ember"
	defaultSQLiteFile        = "ember.db"
	defaultPostgresPort      = "5432"
	defaultPostgresDB        = "postgres"
	defaultMaxSpansQueueSize = 20000
	defaultMaxRequestBytes   = 64 << 20
	defaultMaxQueueBytes     = 16 << 20
	defaultLogLevel          = slog.LevelInfo
	defaultLogFormat         = "text"
	defaultShutdownTimeout   = 30 * time.Second
)

// What each kind of value may be, as said in error messages.
const (
	allowedPort     = "must be an integer from 1 to 65535"
	allowedPositive = "must be a positive integer"
	allowedBool     = "must be true or false"
)

// Config is every setting of `ember serve`, parsed once and passed by value.
type Config struct {
	Host              string        // PHOENIX_HOST: address the HTTP server binds to
	Port              int           // PHOENIX_PORT: HTTP port (UI, REST, GraphQL, OTLP/HTTP)
	GRPCPort          int           // PHOENIX_GRPC_PORT: OTLP/gRPC port
	HostRootPath      string        // PHOENIX_HOST_ROOT_PATH: "" or "/prefix" (no trailing slash)
	WorkingDir        string        // PHOENIX_WORKING_DIR: local data directory, ~ expanded
	Database          Database      // PHOENIX_SQL_DATABASE_URL or PHOENIX_POSTGRES_*
	MaxSpansQueueSize int           // PHOENIX_MAX_SPANS_QUEUE_SIZE: pending-span cap, > 0
	MaxRequestBytes   int64         // EMBER_MAX_REQUEST_BYTES: OTLP body cap before and after decompression, > 0
	MaxQueueBytes     int64         // EMBER_MAX_QUEUE_BYTES: memory cap of spans waiting to be written, > 0
	LogLevel          slog.Level    // PHOENIX_LOGGING_LEVEL
	LogFormat         string        // PHOENIX_LOGGING_MODE: "text" or "json"
	ShutdownTimeout   time.Duration // EMBER_SHUTDOWN_TIMEOUT: grace period on shutdown, > 0
	Auth              Auth          // PHOENIX_ENABLE_AUTH, PHOENIX_SECRET and the rest of auth.go
}

// UsageError reports settings that cannot be used: a malformed command line,
// or values that do not parse or are out of range. Err may join several
// problems, one per line. The caller should print it, point at --help and
// exit with status 2; it never contains a database password.
type UsageError struct {
	Err error
}

// Error returns the message of the wrapped error.
func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error, so errors.Is and errors.As see through.
func (e *UsageError) Unwrap() error { return e.Err }

// Load parses environ (os.Environ() form, "K=V") and then args (the flags
// after `ember serve`); a flag that is given wins over its environment
// variable. home is the user's home directory, used for the default working
// directory ~/.ember and to expand a leading ~; pass "" if it is unknown.
//
// Values are trimmed of surrounding whitespace and an empty value counts as
// unset (so `--port=` means the default). If a name appears twice in environ
// the first one wins, as with os.Getenv.
//
// Load returns flag.ErrHelp itself for -h/--help (the caller prints Usage
// and exits 0), and a *UsageError listing every problem it found otherwise.
func Load(environ []string, args []string, home string) (Config, error) {
	fs := flag.NewFlagSet("ember serve", flag.ContinueOnError)
	// The flag package's own messages and usage text are replaced by
	// UsageError and Usage, so nothing may be printed behind our back.
	fs.SetOutput(io.Discard)
	l := &loader{
		env:    environMap(environ),
		flagOf: map[string]string{},
		flags:  map[string]string{},
		source: map[string]string{},
		failed: map[string]bool{},
	}
	for _, s := range settings() {
		if s.flag != "" {
			// Every flag is a string so that its value goes through the
			// same parsing, and gets the same messages, as its variable.
			fs.String(s.flag, "", s.usage)
			l.flagOf[s.env] = s.flag
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, flag.ErrHelp
		}
		return Config{}, &UsageError{Err: err}
	}
	if fs.NArg() > 0 {
		return Config{}, &UsageError{Err: fmt.Errorf("unexpected argument %q: `ember serve` takes only flags (see --help)", fs.Arg(0))}
	}
	fs.Visit(func(f *flag.Flag) { l.flags[f.Name] = f.Value.String() })

	c := l.config(home)
	l.errs = append(l.errs, c.validate(l.label, l.failed)...)
	if len(l.errs) > 0 {
		return Config{}, &UsageError{Err: errors.Join(l.errs...)}
	}
	return c, nil
}

// Validate reports every setting of c that is out of range, joined into one
// error, or nil. Load calls it too, so a Config from Load is always valid;
// it exists for Configs built or changed by hand (tests, other commands).
func (c Config) Validate() error {
	return errors.Join(c.validate(defaultLabel, nil)...)
}

// validate checks c field by field. label names the setting in messages;
// settings in failed already had a parse error reported by Load and are
// skipped, so one mistake yields one message.
func (c Config) validate(label func(env string) string, failed map[string]bool) []error {
	var errs []error
	check := func(env string, ok bool, value, allowed string) {
		if !ok && !failed[env] {
			errs = append(errs, invalid(label(env), value, allowed))
		}
	}
	check(envHost, c.Host != "" && strings.IndexFunc(c.Host, unicode.IsSpace) < 0, c.Host,
		"must be a host name or IP address to bind to, such as 0.0.0.0, 127.0.0.1 or ::")
	portOK := func(p int) bool { return p >= 1 && p <= 65535 }
	check(envPort, portOK(c.Port), strconv.Itoa(c.Port), allowedPort)
	check(envGRPCPort, portOK(c.GRPCPort), strconv.Itoa(c.GRPCPort), allowedPort)
	if c.Port == c.GRPCPort && portOK(c.Port) && !failed[envPort] && !failed[envGRPCPort] {
		errs = append(errs, fmt.Errorf("%s and %s are both %d (the HTTP and gRPC servers need different ports)",
			label(envPort), label(envGRPCPort), c.Port))
	}
	check(envHostRootPath, validRootPath(c.HostRootPath), c.HostRootPath,
		`must be empty or a path that starts with "/" and does not end with "/", such as /phoenix`)
	check(envWorkingDir, c.WorkingDir != "", c.WorkingDir, "must be a directory path")
	errs = append(errs, c.Database.validate(label, failed)...)
	check(envMaxSpansQueueSize, c.MaxSpansQueueSize > 0, strconv.Itoa(c.MaxSpansQueueSize), allowedPositive)
	check(envMaxRequestBytes, c.MaxRequestBytes > 0, strconv.FormatInt(c.MaxRequestBytes, 10), allowedPositive+" number of bytes")
	check(envMaxQueueBytes, c.MaxQueueBytes > 0, strconv.FormatInt(c.MaxQueueBytes, 10), allowedPositive+" number of bytes")
	check(envLogFormat, c.LogFormat == "text" || c.LogFormat == "json", c.LogFormat, "must be text or json")
	check(envShutdownTimeout, c.ShutdownTimeout > 0, c.ShutdownTimeout.String(), "must be a positive Go duration such as 30s or 1m30s")
	errs = append(errs, c.Auth.validate(failed)...)
	return errs
}

// validRootPath reports whether p can prefix every route: empty, or one
// absolute path without a trailing slash, query or fragment.
func validRootPath(p string) bool {
	if p == "" {
		return true
	}
	return strings.HasPrefix(p, "/") && !strings.HasSuffix(p, "/") &&
		!strings.ContainsAny(p, "?#") && strings.IndexFunc(p, unicode.IsSpace) < 0
}

// ParseBool parses value the strict way Phoenix parses its boolean
// variables: "true" or "false" in any case, surrounding whitespace ignored.
// Anything else, including "1", "yes" and "", is an error naming name, so a
// typo fails startup instead of silently meaning false.
func ParseBool(name, value string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, invalid(name, value, allowedBool)
}

// invalid is the one shape of every message about a bad value: which
// setting, what was given, what is allowed.
func invalid(name, value, allowed string) error {
	return fmt.Errorf("invalid value for %s: %q (%s)", name, value, allowed)
}

// defaultLabel names a setting when it is unknown whether its value came
// from the environment or a flag: both are given.
func defaultLabel(env string) string {
	for _, s := range settings() {
		if s.env == env && s.flag != "" {
			return env + " (--" + s.flag + ")"
		}
	}
	return env
}

// environMap turns os.Environ() form into a map. The first entry of a name
// wins, as os.Getenv does on Unix; entries without "=" are ignored.
func environMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			continue
		}
		if _, seen := m[k]; !seen {
			m[k] = v
		}
	}
	return m
}

// loader holds the inputs and findings of one Load call.
type loader struct {
	env    map[string]string // the environment
	flagOf map[string]string // env var name -> its flag name, for settings that have one
	flags  map[string]string // flag name -> raw value, for flags given on the command line
	source map[string]string // env var name -> the variable or "--flag" its value was read from
	failed map[string]bool   // env var names whose value was rejected while parsing
	errs   []error
}

// value returns the trimmed value of a setting: its flag's when the flag was
// given, else its variable's. ok is false when that value is empty, which
// means "use the default".
func (l *loader) value(env string) (v string, ok bool) {
	if f, has := l.flagOf[env]; has {
		if raw, given := l.flags[f]; given {
			l.source[env] = "--" + f
			v = strings.TrimSpace(raw)
			return v, v != ""
		}
	}
	l.source[env] = env
	v = strings.TrimSpace(l.env[env])
	return v, v != ""
}

// label names the setting as the user gave it: the flag or the variable.
func (l *loader) label(env string) string {
	if s, ok := l.source[env]; ok {
		return s
	}
	return defaultLabel(env)
}

// fail records a parse error for a setting.
func (l *loader) fail(env string, err error) {
	l.failed[env] = true
	l.errs = append(l.errs, err)
}

// config reads every setting. Values that fail to parse are reported and
// left at their default; range checks are left to validate.
func (l *loader) config(home string) Config {
	c := Config{
		Host:              defaultHost,
		Port:              defaultPort,
		GRPCPort:          defaultGRPCPort,
		MaxSpansQueueSize: defaultMaxSpansQueueSize,
		MaxRequestBytes:   defaultMaxRequestBytes,
		MaxQueueBytes:     defaultMaxQueueBytes,
		LogLevel:          defaultLogLevel,
		LogFormat:         defaultLogFormat,
		ShutdownTimeout:   defaultShutdownTimeout,
	}
	if v, ok := l.value(envHost); ok {
		c.Host = v
	}
	l.port(envPort, &c.Port)
	l.port(envGRPCPort, &c.GRPCPort)
	if v, ok := l.value(envHostRootPath); ok {
		c.HostRootPath = v
	}
	c.WorkingDir = l.workingDir(home)
	c.Database = l.database(c.WorkingDir)
	if n, ok := l.integer(envMaxSpansQueueSize, strconv.IntSize, allowedPositive); ok {
		c.MaxSpansQueueSize = int(n)
	}
	if n, ok := l.integer(envMaxRequestBytes, 64, allowedPositive+" number of bytes"); ok {
		c.MaxRequestBytes = n
	}
	if n, ok := l.integer(envMaxQueueBytes, 64, allowedPositive+" number of bytes"); ok {
		c.MaxQueueBytes = n
	}
	if v, ok := l.value(envLogLevel); ok {
		if lvl, known := parseLogLevel(v); known {
			c.LogLevel = lvl
		} else {
			l.fail(envLogLevel, invalid(l.label(envLogLevel), v, "must be debug, info, warning or error"))
		}
	}
	if v, ok := l.value(envLogFormat); ok {
		if f, known := parseLogFormat(v); known {
			c.LogFormat = f
		} else {
			l.fail(envLogFormat, invalid(l.label(envLogFormat), v,
				"must be text or json; Phoenix's names default and structured mean the same"))
		}
	}
	if v, ok := l.value(envShutdownTimeout); ok {
		if d, err := time.ParseDuration(v); err == nil {
			c.ShutdownTimeout = d
		} else {
			l.fail(envShutdownTimeout, invalid(l.label(envShutdownTimeout), v,
				"must be a positive Go duration such as 30s or 1m30s"))
		}
	}
	c.Auth = l.auth()
	return c
}

// port parses a port number into dst. A "tcp://…" value in the environment
// gets its own explanation: Kubernetes injects <SERVICE>_PORT=tcp://ip:port
// into every pod for every Service, so a Service named "phoenix" (or
// "phoenix-grpc") silently sets PHOENIX_PORT (or PHOENIX_GRPC_PORT).
func (l *loader) port(env string, dst *int) {
	v, ok := l.value(env)
	if !ok {
		return
	}
	n, err := strconv.Atoi(v)
	if err == nil {
		*dst = n
		return
	}
	msg := invalid(l.label(env), v, allowedPort).Error()
	if l.source[env] == env && strings.HasPrefix(strings.ToLower(v), "tcp://") {
		service := strings.ReplaceAll(strings.ToLower(strings.TrimSuffix(env, "_PORT")), "_", "-")
		msg += fmt.Sprintf("; this looks like the variable Kubernetes injects for a Service named %q: "+
			"set %s to a number explicitly in the pod's environment (e.g. %s=%d), "+
			"or set enableServiceLinks: false in the pod spec", service, env, env, *dst)
	}
	l.fail(env, errors.New(msg))
}

// integer parses a decimal integer that fits in bits bits.
func (l *loader) integer(env string, bits int, allowed string) (int64, bool) {
	v, ok := l.value(env)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, bits)
	if err != nil {
		l.fail(env, invalid(l.label(env), v, allowed))
		return 0, false
	}
	return n, true
}

// workingDir returns the working directory with a leading ~ expanded, or the
// default ~/.ember.
func (l *loader) workingDir(home string) string {
	v, ok := l.value(envWorkingDir)
	if !ok {
		if home == "" {
			l.fail(envWorkingDir, fmt.Errorf("cannot use the default working directory ~/%s because the home directory is unknown: set %s or --working-dir",
				defaultWorkingDirName, envWorkingDir))
			return ""
		}
		return filepath.Join(home, defaultWorkingDirName)
	}
	if !strings.HasPrefix(v, "~") {
		return v
	}
	// Only "~" and "~/…" are expanded: values from env files and
	// `--flag=~/x` never pass through a shell. "~user" would need a user
	// database lookup, which is not worth it here.
	rest := v[1:]
	if rest != "" && rest[0] != '/' && rest[0] != filepath.Separator {
		l.fail(envWorkingDir, invalid(l.label(envWorkingDir), v, `only "~" and "~/..." are expanded; give an absolute path`))
		return ""
	}
	if home == "" {
		l.fail(envWorkingDir, invalid(l.label(envWorkingDir), v, "starts with ~ but the home directory is unknown; give an absolute path"))
		return ""
	}
	return filepath.Join(home, rest)
}

// parseLogLevel maps Phoenix's level names (Python's logging names) to slog
// levels, case-insensitively. "critical" is Python's level above error, which
// Phoenix accepts; slog has no name for it.
func parseLogLevel(s string) (slog.Level, bool) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, true
	case "info":
		return slog.LevelInfo, true
	case "warning", "warn":
		return slog.LevelWarn, true
	case "error":
		return slog.LevelError, true
	case "critical":
		return slog.LevelError + 4, true
	}
	return 0, false
}

// parseLogFormat maps both Phoenix's PHOENIX_LOGGING_MODE names and Ember's
// --log-format names to a slog handler name, case-insensitively.
func parseLogFormat(s string) (string, bool) {
	switch strings.ToLower(s) {
	case "default", "text":
		return "text", true
	case "structured", "json":
		return "json", true
	}
	return "", false
}

// LogValue implements slog.LogValuer: every setting, with the database
// password redacted, so the effective configuration can be logged at
// startup.
func (c Config) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("host", c.Host),
		slog.Int("port", c.Port),
		slog.Int("grpc_port", c.GRPCPort),
		slog.String("host_root_path", c.HostRootPath),
		slog.String("working_dir", c.WorkingDir),
		slog.Any("database", c.Database),
		slog.Int("max_spans_queue_size", c.MaxSpansQueueSize),
		slog.Int64("max_request_bytes", c.MaxRequestBytes),
		slog.Int64("max_queue_bytes", c.MaxQueueBytes),
		slog.String("log_level", c.LogLevel.String()),
		slog.String("log_format", c.LogFormat),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
	}
	if c.Auth.Enabled || c.Auth.CSRFTrustedOrigins != "" {
		attrs = append(attrs, slog.Any("auth", c.Auth))
	}
	return slog.GroupValue(attrs...)
}

// String returns the settings as space-separated key=value pairs, with the
// database password redacted.
func (c Config) String() string {
	var b strings.Builder
	writeAttrs(&b, "", c.LogValue().Group())
	return b.String()
}

// writeAttrs appends attrs as key=value, flattening groups into dotted keys.
func writeAttrs(b *strings.Builder, prefix string, attrs []slog.Attr) {
	for _, a := range attrs {
		v := a.Value.Resolve()
		if v.Kind() == slog.KindGroup {
			writeAttrs(b, prefix+a.Key+".", v.Group())
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(prefix + a.Key + "=")
		s := v.String()
		if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r == '"' || r == '=' || !unicode.IsPrint(r) || unicode.IsSpace(r) }) {
			s = strconv.Quote(s)
		}
		b.WriteString(s)
	}
}
