package logger

import (
	"bufio"
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
)

// rawRequest sends raw over TCP, so nothing on the client side cleans it,
// and returns the status.
func rawRequest(t *testing.T, addr, raw string) int {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// assertInert fails if a log line holds anything a terminal or a line
// parser would act on: a control byte, DEL, or a byte outside ASCII.
func assertInert(t *testing.T, line string) {
	t.Helper()
	for i := 0; i < len(line); i++ {
		if c := line[i]; c < 0x20 || c >= 0x7f {
			t.Fatalf("raw byte %#x at %d in log line %q", c, i, line)
		}
	}
}

func TestInjectionCannotForgeLinesOrColourTerminals(t *testing.T) {
	attacks := []struct{ name, raw string }{
		{"CRLF and ESC in the path", "GET /%0d%0a%1b[31m HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"forged line in the path", "GET /x%0a127.0.0.1%20-%20-%20[01/Jan/2000:00:00:00%20+0000]%20%22GET%20/admin%22%20200%201 HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"8-bit CSI in the target", "GET /\x9b31m?a=\xc2\x9b HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"quotes and backslashes", "GET /a\"b\\c HTTP/1.1\r\nHost: x\r\nUser-Agent: \"\\\"\r\nReferer: x\" \"y\r\n\r\n"},
		{"control characters in the Basic user", "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + basic("a\r\nb\x1b[31m c]", "pw") + "\r\n\r\n"},
		{"ESC in the query", "GET /?q=%1b[2J&r=%7f HTTP/1.1\r\nHost: x\r\n\r\n"},
	}
	formats := []string{Common, Combined, "{path} {query} {uri} {user} {>User-Agent} {>Referer} {host}"}
	for _, format := range formats {
		for _, a := range attacks {
			t.Run(format+"/"+a.name, func(t *testing.T) {
				out := &writes{}
				l := mustNew(t, Config{Format: format, Output: out})
				srv := serve(t, l, hello)
				if status := rawRequest(t, srv.Listener.Addr().String(), a.raw); status != http.StatusOK {
					t.Fatalf("status %d", status)
				}
				line := out.only(t) // one Write, one line: nothing forged
				assertInert(t, line)
				if strings.Contains(line, "\x1b") || strings.Contains(line, "\x9b") {
					t.Fatalf("escape sequence reached the log: %q", line)
				}
			})
		}
	}
}

func TestInjectionDecodedPathIsEscaped(t *testing.T) {
	out := &writes{}
	l := mustNew(t, Config{Format: "{path}|{uri}|{user}", Output: out})
	srv := serve(t, l, hello)
	rawRequest(t, srv.Listener.Addr().String(),
		"GET /%0d%0a%1b[31m HTTP/1.1\r\nHost: x\r\nAuthorization: Basic "+basic("a b[\"]\n", "pw")+"\r\n\r\n")
	want := `/\r\n\x1b[31m|/%0d%0a%1b[31m|a\x20b\x5b\"\x5d\n`
	if got := out.only(t); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestInjectionSlog(t *testing.T) {
	for name, mk := range map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			l := mustNew(t, Config{Slog: slog.New(mk(&buf))})
			srv := serve(t, l, hello)
			rawRequest(t, srv.Listener.Addr().String(), "GET /%0d%0a%1b[31m?x=\x9b HTTP/1.1\r\nHost: x\r\nUser-Agent: a\"b\r\n\r\n")
			line := strings.TrimSuffix(buf.String(), "\n")
			if strings.Contains(line, "\n") {
				t.Fatalf("more than one line: %q", line)
			}
			if strings.ContainsAny(line, "\x1b\r") || strings.Contains(line, "\x9b") {
				t.Fatalf("raw control bytes in the record: %q", line)
			}
		})
	}
}

func TestSecretsNeverWritten(t *testing.T) {
	out := &writes{}
	l := mustNew(t, Config{
		Format:      "{>Authorization} {>Cookie} {>Proxy-Authorization} {<Set-Cookie} {>X-Note} {uri} {query}",
		Output:      out,
		RedactQuery: []string{"token", "password"},
	})
	srv := serve(t, l, httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cr3t-session"})
		return hello(w, r)
	}))
	req, _ := http.NewRequest("GET", srv.URL+"/login?user=ann&token=s3cr3t-token&pass%77ord=s3cr3t-pw&x", nil)
	req.Header.Set("Authorization", "Bearer s3cr3t-bearer")
	req.Header.Set("Cookie", "session=s3cr3t-cookie")
	req.Header.Set("Proxy-Authorization", "Basic s3cr3t")
	req.Header.Set("X-Note", "visible")
	get(t, srv.Client(), req)

	line := out.only(t)
	if strings.Contains(line, "s3cr3t") {
		t.Fatalf("a secret reached the log: %s", line)
	}
	want := "REDACTED REDACTED REDACTED REDACTED visible /login?user=ann&token=REDACTED&pass%77ord=REDACTED&x user=ann&token=REDACTED&pass%77ord=REDACTED&x"
	if line != want {
		t.Fatalf("got  %s\nwant %s", line, want)
	}
}

func TestRedactEveryQueryValue(t *testing.T) {
	out := &writes{}
	l := mustNew(t, Config{Format: Common, Output: out, RedactQuery: []string{"*"}})
	srv := serve(t, l, hello)
	get(t, srv.Client(), mustRequest(t, srv.URL+"/p?a=1&b=&c"))
	if line := out.only(t); !strings.Contains(line, `"GET /p?a=REDACTED&b=REDACTED&c HTTP/1.1"`) {
		t.Fatalf("query not redacted: %s", line)
	}
}

func mustRequest(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
