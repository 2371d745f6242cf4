package main

import (
	"bufio"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeSMTP accepts mail on a local port and hands each message's data to
// the returned channel. It speaks just enough SMTP for net/smtp (no
// STARTTLS, no AUTH).
func fakeSMTP(t *testing.T) (port int, mails chan string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	mails = make(chan string, 4)
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				say := func(s string) { conn.Write([]byte(s + "\r\n")) }
				say("220 fake ESMTP")
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
					case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
						say("250 fake")
					case cmd == "DATA":
						say("354 go ahead")
						var b strings.Builder
						for {
							l, err := r.ReadString('\n')
							if err != nil || l == ".\r\n" {
								break
							}
							b.WriteString(l)
						}
						mails <- b.String()
						say("250 queued")
					case cmd == "QUIT":
						say("221 bye")
						return
					default:
						say("250 ok")
					}
				}
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, mails
}

// TestPasswordReset: the reset mail carries a single-use link that sets a
// new password and ends the old sessions; unknown emails get the same 204.
func TestPasswordReset(t *testing.T) {
	smtpPort, mails := fakeSMTP(t)
	p := startEmber(t, authEnv([]string{"PHOENIX_WORKING_DIR=" + t.TempDir(),
		"PHOENIX_SMTP_HOSTNAME=127.0.0.1", "PHOENIX_SMTP_PORT=" + strconv.Itoa(smtpPort), "PHOENIX_ROOT_URL=https://ember.example.com"}))
	post := func(path, body string, cookies ...*http.Cookie) *http.Response {
		req, _ := http.NewRequest("POST", p.httpURL+path, strings.NewReader(body))
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	_, _, old := login(t, p.httpURL, "admin@localhost", "admin")
	if resp := post("/auth/password-reset-email", `{"email":"nobody@example.com"}`); resp.StatusCode != 204 {
		t.Fatalf("unknown email: %d", resp.StatusCode)
	}
	if resp := post("/auth/password-reset-email", `{"email":"Admin@localhost"}`); resp.StatusCode != 204 {
		t.Fatalf("known email: %d", resp.StatusCode)
	}
	var mail string
	select {
	case mail = <-mails:
	case <-time.After(10 * time.Second):
		t.Fatal("no mail")
	}
	select {
	case extra := <-mails:
		t.Fatalf("a mail for the unknown email too: %s", extra)
	case <-time.After(200 * time.Millisecond):
	}
	m := regexp.MustCompile(`https://ember\.example\.com/reset-password-with-token\?token=([\w.-]+)`).FindStringSubmatch(mail)
	if m == nil || !strings.Contains(mail, "To: admin@localhost") {
		t.Fatalf("mail without a link:\n%s", mail)
	}
	if resp := post("/auth/password-reset", `{"token":"`+m[1]+`","password":"ab"}`); resp.StatusCode != 422 {
		t.Errorf("weak password: %d", resp.StatusCode)
	}
	resp := post("/auth/password-reset", `{"token":"`+m[1]+`","password":"new-pass"}`)
	if resp.StatusCode != 204 || len(resp.Cookies()) != 2 {
		t.Fatalf("reset: %d %v", resp.StatusCode, resp.Cookies())
	}
	if resp := post("/auth/password-reset", `{"token":"`+m[1]+`","password":"again-pass"}`); resp.StatusCode != 401 {
		t.Errorf("token used twice: %d", resp.StatusCode)
	}
	if r, _ := requestWith(t, "GET", p.httpURL+"/v1/user", old["phoenix-access-token"]); r.StatusCode != 401 {
		t.Errorf("old session after reset: %d", r.StatusCode)
	}
	if r, _, _ := login(t, p.httpURL, "admin@localhost", "admin"); r.StatusCode != 401 {
		t.Errorf("old password: %d", r.StatusCode)
	}
	r, _, c := login(t, p.httpURL, "admin@localhost", "new-pass")
	if r.StatusCode != 204 {
		t.Fatalf("new password: %d", r.StatusCode)
	}
	if r, body := requestWith(t, "GET", p.httpURL+"/v1/user", c["phoenix-access-token"]); !strings.Contains(body, `"password_needs_reset":false`) {
		t.Errorf("after reset: %d %s", r.StatusCode, body)
	}
}

// TestPasswordResetWithoutSMTP: no mail server, no reset mail, and the
// same 204 as ever, so the reply tells nothing about accounts or setup.
func TestPasswordResetWithoutSMTP(t *testing.T) {
	p := startEmber(t, authEnv([]string{"PHOENIX_WORKING_DIR=" + t.TempDir()}))
	resp, err := http.Post(p.httpURL+"/auth/password-reset-email", "application/json", strings.NewReader(`{"email":"admin@localhost"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("status %d", resp.StatusCode)
	}
}
