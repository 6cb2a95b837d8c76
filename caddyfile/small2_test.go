package caddyfile

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testhttp"
	"github.com/httpmw/httpmw/rewrite"
)

// errors, rewrite and internal together with log and proxy, served by a
// real server and checked with curl.
func TestErrorsRewriteInternalWithCurl(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"404.html":              "<h1>custom not found</h1>\n",
		"about.html":            "about us\n",
		"posts/2015-hello.html": "hello post\n",
		"protected/report.txt":  "quarterly numbers\n",
	})
	logDir := t.TempDir()
	errorLog := filepath.Join(root, "error.log") // inside the root: never served
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/app/report":
			w.Header().Set("X-Accel-Redirect", "/protected/report.txt")
			io.WriteString(w, "the application's own body\n")
		case "/app/teapot":
			w.WriteHeader(http.StatusTeapot)
			io.WriteString(w, "short and stout\n")
		default:
			http.NotFound(w, r)
		}
	}))
	defer app.Close()

	_, urls := serve(t, `
:0 {
	root {$ROOT}
	log {$LOGDIR}/access.log
	errors {
		404 404.html
		log {$ROOT}/error.log
	}
	rewrite /about /about.html
	rewrite /sneak /protected/report.txt
	rewrite /blog {
		r  ^/(\d{4})/([a-z-]+)$
		to /posts/{1}-{2}.html
	}
	internal /protected
	proxy /app {$APP}
	proxy /down 127.0.0.1:1
}
`, map[string]string{"ROOT": root, "LOGDIR": logDir, "APP": strings.TrimPrefix(app.URL, "http://")})
	base := urls[0]

	for _, tc := range []struct {
		path    string
		status  string
		body    string
		headers []string
		absent  []string
	}{
		{path: "/about", status: "200 OK", body: "about us\n"},
		{path: "/blog/2015/hello", status: "200 OK", body: "hello post\n"},
		{path: "/nothing-here", status: "404 Not Found", body: "<h1>custom not found</h1>\n",
			headers: []string{"Content-Type: text/html; charset=utf-8"}},
		{path: "/protected/report.txt", status: "404 Not Found", body: "<h1>custom not found</h1>\n", absent: []string{"quarterly"}},
		// rewrite runs before internal, as in Caddy 0.7: a rewrite does
		// not open an internal path to clients.
		{path: "/sneak", status: "404 Not Found", body: "<h1>custom not found</h1>\n", absent: []string{"quarterly"}},
		{path: "/app/report", status: "200 OK", body: "quarterly numbers\n", absent: []string{"X-Accel-Redirect", "application's own"}},
		{path: "/app/teapot", status: "418 I'm a teapot", body: "short and stout\n"},
		{path: "/error.log", status: "404 Not Found", body: "<h1>custom not found</h1>\n"},
		{path: "/down/x", status: "502 Bad Gateway", body: "502 Bad Gateway\n", absent: []string{"127.0.0.1:1", "connection refused"}},
	} {
		out := testhttp.Curl(t, "-i", base+tc.path)
		head, body, _ := strings.Cut(out, "\n\n")
		if !strings.HasPrefix(head, "HTTP/1.1 "+tc.status+"\n") || body != tc.body {
			t.Errorf("%s: got\n%s\nwant status %s and body %q", tc.path, out, tc.status, tc.body)
		}
		for _, h := range tc.headers {
			if !strings.Contains(head+"\n", "\n"+h+"\n") {
				t.Errorf("%s: no %q in\n%s", tc.path, h, head)
			}
		}
		for _, a := range tc.absent {
			if strings.Contains(out, a) {
				t.Errorf("%s: %q sent:\n%s", tc.path, a, out)
			}
		}
	}

	// The logs are written before each response ends; poll all the same,
	// with a generous deadline, rather than assume when they land.
	waitFor(t, errorLog, "[ERROR 502 /down/x] ")
	// The access log keeps the URI the client sent, not the rewritten one.
	for _, want := range []string{`"GET /about HTTP/1.1" 200`, `"GET /blog/2015/hello HTTP/1.1" 200`, `"GET /protected/report.txt HTTP/1.1" 404`} {
		waitFor(t, filepath.Join(logDir, "access.log"), want)
	}
}

// waitFor polls file until it contains want, failing after 30 seconds.
func waitFor(t *testing.T, file, want string) {
	t.Helper()
	var b []byte
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, _ = os.ReadFile(file)
		if strings.Contains(string(b), want) {
			return
		}
	}
	t.Errorf("%s lacks %q:\n%s", filepath.Base(file), want, b)
}

func TestErrorsRewriteInternalSetup(t *testing.T) {
	s := checkOne(t, `:80
errors {
	404 404.html
	500 /errors/500.html
	log error.log
}
rewrite /a /b
rewrite /blog {
	r ^/(\d+)$
	ext / .html !.php
	to /posts/{1}?{query}
}
rewrite {
	regexp .*
	to /index.php
}
internal /internal
internal /private
`)
	if s.errors == nil || s.errors.logFile != "error.log" || s.errors.cfg.Visible ||
		s.errors.cfg.Pages[404] != "404.html" || s.errors.cfg.Pages[500] != "/errors/500.html" {
		t.Errorf("errors: %+v", s.errors)
	}
	want := []rewrite.Rule{
		{From: "/a", To: "/b"},
		{Base: "/blog", Regexp: `^/(\d+)$`, Ext: []string{"/", ".html", "!.php"}, To: "/posts/{1}?{query}"},
		{Regexp: ".*", To: "/index.php"},
	}
	if got := rewriteRules(s.rewrites); !reflect.DeepEqual(got, want) {
		t.Errorf("rewrite rules:\n got  %+v\n want %+v", got, want)
	}
	if !reflect.DeepEqual(s.internal, []string{"/internal", "/private"}) {
		t.Errorf("internal: %v", s.internal)
	}
	for src, check := range map[string]func(*siteConfig) bool{
		":80\nerrors":                    func(s *siteConfig) bool { return s.errors.logFile == "" && !s.errors.cfg.Visible },
		":80\nerrors visible":            func(s *siteConfig) bool { return s.errors.cfg.Visible },
		":80\nerrors stdout":             func(s *siteConfig) bool { return s.errors.logFile == "stdout" },
		":80\nerrors {\n log visible\n}": func(s *siteConfig) bool { return s.errors.cfg.Visible },
	} {
		if s := checkOne(t, src); !check(s) {
			t.Errorf("%q: %+v", src, s.errors)
		}
	}
	// Simple rules go first, whatever the file order, as in Caddy 0.7.
	s = checkOne(t, ":80\nrewrite {\n r ^/x\n to /regexp\n}\nrewrite /x /simple")
	if got := rewriteRules(s.rewrites); got[0].From != "/x" || got[1].Regexp != "^/x" {
		t.Errorf("order: %+v", got)
	}
}

func TestErrorsRewriteInternalMalformed(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{":80\nerrors a b", `Caddyfile:2:10: errors: expected "errors [file|visible]", got 2 argument(s)`},
		{":80\nerrors\nerrors", `Caddyfile:3:1: errors: set twice in one site (first at Caddyfile:2:1)`},
		{":80\nerrors syslog", `Caddyfile:2:8: errors: syslog is not supported by httpmw`},
		{":80\nerrors {\n 200 ok.html\n}", `Caddyfile:3:2: errors: expected a status code from 400 to 599 or log, got "200"`},
		{":80\nerrors {\n notfound 404.html\n}", `Caddyfile:3:2: errors: expected a status code from 400 to 599 or log, got "notfound"`},
		{":80\nerrors {\n 404\n}", `Caddyfile:3:2: errors: option 404: expected "404 file", got 0 argument(s)`},
		{":80\nerrors {\n 404 a.html\n 404 b.html\n}", `Caddyfile:4:2: errors: a page for 404 is set twice`},
		{":80\nerrors {\n 404 ../../etc/passwd\n}", `Caddyfile:2:1: errors: errorpage: Config.Pages: 404: "../../etc/passwd" must name a file under Root`},
		{":80\nerrors {\n log\n}", `Caddyfile:3:2: errors: option log: expected "log file|visible", got 0 argument(s)`},
		{":80\nrewrite /a", `Caddyfile:2:1: rewrite: expected "rewrite from to" or a block with r and to`},
		{":80\nrewrite /a /b /c", `Caddyfile:2:15: rewrite: expected "rewrite from to", got 3 argument(s)`},
		{":80\nrewrite a /b", `Caddyfile:2:1: rewrite: Config.Rules[0].From: "a": must start with /`},
		{":80\nrewrite /a /b {\n to /c\n}", `Caddyfile:3:2: rewrite: takes no option block`},
		{":80\nrewrite {\n r (\n to /x\n}", `Caddyfile:2:1: rewrite: Config.Rules[0].Regexp: error parsing regexp`},
		{":80\nrewrite {\n r .*\n}", `Caddyfile:2:1: rewrite: a block needs both r (or regexp) and to`},
		{":80\nrewrite {\n r .*\n to /{host}\n}", `Caddyfile:2:1: rewrite: Config.Rules[0].To: {host}: unknown placeholder`},
		{":80\nrewrite {\n r .*\n ext html\n to /x\n}", `Caddyfile:2:1: rewrite: Config.Rules[0].Ext: "html"`},
		{":80\nrewrite {\n r .*\n to /x\n if a b\n}", `Caddyfile:5:2: rewrite: unknown option "if"; expected one of: r, regexp, ext, to`},
		{":80\nrewrite {\n r .*\n to /x /y\n}", `Caddyfile:4:2: rewrite: option to: expected "to destination", got 2 argument(s)`},
		{":80\ninternal", `Caddyfile:2:1: internal: expected "internal path", got 0 argument(s)`},
		{":80\ninternal /a /b", `Caddyfile:2:13: internal: expected "internal path", got 2 argument(s)`},
		{":80\ninternal private", `Caddyfile:2:10: internal: inner: Config.Paths: "private": must start with /`},
	} {
		err := Validate("Caddyfile", []byte(c.src), env(nil))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q:\n got  %v\n want %s...", c.src, err, c.want)
		}
	}
}
