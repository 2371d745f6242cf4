package config

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseDatabaseURL(t *testing.T) {
	ok := func(raw string, want Database) {
		t.Helper()
		got, err := parseDatabaseURL("PHOENIX_SQL_DATABASE_URL", raw)
		if err != nil {
			t.Fatalf("parseDatabaseURL(%q): %v", raw, err)
		}
		if got != want {
			t.Fatalf("parseDatabaseURL(%q):\n got %#v\nwant %#v", raw, got, want)
		}
	}
	sqlite := func(path string) Database { return Database{Driver: "sqlite", SQLitePath: path} }
	pg := func(u string) Database { return Database{Driver: "postgres", PostgresURL: u} }

	// SQLite, read as SQLAlchemy does: three slashes then the path.
	ok("sqlite:///ember.db", sqlite("ember.db"))
	ok("sqlite:///data/ember.db", sqlite("data/ember.db"))
	ok("sqlite:////var/lib/ember/ember.db", sqlite("/var/lib/ember/ember.db"))
	ok("sqlite:///:memory:", sqlite(":memory:"))
	ok("sqlite+aiosqlite:////abs.db", sqlite("/abs.db"))
	ok("SQLite:///x.db", sqlite("x.db"))
	ok("sqlite:////my%20data/e.db", sqlite("/my data/e.db"))

	// PostgreSQL, normalised to postgres:// with credentials in the userinfo.
	ok("postgresql://ada:pw@db:5432/phoenix", pg("postgres://ada:pw@db:5432/phoenix"))
	ok("postgres://ada:pw@db/phoenix", pg("postgres://ada:pw@db/phoenix"))
	ok("postgresql+asyncpg://ada:pw@db/phoenix", pg("postgres://ada:pw@db/phoenix"))
	ok("postgresql+psycopg://ada:pw@db/phoenix", pg("postgres://ada:pw@db/phoenix"))
	ok("postgresql+psycopg2://ada@db/phoenix", pg("postgres://ada@db/phoenix"))
	ok("postgresql://db/phoenix", pg("postgres://db/phoenix"))
	ok("postgresql:///phoenix", pg("postgres:///phoenix"))
	ok("postgresql://[::1]:5433/phoenix", pg("postgres://[::1]:5433/phoenix"))
	ok("postgresql://@db/phoenix?user=ada&password=pw", pg("postgres://ada:pw@db/phoenix"))
	ok("postgresql://db/phoenix?password=pw&user=ada&sslmode=require", pg("postgres://ada:pw@db/phoenix?sslmode=require"))
	ok("postgresql://@db/phoenix?user=a%40b&password=p%26w%3D", pg("postgres://a%40b:p&w=@db/phoenix"))
	ok("postgresql://ada:p%40ss%2Fw%3Ard@db/phoenix", pg("postgres://ada:p%40ss%2Fw%3Ard@db/phoenix"))
	// The userinfo wins over query parameters, as in Phoenix.
	ok("postgresql://ada:pw@db/phoenix?user=bob&password=other", pg("postgres://ada:pw@db/phoenix"))
	ok("postgresql://db/phoenix?", pg("postgres://db/phoenix"))

	bad := func(raw string, want ...string) {
		t.Helper()
		_, err := parseDatabaseURL("PHOENIX_SQL_DATABASE_URL", raw)
		if err == nil {
			t.Fatalf("parseDatabaseURL(%q) succeeded, want an error", raw)
		}
		for _, w := range append(want, "invalid value for PHOENIX_SQL_DATABASE_URL: ") {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("parseDatabaseURL(%q) error:\n%s\nwant it to contain %q", raw, err, w)
			}
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("parseDatabaseURL(%q) error leaks the password: %s", raw, err)
		}
	}
	const accepted = "(must be sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite:///:memory: or postgresql://user:password@host[:port]/database; postgres://, postgresql+asyncpg:// and postgresql+psycopg:// are accepted too)"
	bad("mysql://ada:s3cret@db/phoenix", `"mysql://xxxxx@db/phoenix" `+accepted)
	bad("/var/lib/ember.db", `"/var/lib/ember.db" `+accepted)
	bad("ember.db", accepted)
	bad("postgresql+bad-driver://db/x", accepted)
	bad("sqlite://", "a SQLite URL has no host")
	bad("sqlite://host/x.db", "a SQLite URL has no host")
	bad("sqlite:///", "must name a database file")
	bad("sqlite:///x.db?mode=ro", "query parameters and fragments are not supported in SQLite URLs")
	bad("sqlite:///x%zz.db", "invalid percent-escape")
	bad("sqlite:///x\x00.db", "control characters")
	bad("postgresql://ada:s3cret@db", `"postgresql://xxxxx@db"`, "must name a database, such as postgresql://user:password@host:5432/phoenix")
	bad("postgresql://ada:s3cret@db/", "must name a database")
	bad("postgresql://@db?user=ada&password=s3cret", "must name a database", "password=xxxxx")
	bad("postgresql://ada:s3#cret@db/phoenix", `"postgresql://xxxxx@db/phoenix"`, "contains #")
	bad("postgresql://ada:s3 cret@db/phoenix", "is not a valid URL; percent-encode special characters")
	bad("postgresql://ada:s3%zzcret@db/phoenix", "is not a valid URL")
	bad("postgresql://db:99999/phoenix", "the port must be an integer from 1 to 65535")
	bad("postgresql://db/phoenix?password=%zzs3cret", "malformed query string")
}

func TestLoad_PostgresParts(t *testing.T) {
	ok := func(environ []string, wantURL string) {
		t.Helper()
		c, err := Load(environ, nil, testHome)
		if err != nil {
			t.Fatalf("Load(%q): %v", environ, err)
		}
		if want := (Database{Driver: "postgres", PostgresURL: wantURL}); c.Database != want {
			t.Fatalf("Load(%q):\n got %#v\nwant %#v", environ, c.Database, want)
		}
	}
	base := func(kv ...string) []string {
		return append([]string{"PHOENIX_POSTGRES_HOST=db", "PHOENIX_POSTGRES_USER=ada", "PHOENIX_POSTGRES_PASSWORD=pw"}, kv...)
	}
	ok(base(), "postgres://ada:pw@db:5432/postgres")
	ok(base("PHOENIX_POSTGRES_PORT=6543", "PHOENIX_POSTGRES_DB=phoenix"), "postgres://ada:pw@db:6543/phoenix")
	ok([]string{"PHOENIX_POSTGRES_HOST=db:7000", "PHOENIX_POSTGRES_USER=ada", "PHOENIX_POSTGRES_PASSWORD=pw"}, "postgres://ada:pw@db:7000/postgres")
	// An explicit port wins over one in the host, as in Phoenix.
	ok([]string{"PHOENIX_POSTGRES_HOST=db:7000", "PHOENIX_POSTGRES_PORT=7001", "PHOENIX_POSTGRES_USER=ada", "PHOENIX_POSTGRES_PASSWORD=pw"}, "postgres://ada:pw@db:7001/postgres")
	ok([]string{"PHOENIX_POSTGRES_HOST=db.example.com/", "PHOENIX_POSTGRES_USER=ada", "PHOENIX_POSTGRES_PASSWORD=pw"}, "postgres://ada:pw@db.example.com:5432/postgres")
	ok([]string{"PHOENIX_POSTGRES_HOST=::1", "PHOENIX_POSTGRES_USER=ada", "PHOENIX_POSTGRES_PASSWORD=pw"}, "postgres://ada:pw@[::1]:5432/postgres")
	ok([]string{"PHOENIX_POSTGRES_HOST=[::1]:7000", "PHOENIX_POSTGRES_USER=ada", "PHOENIX_POSTGRES_PASSWORD=pw"}, "postgres://ada:pw@[::1]:7000/postgres")
	ok([]string{"PHOENIX_POSTGRES_HOST=[fe80::1]", "PHOENIX_POSTGRES_USER=ada", "PHOENIX_POSTGRES_PASSWORD=pw"}, "postgres://ada:pw@[fe80::1]:5432/postgres")
	// The URL wins over the parts.
	c, err := Load(base("PHOENIX_SQL_DATABASE_URL=sqlite:///x.db"), nil, testHome)
	if err != nil || c.Database.Driver != "sqlite" {
		t.Fatalf("URL must win over parts: %v %v", c.Database, err)
	}

	t.Run("SpecialCharacters", func(t *testing.T) {
		const user, password = "ada@corp:x/y", "p@ss:w/rd?#%&+= ü"
		c, err := Load([]string{
			"PHOENIX_POSTGRES_HOST=db",
			"PHOENIX_POSTGRES_USER=" + user,
			"PHOENIX_POSTGRES_PASSWORD=" + password,
			"PHOENIX_POSTGRES_DB=phoenix",
		}, nil, testHome)
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(c.Database.PostgresURL)
		if err != nil {
			t.Fatalf("not a URL: %q: %v", c.Database.PostgresURL, err)
		}
		gotPW, _ := u.User.Password()
		if u.User.Username() != user || gotPW != password || u.Host != "db:5432" || u.Path != "/phoenix" {
			t.Fatalf("%q does not round-trip: user %q password %q host %q path %q",
				c.Database.PostgresURL, u.User.Username(), gotPW, u.Host, u.Path)
		}
		if strings.ContainsAny(strings.TrimPrefix(c.Database.PostgresURL, "postgres://"), "#? ") ||
			strings.Count(c.Database.PostgresURL, "@") != 1 {
			t.Fatalf("special characters are not encoded: %q", c.Database.PostgresURL)
		}
		// And a URL that was produced parses back to itself.
		again, err := parseDatabaseURL("x", c.Database.PostgresURL)
		if err != nil || again.PostgresURL != c.Database.PostgresURL {
			t.Fatalf("re-parse: %q, %v", again.PostgresURL, err)
		}
		if s := c.String(); strings.Contains(s, "p@ss") || strings.Contains(s, "p%40ss") {
			t.Fatalf("String leaks the password: %s", s)
		}
	})

	t.Run("Errors", func(t *testing.T) {
		f := func(environ []string, want ...string) {
			t.Helper()
			wantErr(t, environ, nil, testHome, want...)
		}
		f([]string{"PHOENIX_POSTGRES_USER=ada", "PHOENIX_POSTGRES_PASSWORD=s3cret"},
			"PHOENIX_POSTGRES_HOST is required when any PHOENIX_POSTGRES_* variable is set (or give the whole URL in PHOENIX_SQL_DATABASE_URL instead)")
		f([]string{"PHOENIX_POSTGRES_HOST=db", "PHOENIX_POSTGRES_PASSWORD=s3cret"}, "PHOENIX_POSTGRES_USER is required")
		f([]string{"PHOENIX_POSTGRES_HOST=db", "PHOENIX_POSTGRES_USER=ada"},
			"PHOENIX_POSTGRES_PASSWORD is required when any PHOENIX_POSTGRES_* variable is set (Ember does not support passwordless cloud IAM or managed-identity login)")
		f([]string{"PHOENIX_POSTGRES_DB=phoenix"}, "PHOENIX_POSTGRES_HOST is required", "PHOENIX_POSTGRES_USER is required", "PHOENIX_POSTGRES_PASSWORD is required")
		f([]string{"PHOENIX_POSTGRES_PORT=5432"}, "PHOENIX_POSTGRES_HOST is required")
		f(base("PHOENIX_POSTGRES_PORT=abc"), `invalid value for PHOENIX_POSTGRES_PORT: "abc" (must be an integer from 1 to 65535)`)
		f(base("PHOENIX_POSTGRES_PORT=0"), `invalid value for PHOENIX_POSTGRES_PORT: "0"`)
		f([]string{"PHOENIX_POSTGRES_HOST=db:x", "PHOENIX_POSTGRES_USER=ada", "PHOENIX_POSTGRES_PASSWORD=s3cret"},
			`invalid value for PHOENIX_POSTGRES_HOST: "db:x" (the port after ':' must be an integer from 1 to 65535)`)
		f([]string{"PHOENIX_POSTGRES_HOST=u@db", "PHOENIX_POSTGRES_USER=ada", "PHOENIX_POSTGRES_PASSWORD=s3cret"},
			`invalid value for PHOENIX_POSTGRES_HOST: "u@db" (must be a host name or IP address, optionally followed by :port)`)
		f([]string{"PHOENIX_POSTGRES_HOST=db:5432:x", "PHOENIX_POSTGRES_USER=ada", "PHOENIX_POSTGRES_PASSWORD=s3cret"},
			`invalid value for PHOENIX_POSTGRES_HOST: "db:5432:x" (must be a host name or IP address`)
		f([]string{"PHOENIX_POSTGRES_HOST=[db]:5432", "PHOENIX_POSTGRES_USER=ada", "PHOENIX_POSTGRES_PASSWORD=s3cret"},
			`invalid value for PHOENIX_POSTGRES_HOST: "[db]:5432"`)
		f([]string{"PHOENIX_POSTGRES_HOST=db:", "PHOENIX_POSTGRES_USER=ada", "PHOENIX_POSTGRES_PASSWORD=s3cret"},
			`invalid value for PHOENIX_POSTGRES_HOST: "db:"`)
	})
}

func TestRedactRawURL(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := redactRawURL(in); got != want {
			t.Fatalf("redactRawURL(%q) = %q, want %q", in, got, want)
		}
	}
	f("postgresql://ada:s3cret@db/x", "postgresql://xxxxx@db/x")
	f("postgresql://ada:s3@c#ret@db/x", "postgresql://xxxxx@db/x")
	f("ada:s3cret@db/x", "xxxxx@db/x")
	f("postgresql://db/x?user=ada&PassWord=s3cret&sslpassword=s3cret#f", "postgresql://db/x?user=ada&PassWord=xxxxx&sslpassword=xxxxx#f")
	f("postgresql://db/x", "postgresql://db/x")
	f("", "")
}

func FuzzParseDatabaseURL(f *testing.F) {
	for _, seed := range []string{
		"sqlite:///ember.db",
		"sqlite:////abs/ember.db",
		"sqlite:///:memory:",
		"sqlite://",
		"postgresql://ada:pw@db:5432/phoenix?sslmode=require",
		"postgresql://@db/phoenix?user=ada&password=pw",
		"postgresql+asyncpg://a%40b:p%3Aw@[::1]:5433/db",
		"postgres:///db",
		"postgresql://ada:pw@db",
		"mysql://x",
		"://",
		"postgresql://[::1",
		"postgresql://h/%zz",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		d, err := parseDatabaseURL("PHOENIX_SQL_DATABASE_URL", raw)
		if err != nil {
			if d != (Database{}) {
				t.Fatalf("error %v with a non-zero result %#v", err, d)
			}
			if !strings.HasPrefix(err.Error(), "invalid value for PHOENIX_SQL_DATABASE_URL: ") {
				t.Fatalf("error does not name the variable: %v", err)
			}
			return
		}
		switch d.Driver {
		case DriverSQLite:
			if d.SQLitePath == "" || d.PostgresURL != "" {
				t.Fatalf("%q: bad SQLite result %#v", raw, d)
			}
		case DriverPostgres:
			u, err := url.Parse(d.PostgresURL)
			if err != nil || u.Scheme != "postgres" || strings.Trim(u.Path, "/") == "" || d.SQLitePath != "" {
				t.Fatalf("%q: bad PostgreSQL result %#v (%v)", raw, d, err)
			}
			// A normalised URL is a fixed point.
			again, err := parseDatabaseURL("x", d.PostgresURL)
			if err != nil || again != d {
				t.Fatalf("%q: %q does not re-parse to itself: %#v, %v", raw, d.PostgresURL, again, err)
			}
			// Redaction hides whatever password the URL carries.
			if pw, has := u.User.Password(); has && len(pw) >= 4 {
				red := redactURL(d.PostgresURL)
				if ru, err := url.Parse(red); err != nil {
					t.Fatalf("redacted URL %q does not parse: %v", red, err)
				} else if got, _ := ru.User.Password(); got != redactedPassword {
					t.Fatalf("redacted URL %q keeps password %q", red, got)
				}
			}
		default:
			t.Fatalf("%q: unknown driver %q", raw, d.Driver)
		}
		if err := (Config{}).Database.validate(defaultLabel, nil); err == nil {
			t.Fatal("zero Database validates")
		}
		if errs := d.validate(defaultLabel, nil); len(errs) > 0 {
			t.Fatalf("%q: parsed Database does not validate: %v", raw, errs)
		}
	})
}
