package errorpage

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/testhttp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// site writes the files given as name, content pairs into a new folder.
func site(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for i := 0; i+1 < len(files); i += 2 {
		p := filepath.Join(dir, filepath.FromSlash(files[i]))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestConfigErrors(t *testing.T) {
	dir := site(t, "file.txt", "x")
	for _, tc := range []struct {
		name string
		c    Config
		want string
	}{
		{"root missing", Config{Root: filepath.Join(dir, "nope")}, "errorpage: Config.Root: "},
		{"root a file", Config{Root: filepath.Join(dir, "file.txt")}, "errorpage: Config.Root: "},
		{"status 200", Config{Root: dir, Pages: map[int]string{200: "a.html"}}, "errorpage: Config.Pages: 200: not an error status"},
		{"status 600", Config{Root: dir, Pages: map[int]string{600: "a.html"}}, "errorpage: Config.Pages: 600: not an error status"},
		{"escape", Config{Root: dir, Pages: map[int]string{404: "../secret"}}, "errorpage: Config.Pages: 404: \"../secret\" must name a file under Root"},
		{"empty name", Config{Root: dir, Pages: map[int]string{404: ""}}, "errorpage: Config.Pages: 404: "},
		{"negative size", Config{Root: dir, MaxPageSize: -1}, "errorpage: Config.MaxPageSize: must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.c)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("New: %v, want %q...", err, tc.want)
			}
			if !errors.As(err, new(*httpmw.ConfigError)) {
				t.Fatalf("%v is not an *httpmw.ConfigError", err)
			}
		})
	}
	if _, err := New(Config{}); err != nil {
		t.Fatalf("zero Config: %v", err)
	}
	if _, err := New(Config{Root: dir, Pages: map[int]string{404: "/404.html"}}); err != nil {
		t.Fatalf("leading slash: %v", err)
	}
}

// handler returns status and err after setting the headers given as
// name, value pairs.
func handler(status int, err error, header ...string) httpmw.Handler {
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		return status, err
	})
}

func TestRender(t *testing.T) {
	big := strings.Repeat("x", 2048)
	dir := site(t,
		"404.html", "<h1>not here</h1>",
		"401.html", "<h1>who are you</h1>",
		"503.txt", "down for maintenance",
		"500.html", big,
		"pages/405.html", "method",
	)
	outside := site(t, "secret.html", "TOP SECRET")
	if err := os.Symlink(filepath.Join(outside, "secret.html"), filepath.Join(dir, "link.html")); err != nil {
		t.Fatal(err)
	}
	pages := map[int]string{
		404: "404.html", 401: "401.html", 503: "503.txt", 500: "500.html",
		405: "pages/405.html", 410: "gone.html", 403: "link.html",
	}
	for _, tc := range []struct {
		name       string
		visible    bool
		h          httpmw.Handler
		wantStatus int
		wantBody   string   // exact
		wantHeader []string // name, value pairs; "" value: absent
		wantLog    string   // substring; "" means nothing logged
	}{
		{name: "page", h: handler(404, nil), wantStatus: 404, wantBody: "<h1>not here</h1>",
			wantHeader: []string{"Content-Type", "text/html; charset=utf-8", "Content-Length", "17"}},
		{name: "page keeps WWW-Authenticate", h: handler(401, nil, "WWW-Authenticate", `Basic realm="x"`),
			wantStatus: 401, wantBody: "<h1>who are you</h1>", wantHeader: []string{"WWW-Authenticate", `Basic realm="x"`}},
		{name: "page keeps Allow", h: handler(405, nil, "Allow", "GET, HEAD"), wantStatus: 405, wantBody: "method",
			wantHeader: []string{"Allow", "GET, HEAD"}},
		{name: "page keeps Retry-After, type by extension", h: handler(503, nil, "Retry-After", "120"),
			wantStatus: 503, wantBody: "down for maintenance",
			wantHeader: []string{"Retry-After", "120", "Content-Type", "text/plain; charset=utf-8"}},
		{name: "stale headers dropped", h: handler(404, nil, "Content-Length", "99999", "ETag", `"abc"`, "Content-Encoding", "gzip"),
			wantStatus: 404, wantBody: "<h1>not here</h1>",
			wantHeader: []string{"Content-Length", "17", "ETag", "", "Content-Encoding", ""}},
		{name: "no page for status", h: handler(418, nil), wantStatus: 418, wantBody: "418 I'm a teapot\n"},
		{name: "missing page file", h: handler(410, nil), wantStatus: 410, wantBody: "410 Gone\n",
			wantLog: "[NOTICE 410 /x] could not load error page"},
		{name: "page over MaxPageSize", h: handler(500, nil), wantStatus: 500, wantBody: "500 Internal Server Error\n",
			wantLog: "over the 1024 of MaxPageSize"},
		{name: "symlink out of root", h: handler(403, nil), wantStatus: 403, wantBody: "403 Forbidden\n",
			wantLog: "[NOTICE 403 /x] could not load error page"},
		{name: "error hidden", h: handler(404, errors.New("open /srv/site/x: no such file")), wantStatus: 404,
			wantBody: "<h1>not here</h1>", wantLog: "[ERROR 404 /x] open /srv/site/x: no such file"},
		{name: "error visible", visible: true, h: handler(404, errors.New("open /srv/site/x: no such file")),
			wantStatus: 404, wantBody: "404 Not Found\n\nopen /srv/site/x: no such file\n",
			wantLog: "[ERROR 404 /x] open /srv/site/x: no such file"},
		{name: "visible without error shows the page", visible: true, h: handler(404, nil), wantStatus: 404,
			wantBody: "<h1>not here</h1>"},
		{name: "status below 400 logged only", h: httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
			w.Write([]byte("partial"))
			return 200, errors.New("write: broken pipe")
		}), wantStatus: 200, wantBody: "partial", wantLog: "[ERROR 200 /x] write: broken pipe"},
		{name: "written error status passes", h: httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
			w.WriteHeader(404)
			w.Write([]byte("own page"))
			return 0, nil
		}), wantStatus: 404, wantBody: "own page"},
		{name: "panic", h: httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
			panic("boom at /srv/secret")
		}), wantStatus: 500, wantBody: "500 Internal Server Error\n", wantLog: "[PANIC /x] boom at /srv/secret\ngoroutine "},
		{name: "panic visible shows value, not stack", visible: true, h: httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
			panic("boom")
		}), wantStatus: 500, wantBody: "500 Internal Server Error\n\npanic: boom\n", wantLog: "runtime/debug.Stack"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log testhttp.Buffer
			p, err := New(Config{Root: dir, Pages: pages, Log: &log, Visible: tc.visible, MaxPageSize: 1024})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			w := httptest.NewRecorder()
			status, err := p.Middleware(tc.h).ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
			if status >= 400 || err != nil {
				t.Errorf("returned %d, %v; want < 400, nil", status, err)
			}
			if w.Code != tc.wantStatus || w.Body.String() != tc.wantBody {
				t.Errorf("got %d %q, want %d %q", w.Code, w.Body.String(), tc.wantStatus, tc.wantBody)
			}
			for i := 0; i+1 < len(tc.wantHeader); i += 2 {
				if got := w.Header().Get(tc.wantHeader[i]); got != tc.wantHeader[i+1] {
					t.Errorf("%s: %q, want %q", tc.wantHeader[i], got, tc.wantHeader[i+1])
				}
			}
			if strings.Contains(w.Body.String(), "goroutine") || strings.Contains(w.Body.String(), "TOP SECRET") {
				t.Errorf("body leaks: %q", w.Body.String())
			}
			if tc.wantLog == "" && log.String() != "" {
				t.Errorf("logged %q, want nothing", log.String())
			}
			if !strings.Contains(log.String(), tc.wantLog) {
				t.Errorf("log %q does not contain %q", log.String(), tc.wantLog)
			}
		})
	}
}

func TestLogLineCannotBeForged(t *testing.T) {
	var log testhttp.Buffer
	p, err := New(Config{Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/a", nil)
	r.URL.Path = "/a\n01/Jan/2000:00:00:00 +0000 [ERROR 500 /forged] x"
	p.Middleware(handler(404, errors.New("bad name \"x\ny\""))).ServeHTTP(httptest.NewRecorder(), r)
	if n := strings.Count(log.String(), "\n"); n != 1 {
		t.Fatalf("%d lines logged, want 1: %q", n, log.String())
	}
	if !strings.Contains(log.String(), `/a\x0a01/Jan`) || !strings.Contains(log.String(), `"x\x0ay"`) {
		t.Fatalf("control characters not escaped: %q", log.String())
	}
}

func TestSlog(t *testing.T) {
	var out testhttp.Buffer
	p, err := New(Config{Slog: slogTo(&out)})
	if err != nil {
		t.Fatal(err)
	}
	p.Middleware(handler(502, errors.New("upstream down"))).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api", nil))
	for _, want := range []string{"level=ERROR", "path=/api", "status=502", `err="upstream down"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("slog output %q lacks %q", out.String(), want)
		}
	}
}

// A Root reached through a symlink follows it: a deploy that moves the
// link to a new release serves the new release's pages at once.
func TestRootSymlinkFollowed(t *testing.T) {
	v1 := site(t, "404.html", "release 1")
	v2 := site(t, "404.html", "release 2")
	link := filepath.Join(t.TempDir(), "current")
	if err := os.Symlink(v1, link); err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{Root: link, Pages: map[int]string{404: "404.html"}, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	get := func() string {
		w := httptest.NewRecorder()
		p.Middleware(handler(404, nil)).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		return w.Body.String()
	}
	if got := get(); got != "release 1" {
		t.Fatalf("before the deploy: %q", got)
	}
	next := link + ".new"
	if err := os.Symlink(v2, next); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(next, link); err != nil {
		t.Fatal(err)
	}
	if got := get(); got != "release 2" {
		t.Fatalf("after the deploy: %q", got)
	}
}
