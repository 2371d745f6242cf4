package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
)

// Database drivers.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// memoryDB is SQLite's name for a private in-memory database.
const memoryDB = ":memory:"

// acceptedURLs is said whenever a database URL is not understood.
const acceptedURLs = "must be sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite:///:memory: " +
	"or postgresql://user:password@host[:port]/database; postgres://, postgresql+asyncpg:// " +
	"and postgresql+psycopg:// are accepted too"

// maxIdentifierLen is PostgreSQL's NAMEDATALEN-1: longer names are truncated
// by the server, which would make two configured schemas collide silently.
const maxIdentifierLen = 63

// Database says which database Ember stores its data in.
type Database struct {
	Driver      string // DriverSQLite or DriverPostgres
	SQLitePath  string // file path, or ":memory:" for sqlite:///:memory:
	PostgresURL string // a postgres:// URL pgx accepts (credentials URL-encoded), when Driver == "postgres"
	Schema      string // PHOENIX_SQL_DATABASE_SCHEMA (PostgreSQL only; Load leaves it empty for SQLite)
}

// validate checks d as Config.validate does.
func (d Database) validate(label func(env string) string, failed map[string]bool) []error {
	var errs []error
	if !failed[envDatabaseURL] {
		switch d.Driver {
		case DriverSQLite:
			if d.SQLitePath == "" {
				errs = append(errs, invalid(label(envDatabaseURL), "sqlite:///", "must name a database file, such as sqlite:///ember.db"))
			}
		case DriverPostgres:
			// Re-parsing applies the same rules to a hand-built URL as to
			// one from the environment; a valid URL parses to itself.
			if got, err := parseDatabaseURL(label(envDatabaseURL), d.PostgresURL); err != nil {
				errs = append(errs, err)
			} else if got.Driver != DriverPostgres {
				errs = append(errs, invalid(label(envDatabaseURL), redactRawURL(d.PostgresURL), "must be a postgres:// URL when the driver is postgres"))
			}
		default:
			errs = append(errs, fmt.Errorf("invalid database driver %q for %s (must be %s or %s)",
				d.Driver, label(envDatabaseURL), DriverSQLite, DriverPostgres))
		}
	}
	if d.Schema != "" && !failed[envDatabaseSchema] && !validIdentifier(d.Schema) {
		errs = append(errs, invalid(label(envDatabaseSchema), d.Schema, fmt.Sprintf(
			"must be a plain SQL identifier: a letter or underscore, then letters, digits or underscores, at most %d characters",
			maxIdentifierLen)))
	}
	return errs
}

// validIdentifier reports whether s can be written unquoted into
// `SET search_path TO <s>`: [A-Za-z_][A-Za-z0-9_]*, at most 63 bytes.
// Anything else could inject SQL or be truncated by the server.
func validIdentifier(s string) bool {
	if s == "" || len(s) > maxIdentifierLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// database returns the database from PHOENIX_SQL_DATABASE_URL or
// --database-url, else from the PHOENIX_POSTGRES_* variables, else SQLite in
// the working directory. Any failure marks envDatabaseURL as failed so
// validate does not report the same database twice.
func (l *loader) database(workingDir string) Database {
	var db Database
	if raw, ok := l.value(envDatabaseURL); ok {
		d, err := parseDatabaseURL(l.label(envDatabaseURL), raw)
		if err != nil {
			l.fail(envDatabaseURL, err)
		}
		db = d
	} else if d, ok := l.postgresFromParts(); ok {
		db = d
	} else if workingDir != "" {
		db = Database{Driver: DriverSQLite, SQLitePath: filepath.Join(workingDir, defaultSQLiteFile)}
	} else {
		// The working directory's own error has been reported.
		l.failed[envDatabaseURL] = true
	}

	// Phoenix can log in to PostgreSQL with short-lived cloud tokens instead
	// of a password. Ember cannot yet, and silently ignoring the switch would
	// end in a confusing authentication failure, so say it up front.
	for _, iam := range []struct{ env, what string }{
		{envPostgresAWSIAM, "AWS RDS IAM authentication"},
		{envPostgresAzure, "Azure managed identity authentication"},
	} {
		v, ok := l.value(iam.env)
		if !ok {
			continue
		}
		on, err := ParseBool(iam.env, v)
		if err != nil {
			l.fail(iam.env, err)
		} else if on {
			l.fail(iam.env, fmt.Errorf("%s=%s: Ember does not support %s for PostgreSQL yet; "+
				"unset it and give a password in %s or %s", iam.env, v, iam.what, envPostgresPassword, envDatabaseURL))
		}
	}

	// Like Phoenix, the schema is ignored for SQLite, which has none.
	if v, ok := l.value(envDatabaseSchema); ok && db.Driver == DriverPostgres {
		db.Schema = v
	}
	return db
}

// postgresFromParts builds a PostgreSQL URL from the PHOENIX_POSTGRES_*
// variables. ok is false when none of them is set.
func (l *loader) postgresFromParts() (db Database, ok bool) {
	host, hasHost := l.value(envPostgresHost)
	port, hasPort := l.value(envPostgresPort)
	user, hasUser := l.value(envPostgresUser)
	password, hasPassword := l.value(envPostgresPassword)
	name, hasName := l.value(envPostgresDB)
	if !hasHost && !hasPort && !hasUser && !hasPassword && !hasName {
		return Database{}, false
	}
	nErrs := len(l.errs)

	required := func(env string) {
		l.fail(env, fmt.Errorf("%s is required when any PHOENIX_POSTGRES_* variable is set "+
			"(or give the whole URL in %s instead)", env, envDatabaseURL))
	}
	if !hasHost {
		required(envPostgresHost)
	}
	if !hasUser {
		required(envPostgresUser)
	}
	if !hasPassword {
		l.fail(envPostgresPassword, fmt.Errorf("%s is required when any PHOENIX_POSTGRES_* variable is set "+
			"(Ember does not support passwordless cloud IAM or managed-identity login)", envPostgresPassword))
	}

	// Phoenix strips trailing slashes and lets the host carry ":port"; an
	// explicit PHOENIX_POSTGRES_PORT wins over that port.
	host = strings.TrimRight(host, "/")
	var hostPort string
	if hasHost {
		h, p, err := splitPostgresHost(host)
		if err != nil {
			l.fail(envPostgresHost, invalid(envPostgresHost, host, "must be a host name or IP address, optionally followed by :port"))
		} else if p != "" && !validPort(p) {
			l.fail(envPostgresHost, invalid(envPostgresHost, host, "the port after ':' "+allowedPort))
		}
		host, hostPort = h, p
	}
	switch {
	case hasPort:
		if !validPort(port) {
			l.fail(envPostgresPort, invalid(envPostgresPort, port, allowedPort))
		}
	case hostPort != "":
		port = hostPort
	default:
		port = defaultPostgresPort
	}
	if !hasName {
		name = defaultPostgresDB
	}
	if len(l.errs) > nErrs {
		// A database was asked for, so the SQLite default must not be
		// used, and the errors above already say what is wrong.
		l.failed[envDatabaseURL] = true
		return Database{}, true
	}
	u := url.URL{
		Scheme: "postgres",
		// url.UserPassword percent-encodes whatever needs it when the URL
		// is rendered, so any password survives the round trip through pgx.
		User: url.UserPassword(user, password),
		Host: net.JoinHostPort(host, port),
		Path: "/" + name,
	}
	return Database{Driver: DriverPostgres, PostgresURL: u.String()}, true
}

// splitPostgresHost splits "host", "host:port", "[v6]", "[v6]:port" or a bare
// IPv6 literal into host and port ("" when absent).
func splitPostgresHost(s string) (host, port string, err error) {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool {
		return strings.ContainsRune("/?#@", r) || unicode.IsSpace(r) || !unicode.IsPrint(r)
	}) {
		return "", "", fmt.Errorf("bad host")
	}
	if strings.HasPrefix(s, "[") {
		if h, p, err := net.SplitHostPort(s); err == nil && isIPv6(h) {
			return h, p, nil
		}
		if h := s[1 : len(s)-1]; strings.HasSuffix(s, "]") && isIPv6(h) {
			return h, "", nil
		}
		return "", "", fmt.Errorf("bad host")
	}
	if strings.ContainsAny(s, "[]") {
		return "", "", fmt.Errorf("bad host")
	}
	switch strings.Count(s, ":") {
	case 0:
		return s, "", nil
	case 1:
		h, p, _ := strings.Cut(s, ":")
		if h == "" || p == "" {
			return "", "", fmt.Errorf("bad host")
		}
		return h, p, nil
	default:
		if !isIPv6(s) {
			return "", "", fmt.Errorf("bad host")
		}
		return s, "", nil // a bare IPv6 literal
	}
}

// isIPv6 reports whether s is an IPv6 address, with an optional %zone.
func isIPv6(s string) bool {
	addr, _, _ := strings.Cut(s, "%")
	ip := net.ParseIP(addr)
	return ip != nil && strings.Contains(addr, ":")
}

// validPort reports whether s is a port number 1..65535.
func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535
}

// parseDatabaseURL parses a SQLAlchemy-style database URL as Phoenix takes
// it. name is the variable or flag it came from, for messages, which show
// the URL with its credentials redacted.
func parseDatabaseURL(name, raw string) (Database, error) {
	bad := func(allowed string) (Database, error) {
		return Database{}, invalid(name, redactRawURL(raw), allowed)
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return bad(acceptedURLs)
	}
	// SQLAlchemy names a driver after "+" (postgresql+asyncpg); Phoenix
	// swaps in its own driver whatever it is, and so does Ember.
	base, driver, hasDriver := strings.Cut(strings.ToLower(scheme), "+")
	if hasDriver && !isWord(driver) {
		return bad(acceptedURLs)
	}
	switch base {
	case "sqlite":
		return parseSQLiteURL(rest, bad)
	case "postgresql", "postgres":
		return parsePostgresURL(raw, bad)
	}
	return bad(acceptedURLs)
}

// parseSQLiteURL reads the part of a sqlite:// URL after "://". As in
// SQLAlchemy, the host is empty and the path follows the third slash, so
// sqlite:///rel.db is relative and sqlite:////abs.db absolute.
func parseSQLiteURL(rest string, bad func(string) (Database, error)) (Database, error) {
	if !strings.HasPrefix(rest, "/") {
		return bad("a SQLite URL has no host: use sqlite:///relative/path.db or sqlite:////absolute/path.db")
	}
	p := rest[1:]
	if strings.ContainsAny(p, "?#") {
		return bad("query parameters and fragments are not supported in SQLite URLs; percent-encode ? and # in file names as %3F and %23")
	}
	// Phoenix hands the path to SQLite as a file: URI, which decodes
	// percent-escapes; decode them here too so both open the same file.
	p, err := url.PathUnescape(p)
	if err != nil {
		return bad("has an invalid percent-escape in the file name")
	}
	if p == "" {
		return bad("must name a database file, such as sqlite:///ember.db or sqlite:///:memory:")
	}
	if strings.ContainsFunc(p, unicode.IsControl) {
		return bad("the file name must not contain control characters")
	}
	return Database{Driver: DriverSQLite, SQLitePath: p}, nil
}

// parsePostgresURL normalises a PostgreSQL URL for pgx: scheme postgres://,
// credentials in the userinfo. Phoenix also takes them as ?user= and
// ?password= query parameters; those move into the userinfo, which wins
// when both are given (as in Phoenix).
func parsePostgresURL(raw string, bad func(string) (Database, error)) (Database, error) {
	if strings.Contains(raw, "#") {
		return bad("contains #, which starts a URL fragment; percent-encode it as %23 in the user name or password")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL, password included: not shown.
		return bad("is not a valid URL; percent-encode special characters such as @ : / ? # % and spaces in the user name and password")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("has a malformed query string")
	}
	var user, password string
	var hasPassword bool
	if u.User != nil {
		user = u.User.Username()
		password, hasPassword = u.User.Password()
	}
	if user == "" && q.Has("user") {
		user = q.Get("user")
	}
	if !hasPassword && q.Has("password") {
		password, hasPassword = q.Get("password"), true
	}
	q.Del("user")
	q.Del("password")
	if strings.Trim(u.Path, "/") == "" {
		return bad("must name a database, such as postgresql://user:password@host:5432/phoenix")
	}
	if p := u.Port(); p != "" && !validPort(p) {
		return bad("the port " + allowedPort)
	}
	switch {
	case hasPassword:
		u.User = url.UserPassword(user, password)
	case user != "":
		u.User = url.User(user)
	default:
		u.User = nil
	}
	u.Scheme = "postgres"
	u.RawQuery = q.Encode()
	u.ForceQuery = false
	return Database{Driver: DriverPostgres, PostgresURL: u.String()}, nil
}

// isWord reports whether s is a non-empty run of [A-Za-z0-9_].
func isWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '_' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// redactedPassword replaces a password wherever one is shown.
const redactedPassword = "xxxxx"

// redactURL shows a normalised PostgreSQL URL with its passwords replaced,
// keeping the user name, which helps when reading logs. Anything it cannot
// parse cleanly falls back to redactRawURL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Fragment != "" || strings.Contains(s, "#") {
		return redactRawURL(s)
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), redactedPassword)
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return redactRawURL(s)
		}
		for k := range q {
			if isPasswordKey(k) {
				q.Set(k, redactedPassword)
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// redactRawURL hides credentials in a string that may not even parse as a
// URL: everything between "://" and the last "@" (the userinfo, however
// badly encoded) and the value of every *password= parameter. It may hide
// more than needed, never less.
func redactRawURL(s string) string {
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + len("://")
	}
	if j := strings.LastIndex(s, "@"); j >= start {
		s = s[:start] + redactedPassword + s[j:]
	}
	var b strings.Builder
	for {
		i := indexFoldASCII(s, "password=")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		i += len("password=")
		b.WriteString(s[:i])
		b.WriteString(redactedPassword)
		s = s[i:]
		if j := strings.IndexAny(s, "&#"); j >= 0 {
			s = s[j:]
		} else {
			s = ""
		}
	}
}

// isPasswordKey reports whether a query parameter carries a secret (pgx
// reads both password and sslpassword).
func isPasswordKey(k string) bool {
	return strings.HasSuffix(strings.ToLower(k), "password")
}

// indexFoldASCII is strings.Index ignoring ASCII case; unlike searching a
// lowered copy, its indexes are always valid in s.
func indexFoldASCII(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// LogValue implements slog.LogValuer with the password redacted.
func (d Database) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("driver", d.Driver)}
	switch d.Driver {
	case DriverSQLite:
		attrs = append(attrs, slog.String("sqlite_path", d.SQLitePath))
	default:
		attrs = append(attrs, slog.String("postgres_url", redactURL(d.PostgresURL)))
	}
	if d.Schema != "" {
		attrs = append(attrs, slog.String("schema", d.Schema))
	}
	return slog.GroupValue(attrs...)
}

// String returns d as key=value pairs with the password redacted.
func (d Database) String() string {
	var b strings.Builder
	writeAttrs(&b, "", d.LogValue().Group())
	return b.String()
}

// GoString keeps the password out of %#v too, which would otherwise print
// every field of a Config verbatim.
func (d Database) GoString() string {
	return fmt.Sprintf("config.Database{Driver:%q, SQLitePath:%q, PostgresURL:%q, Schema:%q}",
		d.Driver, d.SQLitePath, redactURL(d.PostgresURL), d.Schema)
}
