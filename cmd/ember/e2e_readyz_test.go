package main

import (
	"crypto/rand"
	"database/sql"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
)

// tcpProxy forwards connections to target until closed, so a test can cut
// a server off from its database.
type tcpProxy struct {
	l     net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, target string) *tcpProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{l: l}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	t.Cleanup(p.close)
	return p
}

func (p *tcpProxy) close() {
	p.l.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

// TestReadyzWhenDatabaseUnreachable cuts a running server off from its
// PostgreSQL database: /readyz turns 503 "database unreachable" while
// /healthz stays 200.
func TestReadyzWhenDatabaseUnreachable(t *testing.T) {
	dsn := os.Getenv("EMBER_TEST_POSTGRES_URL")
	if dsn == "" {
		t.Skip("EMBER_TEST_POSTGRES_URL is not set")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startProxy(t, u.Host)
	u.Host = proxy.l.Addr().String()
	schema := "readyz_" + strings.ToLower(rand.Text())
	p := startEmber(t, []string{"PHOENIX_WORKING_DIR=" + t.TempDir(), "PHOENIX_SQL_DATABASE_URL=" + u.String(), "PHOENIX_SQL_DATABASE_SCHEMA=" + schema})
	t.Cleanup(func() { dropSchema(dsn, schema) })
	if status, body, _ := call(t, "GET", p.httpURL+"/readyz", ""); status != 200 || body != "{}" {
		t.Fatalf("readyz with the database up: %d %q", status, body)
	}
	proxy.close()
	if status, body, _ := call(t, "GET", p.httpURL+"/readyz", ""); status != 503 || body != "database unreachable" {
		t.Fatalf("readyz with the database gone: %d %q", status, body)
	}
	if status, body, _ := call(t, "GET", p.httpURL+"/healthz", ""); status != 200 || body != "OK" {
		t.Fatalf("healthz: %d %q", status, body)
	}
}

// dropSchema removes a test's PostgreSQL schema.
func dropSchema(dsn, schema string) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return
	}
	defer db.Close()
	db.Exec(`DROP SCHEMA IF EXISTS "` + schema + `" CASCADE`)
}

// TestPostgresSplitSettings starts the server from the PHOENIX_POSTGRES_*
// variables instead of a URL, and stores an export through them.
func TestPostgresSplitSettings(t *testing.T) {
	dsn := os.Getenv("EMBER_TEST_POSTGRES_URL")
	if dsn == "" {
		t.Skip("EMBER_TEST_POSTGRES_URL is not set")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := "split_" + strings.ToLower(rand.Text())
	t.Cleanup(func() { dropSchema(dsn, schema) })
	p := startEmber(t, []string{
		"PHOENIX_WORKING_DIR=" + t.TempDir(),
		"PHOENIX_POSTGRES_HOST=" + u.Hostname(),
		"PHOENIX_POSTGRES_PORT=" + u.Port(),
		"PHOENIX_POSTGRES_USER=" + u.User.Username(),
		"PHOENIX_POSTGRES_PASSWORD=any: the test server trusts local connections",
		"PHOENIX_POSTGRES_DB=" + strings.TrimPrefix(u.Path, "/"),
		"PHOENIX_SQL_DATABASE_SCHEMA=" + schema,
	})
	mustExport(t, p, traces(0x61, 0, 3, 3))
	if status, body, _ := call(t, "GET", p.httpURL+"/v1/projects/e2e/spans", ""); status != 200 || strings.Count(body, `"span_id"`) != 3 {
		t.Fatalf("spans: %d %s", status, body)
	}
	if !strings.Contains(p.output.String(), "database=postgres") {
		t.Fatalf("not on PostgreSQL:\n%s", p.output.String())
	}
}
