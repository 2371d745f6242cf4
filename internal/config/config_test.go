package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

const testHome = "/home/ada"

// defaults is the Config Load returns with an empty environment.
func defaults() Config {
	return Config{
		Host:              "0.0.0.0",
		Port:              6006,
		GRPCPort:          4317,
		HostRootPath:      "",
		WorkingDir:        "/home/ada/.ember",
		Database:          Database{Driver: "sqlite", SQLitePath: "/home/ada/.ember/ember.db"},
		MaxSpansQueueSize: 20000,
		MaxRequestBytes:   64 << 20,
		MaxQueueBytes:     16 << 20,
		LogLevel:          slog.LevelInfo,
		LogFormat:         "text",
		ShutdownTimeout:   30 * time.Second,
		Auth:              defaultAuth(),
	}
}

func TestLoad_Defaults(t *testing.T) {
	c, err := Load(nil, nil, testHome)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c, defaults(); got != want {
		t.Fatalf("Load defaults:\n got %#v\nwant %#v", got, want)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
}

func TestLoad_Env(t *testing.T) {
	for _, tt := range []struct {
		name    string
		environ []string
		want    func(c *Config)
	}{
		{"Host", []string{"PHOENIX_HOST=127.0.0.1"}, func(c *Config) { c.Host = "127.0.0.1" }},
		{"HostIPv6", []string{"PHOENIX_HOST=::"}, func(c *Config) { c.Host = "::" }},
		{"Port", []string{"PHOENIX_PORT=8080"}, func(c *Config) { c.Port = 8080 }},
		{"PortTrimmed", []string{"PHOENIX_PORT= 8080 \n"}, func(c *Config) { c.Port = 8080 }},
		{"GRPCPort", []string{"PHOENIX_GRPC_PORT=14317"}, func(c *Config) { c.GRPCPort = 14317 }},
		{"HostRootPath", []string{"PHOENIX_HOST_ROOT_PATH=/phoenix/v1"}, func(c *Config) { c.HostRootPath = "/phoenix/v1" }},
		{"WorkingDir", []string{"PHOENIX_WORKING_DIR=/data"}, func(c *Config) {
			c.WorkingDir = "/data"
			c.Database.SQLitePath = "/data/ember.db"
		}},
		{"WorkingDirRelative", []string{"PHOENIX_WORKING_DIR=data"}, func(c *Config) {
			c.WorkingDir = "data"
			c.Database.SQLitePath = "data/ember.db"
		}},
		{"DatabaseURL", []string{"PHOENIX_SQL_DATABASE_URL=sqlite:////var/lib/ember/e.db"}, func(c *Config) {
			c.Database = Database{Driver: "sqlite", SQLitePath: "/var/lib/ember/e.db"}
		}},
		{"DatabaseSchemaPostgres", []string{"PHOENIX_SQL_DATABASE_URL=postgresql://u:p@db/phoenix", "PHOENIX_SQL_DATABASE_SCHEMA=tenant_1"}, func(c *Config) {
			c.Database = Database{Driver: "postgres", PostgresURL: "postgres://u:p@db/phoenix", Schema: "tenant_1"}
		}},
		// Like Phoenix, the schema means nothing to SQLite, so even a bad one is ignored.
		{"DatabaseSchemaSQLiteIgnored", []string{"PHOENIX_SQL_DATABASE_SCHEMA=not valid!"}, func(c *Config) {}},
		{"MaxSpansQueueSize", []string{"PHOENIX_MAX_SPANS_QUEUE_SIZE=5"}, func(c *Config) { c.MaxSpansQueueSize = 5 }},
		{"MaxRequestBytes", []string{"EMBER_MAX_REQUEST_BYTES=1048576"}, func(c *Config) { c.MaxRequestBytes = 1 << 20 }},
		{"MaxQueueBytes", []string{"EMBER_MAX_QUEUE_BYTES=1048576"}, func(c *Config) { c.MaxQueueBytes = 1 << 20 }},
		{"LogLevelDebug", []string{"PHOENIX_LOGGING_LEVEL=DEBUG"}, func(c *Config) { c.LogLevel = slog.LevelDebug }},
		{"LogLevelInfo", []string{"PHOENIX_LOGGING_LEVEL=info"}, func(c *Config) { c.LogLevel = slog.LevelInfo }},
		{"LogLevelWarning", []string{"PHOENIX_LOGGING_LEVEL=Warning"}, func(c *Config) { c.LogLevel = slog.LevelWarn }},
		{"LogLevelWarn", []string{"PHOENIX_LOGGING_LEVEL=warn"}, func(c *Config) { c.LogLevel = slog.LevelWarn }},
		{"LogLevelError", []string{"PHOENIX_LOGGING_LEVEL=error"}, func(c *Config) { c.LogLevel = slog.LevelError }},
		{"LogLevelCritical", []string{"PHOENIX_LOGGING_LEVEL=CRITICAL"}, func(c *Config) { c.LogLevel = slog.LevelError + 4 }},
		{"LogModeDefault", []string{"PHOENIX_LOGGING_MODE=default"}, func(c *Config) { c.LogFormat = "text" }},
		{"LogModeStructured", []string{"PHOENIX_LOGGING_MODE=Structured"}, func(c *Config) { c.LogFormat = "json" }},
		{"LogModeJSON", []string{"PHOENIX_LOGGING_MODE=json"}, func(c *Config) { c.LogFormat = "json" }},
		{"ShutdownTimeout", []string{"EMBER_SHUTDOWN_TIMEOUT=1m30s"}, func(c *Config) { c.ShutdownTimeout = 90 * time.Second }},
		{"EmptyIsUnset", []string{"PHOENIX_PORT=", "PHOENIX_HOST=  ", "PHOENIX_SQL_DATABASE_URL="}, func(c *Config) {}},
		{"FirstWins", []string{"PHOENIX_PORT=7000", "PHOENIX_PORT=8000"}, func(c *Config) { c.Port = 7000 }},
		{"IgnoresJunk", []string{"NOEQUALS", "=x", "OTHER=1"}, func(c *Config) {}},
		{"IAMFalse", []string{"PHOENIX_POSTGRES_USE_AWS_IAM_AUTH=False", "PHOENIX_POSTGRES_USE_AZURE_MANAGED_IDENTITY=false"}, func(c *Config) {}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.environ, nil, testHome)
			if err != nil {
				t.Fatal(err)
			}
			want := defaults()
			tt.want(&want)
			if c != want {
				t.Fatalf("\n got %#v\nwant %#v", c, want)
			}
		})
	}
}

func TestLoad_Flags(t *testing.T) {
	environ := []string{
		"PHOENIX_HOST=10.0.0.1",
		"PHOENIX_PORT=7000",
		"PHOENIX_GRPC_PORT=7001",
		"PHOENIX_HOST_ROOT_PATH=/env",
		"PHOENIX_WORKING_DIR=/env",
		"PHOENIX_SQL_DATABASE_URL=sqlite:///env.db",
		"PHOENIX_SQL_DATABASE_SCHEMA=envschema",
		"PHOENIX_MAX_SPANS_QUEUE_SIZE=1",
		"EMBER_MAX_REQUEST_BYTES=1",
		"PHOENIX_LOGGING_LEVEL=error",
		"PHOENIX_LOGGING_MODE=structured",
		"EMBER_SHUTDOWN_TIMEOUT=1s",
	}
	args := []string{
		"--host", "127.0.0.1",
		"--port=8000",
		"-grpc-port", "8001",
		"--host-root-path", "/flag",
		"--working-dir", "~/flag",
		"--database-url", "postgresql+asyncpg://u:p@h:5433/db",
		"--database-schema", "flagschema",
		"--max-spans-queue-size", "2",
		"--max-request-bytes", "2",
		"--max-queue-bytes", "3",
		"--log-level", "debug",
		"--log-format", "text",
		"--shutdown-timeout", "2s",
	}
	want := Config{
		Host:              "127.0.0.1",
		Port:              8000,
		GRPCPort:          8001,
		HostRootPath:      "/flag",
		WorkingDir:        "/home/ada/flag",
		Database:          Database{Driver: "postgres", PostgresURL: "postgres://u:p@h:5433/db", Schema: "flagschema"},
		MaxSpansQueueSize: 2,
		MaxRequestBytes:   2,
		MaxQueueBytes:     3,
		LogLevel:          slog.LevelDebug,
		LogFormat:         "text",
		ShutdownTimeout:   2 * time.Second,
		Auth:              defaultAuth(),
	}
	c, err := Load(environ, args, testHome)
	if err != nil {
		t.Fatal(err)
	}
	if c != want {
		t.Fatalf("flags must win over env:\n got %#v\nwant %#v", c, want)
	}

	t.Run("UnsetFlagsKeepEnv", func(t *testing.T) {
		c, err := Load(environ, []string{"--port", "9000"}, testHome)
		if err != nil {
			t.Fatal(err)
		}
		if c.Port != 9000 || c.GRPCPort != 7001 || c.Host != "10.0.0.1" || c.LogFormat != "json" {
			t.Fatalf("got %v", c)
		}
	})
	t.Run("EmptyFlagMeansDefault", func(t *testing.T) {
		c, err := Load(environ, []string{"--host-root-path=", "--port="}, testHome)
		if err != nil {
			t.Fatal(err)
		}
		if c.HostRootPath != "" || c.Port != 6006 {
			t.Fatalf("got root path %q port %d, want the defaults", c.HostRootPath, c.Port)
		}
	})
	t.Run("DatabaseURLFlagBeatsParts", func(t *testing.T) {
		c, err := Load([]string{"PHOENIX_POSTGRES_HOST=pg", "PHOENIX_POSTGRES_USER=u", "PHOENIX_POSTGRES_PASSWORD=p"},
			[]string{"--database-url", "sqlite:///:memory:"}, testHome)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := c.Database, (Database{Driver: "sqlite", SQLitePath: ":memory:"}); got != want {
			t.Fatalf("got %#v, want %#v", got, want)
		}
	})
}

func TestLoad_Help(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"-help"}, {"--port", "1", "-h"}} {
		_, err := Load([]string{"PHOENIX_PORT=nonsense"}, args, testHome)
		if err != flag.ErrHelp {
			t.Errorf("Load(%q) = %v, want flag.ErrHelp itself", args, err)
		}
	}
}

func TestLoad_WorkingDir(t *testing.T) {
	f := func(value, home, want string) {
		t.Helper()
		c, err := Load([]string{"PHOENIX_WORKING_DIR=" + value}, nil, home)
		if err != nil {
			t.Fatalf("%q: %v", value, err)
		}
		if c.WorkingDir != want {
			t.Fatalf("%q: got %q, want %q", value, c.WorkingDir, want)
		}
	}
	f("~", "/home/ada", "/home/ada")
	f("~/", "/home/ada", "/home/ada")
	f("~/data/ember", "/home/ada", "/home/ada/data/ember")
	f("/abs/~/x", "/home/ada", "/abs/~/x")
	f("/abs", "", "/abs") // no home needed when none is asked for

	// Postgres does not need the working directory, but it still has a
	// default, and that needs a home.
	_, err := Load([]string{"PHOENIX_SQL_DATABASE_URL=postgres://u:p@h/db"}, nil, "")
	if err == nil || !strings.Contains(err.Error(), "PHOENIX_WORKING_DIR") {
		t.Fatalf("no home: got %v", err)
	}
}

// wantErr loads and checks that the error is a *UsageError containing every
// substring in want, and never the password "s3cret".
func wantErr(t *testing.T, environ, args []string, home string, want ...string) {
	t.Helper()
	_, err := Load(environ, args, home)
	if err == nil {
		t.Fatalf("Load(%q, %q) succeeded, want an error", environ, args)
	}
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("error %T is not a *UsageError: %v", err, err)
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("Load(%q, %q) error:\n%s\nwant it to contain %q", environ, args, msg, w)
		}
	}
	if strings.Contains(msg, "s3cret") {
		t.Errorf("error leaks the password:\n%s", msg)
	}
}

func TestLoad_Errors(t *testing.T) {
	f := func(environ, args []string, want ...string) {
		t.Helper()
		wantErr(t, environ, args, testHome, want...)
	}
	env := func(kv ...string) []string { return kv }

	// Command line.
	f(nil, []string{"--nope"}, "flag provided but not defined: -nope")
	f(nil, []string{"--port"}, "flag needs an argument: -port")
	f(nil, []string{"extra"}, `unexpected argument "extra"`)

	// Ports.
	f(env("PHOENIX_PORT=abc"), nil, `invalid value for PHOENIX_PORT: "abc" (must be an integer from 1 to 65535)`)
	f(env("PHOENIX_PORT=0"), nil, `invalid value for PHOENIX_PORT: "0" (must be an integer from 1 to 65535)`)
	f(env("PHOENIX_PORT=65536"), nil, `invalid value for PHOENIX_PORT: "65536"`)
	f(env("PHOENIX_PORT=-1"), nil, `invalid value for PHOENIX_PORT: "-1"`)
	f(env("PHOENIX_PORT=tcp://10.0.0.1:6006"), nil,
		`invalid value for PHOENIX_PORT: "tcp://10.0.0.1:6006"`,
		`Kubernetes injects for a Service named "phoenix"`,
		"set PHOENIX_PORT to a number",
		"PHOENIX_PORT=6006")
	f(env("PHOENIX_GRPC_PORT=tcp://10.0.0.2:4317"), nil,
		`invalid value for PHOENIX_GRPC_PORT: "tcp://10.0.0.2:4317"`,
		`a Service named "phoenix-grpc"`, "set PHOENIX_GRPC_PORT to a number")
	f(nil, []string{"--port", "x"}, `invalid value for --port: "x" (must be an integer from 1 to 65535)`)
	f(nil, []string{"--port", "70000"}, `invalid value for --port: "70000"`)
	f(nil, []string{"--grpc-port", "99999"}, `invalid value for --grpc-port: "99999"`)
	f(env("PHOENIX_PORT=4317"), nil, "PHOENIX_PORT and PHOENIX_GRPC_PORT are both 4317 (the HTTP and gRPC servers need different ports)")
	f(nil, []string{"--grpc-port", "6006"}, "PHOENIX_PORT and --grpc-port are both 6006")

	// Paths.
	f(env("PHOENIX_HOST_ROOT_PATH=phoenix"), nil, `invalid value for PHOENIX_HOST_ROOT_PATH: "phoenix" (must be empty or a path that starts with "/" and does not end with "/"`)
	f(env("PHOENIX_HOST_ROOT_PATH=/phoenix/"), nil, `invalid value for PHOENIX_HOST_ROOT_PATH: "/phoenix/"`)
	f(env("PHOENIX_HOST_ROOT_PATH=/"), nil, `invalid value for PHOENIX_HOST_ROOT_PATH: "/"`)
	f(nil, []string{"--host-root-path", "/a?b"}, `invalid value for --host-root-path: "/a?b"`)
	f(env("PHOENIX_HOST=a b"), nil, `invalid value for PHOENIX_HOST: "a b" (must be a host name or IP address`)
	f(env("PHOENIX_WORKING_DIR=~bob/x"), nil, `invalid value for PHOENIX_WORKING_DIR: "~bob/x" (only "~" and "~/..." are expanded`)
	wantErr(t, env("PHOENIX_WORKING_DIR=~/x"), nil, "", `invalid value for PHOENIX_WORKING_DIR: "~/x" (starts with ~ but the home directory is unknown`)
	wantErr(t, nil, nil, "", "cannot use the default working directory ~/.ember because the home directory is unknown: set PHOENIX_WORKING_DIR or --working-dir")

	// Numbers and durations.
	f(env("PHOENIX_MAX_SPANS_QUEUE_SIZE=0"), nil, `invalid value for PHOENIX_MAX_SPANS_QUEUE_SIZE: "0" (must be a positive integer)`)
	f(env("PHOENIX_MAX_SPANS_QUEUE_SIZE=many"), nil, `invalid value for PHOENIX_MAX_SPANS_QUEUE_SIZE: "many" (must be a positive integer)`)
	f(env("EMBER_MAX_REQUEST_BYTES=-5"), nil, `invalid value for EMBER_MAX_REQUEST_BYTES: "-5" (must be a positive integer number of bytes)`)
	f(env("EMBER_MAX_REQUEST_BYTES=64MiB"), nil, `invalid value for EMBER_MAX_REQUEST_BYTES: "64MiB"`)
	f(nil, []string{"--max-request-bytes", "99999999999999999999"}, `invalid value for --max-request-bytes: "99999999999999999999"`)
	f(env("EMBER_SHUTDOWN_TIMEOUT=30"), nil, `invalid value for EMBER_SHUTDOWN_TIMEOUT: "30" (must be a positive Go duration such as 30s or 1m30s)`)
	f(env("EMBER_SHUTDOWN_TIMEOUT=0s"), nil, `invalid value for EMBER_SHUTDOWN_TIMEOUT: "0s" (must be a positive Go duration`)
	f(env("EMBER_SHUTDOWN_TIMEOUT=-1s"), nil, `invalid value for EMBER_SHUTDOWN_TIMEOUT: "-1s"`)

	// Logging.
	f(env("PHOENIX_LOGGING_LEVEL=verbose"), nil, `invalid value for PHOENIX_LOGGING_LEVEL: "verbose" (must be debug, info, warning or error)`)
	f(nil, []string{"--log-level", "trace"}, `invalid value for --log-level: "trace"`)
	f(env("PHOENIX_LOGGING_MODE=pretty"), nil, `invalid value for PHOENIX_LOGGING_MODE: "pretty" (must be text or json; Phoenix's names default and structured mean the same)`)
	f(nil, []string{"--log-format", "xml"}, `invalid value for --log-format: "xml"`)

	// Database.
	f(env("PHOENIX_SQL_DATABASE_URL=mysql://u:s3cret@h/db"), nil,
		`invalid value for PHOENIX_SQL_DATABASE_URL: "mysql://xxxxx@h/db" (must be sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite:///:memory: or postgresql://`)
	f(nil, []string{"--database-url", "postgresql://u:s3cret@h"}, `invalid value for --database-url: "postgres`, "must name a database")
	f(env("PHOENIX_SQL_DATABASE_URL=postgresql://u:p@h/db", "PHOENIX_SQL_DATABASE_SCHEMA=public; DROP TABLE x"), nil,
		`invalid value for PHOENIX_SQL_DATABASE_SCHEMA: "public; DROP TABLE x" (must be a plain SQL identifier`)
	f(env("PHOENIX_SQL_DATABASE_URL=postgresql://u:p@h/db"), []string{"--database-schema", strings.Repeat("s", 64)},
		`invalid value for --database-schema: "ssss`, "at most 63 characters")
	f(env("PHOENIX_POSTGRES_USE_AWS_IAM_AUTH=true", "PHOENIX_POSTGRES_HOST=h", "PHOENIX_POSTGRES_USER=u"), nil,
		"PHOENIX_POSTGRES_USE_AWS_IAM_AUTH=true: Ember does not support AWS RDS IAM authentication for PostgreSQL yet")
	f(env("PHOENIX_POSTGRES_USE_AZURE_MANAGED_IDENTITY=TRUE"), nil,
		"PHOENIX_POSTGRES_USE_AZURE_MANAGED_IDENTITY=TRUE: Ember does not support Azure managed identity authentication for PostgreSQL yet")
	f(env("PHOENIX_POSTGRES_USE_AWS_IAM_AUTH=yes"), nil,
		`invalid value for PHOENIX_POSTGRES_USE_AWS_IAM_AUTH: "yes" (must be true or false)`)
}

func TestLoad_CollectsEveryError(t *testing.T) {
	_, err := Load([]string{
		"PHOENIX_PORT=abc",
		"PHOENIX_GRPC_PORT=0",
		"PHOENIX_HOST_ROOT_PATH=x/",
		"PHOENIX_SQL_DATABASE_URL=oracle://u:s3cret@h/db",
		"PHOENIX_MAX_SPANS_QUEUE_SIZE=-1",
		"PHOENIX_LOGGING_LEVEL=loud",
		"EMBER_SHUTDOWN_TIMEOUT=soon",
	}, []string{"--log-format", "yaml"}, testHome)
	if err == nil {
		t.Fatal("want an error")
	}
	lines := strings.Split(err.Error(), "\n")
	for _, name := range []string{
		"PHOENIX_PORT:", "PHOENIX_GRPC_PORT:", "PHOENIX_HOST_ROOT_PATH:", "PHOENIX_SQL_DATABASE_URL:",
		"PHOENIX_MAX_SPANS_QUEUE_SIZE:", "PHOENIX_LOGGING_LEVEL:", "EMBER_SHUTDOWN_TIMEOUT:", "--log-format:",
	} {
		n := 0
		for _, l := range lines {
			if strings.Contains(l, name) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s is named in %d lines, want exactly 1:\n%s", name, n, err)
		}
	}
	if len(lines) != 8 {
		t.Errorf("got %d problems, want 8:\n%s", len(lines), err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error leaks the password:\n%s", err)
	}
}

func TestValidate(t *testing.T) {
	f := func(mutate func(c *Config), want ...string) {
		t.Helper()
		c := defaults()
		mutate(&c)
		err := c.Validate()
		if len(want) == 0 {
			if err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			return
		}
		if err == nil {
			t.Fatalf("Validate() = nil, want %q", want)
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Validate() =\n%s\nwant it to contain %q", err, w)
			}
		}
	}
	f(func(c *Config) {})
	f(func(c *Config) { c.Port = 0 }, `invalid value for PHOENIX_PORT (--port): "0" (must be an integer from 1 to 65535)`)
	f(func(c *Config) { c.GRPCPort = c.Port }, "PHOENIX_PORT (--port) and PHOENIX_GRPC_PORT (--grpc-port) are both 6006")
	f(func(c *Config) { c.HostRootPath = "/x/" }, `invalid value for PHOENIX_HOST_ROOT_PATH (--host-root-path): "/x/"`)
	f(func(c *Config) { c.WorkingDir = "" }, `invalid value for PHOENIX_WORKING_DIR (--working-dir): ""`)
	f(func(c *Config) { c.MaxSpansQueueSize = 0 }, `PHOENIX_MAX_SPANS_QUEUE_SIZE (--max-spans-queue-size): "0"`)
	f(func(c *Config) { c.MaxRequestBytes = 0 }, `EMBER_MAX_REQUEST_BYTES (--max-request-bytes): "0"`)
	f(func(c *Config) { c.LogFormat = "logfmt" }, `PHOENIX_LOGGING_MODE (--log-format): "logfmt" (must be text or json)`)
	f(func(c *Config) { c.ShutdownTimeout = 0 }, `EMBER_SHUTDOWN_TIMEOUT (--shutdown-timeout): "0s"`)
	f(func(c *Config) { c.Database = Database{} }, `invalid database driver "" for PHOENIX_SQL_DATABASE_URL (--database-url) (must be sqlite or postgres)`)
	f(func(c *Config) { c.Database = Database{Driver: "sqlite"} }, "must name a database file")
	f(func(c *Config) { c.Database = Database{Driver: "postgres", PostgresURL: "postgres://u:s3cret@h"} }, `"postgres://xxxxx@h"`, "must name a database")
	f(func(c *Config) { c.Database = Database{Driver: "postgres", PostgresURL: "sqlite:///x"} }, "must be a postgres:// URL")
	f(func(c *Config) {
		c.Database = Database{Driver: "postgres", PostgresURL: "postgres://h/db", Schema: "1abc"}
	},
		`invalid value for PHOENIX_SQL_DATABASE_SCHEMA (--database-schema): "1abc"`)
	f(func(c *Config) {
		c.Database = Database{Driver: "postgres", PostgresURL: "postgres://h/db", Schema: "_Tenant_42"}
	})

	// The zero Config reports every field at once.
	err := Config{}.Validate()
	if err == nil {
		t.Fatal("zero Config validates")
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 10 {
		t.Errorf("zero Config: got %d problems, want 10:\n%s", n, err)
	}
}

func TestParseBool(t *testing.T) {
	f := func(value string, want bool, wantErr string) {
		t.Helper()
		got, err := ParseBool("PHOENIX_X", value)
		if wantErr != "" {
			if err == nil || err.Error() != wantErr {
				t.Fatalf("ParseBool(%q) error = %v, want %q", value, err, wantErr)
			}
			return
		}
		if err != nil || got != want {
			t.Fatalf("ParseBool(%q) = %v, %v; want %v", value, got, err, want)
		}
	}
	f("true", true, "")
	f("TRUE", true, "")
	f(" True\n", true, "")
	f("false", false, "")
	f("FaLsE", false, "")
	f("yes", false, `invalid value for PHOENIX_X: "yes" (must be true or false)`)
	f("1", false, `invalid value for PHOENIX_X: "1" (must be true or false)`)
	f("0", false, `invalid value for PHOENIX_X: "0" (must be true or false)`)
	f("", false, `invalid value for PHOENIX_X: "" (must be true or false)`)
}

func TestConfig_RedactsPassword(t *testing.T) {
	for _, environ := range [][]string{
		{"PHOENIX_SQL_DATABASE_URL=postgresql://ada:s3cret@db:5432/phoenix?sslmode=require"},
		{"PHOENIX_SQL_DATABASE_URL=postgresql://@db/phoenix?user=ada&password=s3cret"},
		{"PHOENIX_POSTGRES_HOST=db", "PHOENIX_POSTGRES_USER=ada", "PHOENIX_POSTGRES_PASSWORD=s3cret"},
	} {
		c, err := Load(environ, nil, testHome)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(c.Database.PostgresURL, "s3cret") {
			t.Fatalf("the real URL must keep the password: %q", c.Database.PostgresURL)
		}
		var js, txt bytes.Buffer
		slog.New(slog.NewJSONHandler(&js, nil)).Info("config", "config", c)
		slog.New(slog.NewTextHandler(&txt, nil)).Info("config", "config", c)
		for name, s := range map[string]string{
			"String": c.String(),
			"%v":     fmt.Sprintf("%v", c),
			"%+v":    fmt.Sprintf("%+v", c),
			"%#v":    fmt.Sprintf("%#v", c),
			"%s db":  fmt.Sprintf("%s", c.Database),
			"json":   js.String(),
			"text":   txt.String(),
		} {
			if strings.Contains(s, "s3cret") {
				t.Errorf("%s leaks the password: %s", name, s)
			}
			if !strings.Contains(s, "xxxxx") || !strings.Contains(s, "ada") || !strings.Contains(s, "db") {
				t.Errorf("%s should show the redacted URL with its user and host: %s", name, s)
			}
		}
	}
}

func TestConfig_String(t *testing.T) {
	c := defaults()
	c.HostRootPath = ""
	want := `host=0.0.0.0 port=6006 grpc_port=4317 host_root_path="" working_dir=/home/ada/.ember ` +
		`database.driver=sqlite database.sqlite_path=/home/ada/.ember/ember.db max_spans_queue_size=20000 ` +
		`max_request_bytes=67108864 max_queue_bytes=16777216 log_level=INFO log_format=text shutdown_timeout=30s`
	if got := c.String(); got != want {
		t.Fatalf("String():\n got %s\nwant %s", got, want)
	}
}
