package caddyfile

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestHeaderRedirExtBasicauth serves a Caddy 0.7 file with the four small
// directives on a real listener and checks what a client gets.
func TestHeaderRedirExtBasicauth(t *testing.T) {
	site := t.TempDir()
	writeFiles(t, site, map[string]string{
		"index.html":        "home",
		"about.html":        "about page",
		"admin.html":        "admin page",
		"admin/report.html": "report",
		"docs/a.htm":        "doc a",
		"docs/private.html": "staff notes",
		"Case/x.html":       "upper case",
	})
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(t.TempDir(), "access.log")
	_, urls := serve(t, `
:0 {
	root {$ROOT}
	gzip
	browse /docs
	log / {$LOG} "{uri} {user} {status}"
	basicauth /admin alice {$HASH}
	basicauth bob pw {
		/docs/private
		/Case
		realm "Staff only"
	}
	ext .html .htm
	redir 307 {
		/go https://example.com{uri}
		/temp /about 302
		/Old-Case /About
	}
	redir /old /about
	header / X-Frame-Options DENY
	header /docs {
		>Cache-Control "max-age=60"
		+Link "</style.css>; rel=preload"
		-Last-Modified
	}
}
`, map[string]string{"ROOT": site, "LOG": logFile, "HASH": string(hash)})
	base := urls[0]
	noFollow := func(req *http.Request) (*http.Response, error) { return http.DefaultTransport.RoundTrip(req) }

	tests := []struct {
		path, auth string // auth "user:pass" or ""
		status     int
		body       string
		headers    map[string]string // "" means absent
	}{
		{"/about", "", 200, "about page", map[string]string{"X-Frame-Options": "DENY", "Cache-Control": ""}},
		{"/old", "", 301, "", map[string]string{"Location": "/about"}},
		{"/go?x=1", "", 307, "", map[string]string{"Location": "https://example.com/go?x=1"}},
		{"/temp", "", 302, "", map[string]string{"Location": "/about"}},
		{"/docs/a", "", 200, "doc a", map[string]string{"Cache-Control": "max-age=60", "Link": "</style.css>; rel=preload", "Last-Modified": "", "X-Frame-Options": "DENY"}},
		{"/missing", "", 404, "", map[string]string{"X-Frame-Options": "DENY"}},
		{"/admin", "", 401, "", map[string]string{"WWW-Authenticate": `Basic realm="Staff only", charset="UTF-8"`, "X-Frame-Options": "DENY"}},
		{"/admin.html", "", 401, "", nil}, // the clean URL's file is guarded too
		{"/admin/report", "", 401, "", nil},
		{"/admin", "alice:wrong", 401, "", nil},
		{"/admin", "bob:pw", 401, "", nil},
		{"/admin", "alice:s3cret", 200, "admin page", nil},
		{"/admin/report", "alice:s3cret", 200, "report", nil},
		{"/docs/private", "", 401, "", nil},
		{"/docs/private", "bob:pw", 200, "staff notes", map[string]string{"Cache-Control": "max-age=60"}},
		{"/docs/", "", 200, "", map[string]string{"Cache-Control": "max-age=60", "Content-Type": "text/html; charset=utf-8"}}, // over browse's no-cache
		{"/Case/x", "", 401, "", nil}, // block lines keep their case
		{"/Case/x", "bob:pw", 200, "upper case", nil},
		{"/Old-Case", "", 307, "", map[string]string{"Location": "/About"}},
		{"/old-case", "", 404, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.auth, func(t *testing.T) {
			req, err := http.NewRequest("GET", base+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if u, p, ok := strings.Cut(tt.auth, ":"); ok {
				req.SetBasicAuth(u, p)
			}
			res, err := noFollow(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, res)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			if tt.body != "" && body != tt.body {
				t.Errorf("body %q, want %q", body, tt.body)
			}
			for k, v := range tt.headers {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
		})
	}

	// The access log shows what the client asked (/about, not
	// /about.html) and who was let in.
	want := []string{"/about - 200", "/admin alice 200", "/admin/report alice 200", "/docs/private bob 200"}
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(logFile)
		missing := ""
		for _, w := range want {
			if !strings.Contains(string(data), w+"\n") {
				missing = w
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("access log lacks %q:\n%s", missing, data)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// And with curl, as a user would try it.
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed: apt-get install curl")
	}
	out, err := exec.Command(curl, "-sS", "-i", "--user", "alice:s3cret", base+"/admin").CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	if s := string(out); !strings.HasPrefix(s, "HTTP/1.1 200") || !strings.Contains(s, "X-Frame-Options: DENY") || !strings.HasSuffix(s, "admin page") {
		t.Errorf("curl --user alice:s3cret /admin:\n%s", out)
	}
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
