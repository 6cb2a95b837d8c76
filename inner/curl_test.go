package inner

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/testhttp"
)

// A real application server behind a reverse proxy hands a download to
// the file server with X-Accel-Redirect, as nginx setups do; curl gets the
// file, never the application's own body, and cannot fetch the file
// directly.
func TestThroughServerWithCurl(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "internal"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "internal", "report.txt"), []byte("quarterly numbers\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/app/report":
			if r.Header.Get("Authorization") != "Bearer ok" {
				http.Error(w, "log in first", http.StatusForbidden)
				return
			}
			w.Header().Set("X-Accel-Redirect", "/internal/report.txt")
			w.Header().Set("Set-Cookie", "session=app-only")
			io.WriteString(w, "application body that must not leak\n")
		case "/app/loop":
			w.Header().Set("X-Accel-Redirect", "/app/loop")
			io.WriteString(w, "again\n")
		default:
			http.NotFound(w, r)
		}
	}))
	defer app.Close()
	appURL, err := url.Parse(app.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httpmw.FromHTTP(httputil.NewSingleHostReverseProxy(appURL))
	files := httpmw.FromHTTP(http.FileServer(http.Dir(dir)))
	site := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		if (httpmw.Path{Base: "/app"}).Matches(r.URL.Path) {
			return proxy.ServeHTTP(w, r)
		}
		return files.ServeHTTP(w, r)
	})
	in, err := New(Config{Paths: []string{"/internal"}})
	if err != nil {
		t.Fatal(err)
	}
	reported := make(chan error, 1)
	edge := httpmw.Adapter{OnError: func(r *http.Request, status int, err error) { reported <- err }}
	srv := httptest.NewServer(edge.Handler(in.Middleware(site)))
	defer srv.Close()
	defer srv.Client().CloseIdleConnections()

	out := testhttp.Curl(t, "-i", "-H", "Authorization: Bearer ok", srv.URL+"/app/report")
	if !strings.HasPrefix(out, "HTTP/1.1 200 OK\n") || !strings.HasSuffix(out, "\n\nquarterly numbers\n") ||
		strings.Contains(out, "X-Accel-Redirect") || strings.Contains(out, "session=app-only") ||
		!strings.Contains(out, "\nContent-Length: 18\n") {
		t.Errorf("redirected download:\n%s", out)
	}
	out = testhttp.Curl(t, "-i", srv.URL+"/app/report")
	if !strings.HasPrefix(out, "HTTP/1.1 403 Forbidden\n") || !strings.HasSuffix(out, "\n\nlog in first\n") {
		t.Errorf("refused by the app:\n%s", out)
	}
	for _, p := range []string{"/internal/report.txt", "/internal/", "/./internal/report.txt", "/%69nternal/report.txt"} {
		out = testhttp.Curl(t, "-i", "--path-as-is", srv.URL+p)
		if !strings.HasPrefix(out, "HTTP/1.1 404 Not Found\n") || strings.Contains(out, "quarterly") {
			t.Errorf("%s from outside:\n%s", p, out)
		}
	}
	out = testhttp.Curl(t, "-i", srv.URL+"/app/loop")
	if !strings.HasPrefix(out, "HTTP/1.1 500 Internal Server Error\n") || strings.Contains(out, "again") {
		t.Errorf("redirect loop:\n%s", out)
	}
	if err := <-reported; err == nil || !strings.Contains(err.Error(), "more than 10 internal redirects") {
		t.Errorf("loop reported as %v", err)
	}
}
