package ext_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/ext"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fileServer serves dir the way the chain's file server would, so the
// tests see what a client gets.
func fileServer(dir string) httpmw.Handler {
	fs := http.FileServerFS(os.DirFS(dir))
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		w.Header().Set("X-Served-Path", r.URL.Path)
		w.Header().Set("X-Request-Uri", r.RequestURI)
		fs.ServeHTTP(w, r)
		return 0, nil
	})
}

func serve(t *testing.T, cfg ext.Config) *httptest.Server {
	t.Helper()
	e, err := ext.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	srv := httptest.NewServer(httpmw.ToHTTP(e.Middleware(fileServer(cfg.Root))))
	t.Cleanup(srv.Close)
	return srv
}

// rawGet sends the request target as given, as curl --path-as-is does.
func rawGet(t *testing.T, srv *httptest.Server, target string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET "+target+" HTTP/1.1\r\nHost: site.test\r\nConnection: close\r\n\r\n")
	res, err := http.ReadResponse(bufioReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(body)
}

func TestCleanURLs(t *testing.T) {
	outside := t.TempDir()
	write(t, outside, "secret.html", "outside")
	parent := t.TempDir()
	site := filepath.Join(parent, "site")
	write(t, site, "about.html", "about html")
	write(t, site, "about.htm", "about htm")
	write(t, site, "contact.htm", "contact htm")
	write(t, site, "docs/intro.html", "intro")
	write(t, site, "docs.html", "docs page")
	write(t, site, "plain", "plain file")
	write(t, site, "plain.html", "plain html")
	write(t, site, "v1.2/notes.html", "notes")
	write(t, parent, "escape.html", "parent file")
	if err := os.Mkdir(filepath.Join(site, "dir.html"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.html"), filepath.Join(site, "link.html")); err != nil {
		t.Fatal(err)
	}
	srv := serve(t, ext.Config{Root: site, Ext: []string{".html", ".htm"}})

	tests := []struct {
		target string
		status int
		served string // X-Served-Path
		body   string
	}{
		{"/about", 200, "/about.html", "about html"},      // first extension wins
		{"/contact", 200, "/contact.htm", "contact htm"},  // then the next
		{"/docs/intro", 200, "/docs/intro.html", "intro"}, // nested
		{"/docs", 200, "/docs.html", "docs page"},         // a file beats the folder of that name
		{"/docs/", 200, "/docs/", ""},                     // a trailing slash is left alone
		{"/plain", 200, "/plain.html", "plain html"},      // as Caddy: the extension is tried first
		{"/about.html", 200, "/about.html", "about html"}, // has an extension
		{"/v1.2/notes", 200, "/v1.2/notes.html", "notes"}, // a dot in a folder is not an extension
		{"/missing", 404, "/missing", ""},                 // nothing found: passed on as is
		{"/dir", 404, "/dir", ""},                         // dir.html is a folder, not a file
		{"/link", 404, "/link", ""},                       // a symlink out of Root is not followed
		{"/../escape", 404, "/../escape", ""},             // no probing above Root
		{"/docs/../../escape", 404, "/docs/../../escape", ""},
		{"/about?q=1", 200, "/about.html", "about html"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			res, body := rawGet(t, srv, tt.target)
			if res.StatusCode != tt.status {
				t.Errorf("status %d, want %d", res.StatusCode, tt.status)
			}
			if got := res.Header.Get("X-Served-Path"); got != tt.served {
				t.Errorf("file server was asked %q, want %q", got, tt.served)
			}
			if got := res.Header.Get("X-Request-Uri"); got != tt.target {
				t.Errorf("RequestURI %q, want the client's %q", got, tt.target)
			}
			if tt.body != "" && body != tt.body {
				t.Errorf("body %q, want %q", body, tt.body)
			}
		})
	}
}

// A deploy that repoints a symlinked Root is seen by the next request.
func TestSymlinkedRootFollowsDeploys(t *testing.T) {
	base := t.TempDir()
	v1, v2 := filepath.Join(base, "v1"), filepath.Join(base, "v2")
	write(t, v1, "old.html", "v1")
	write(t, v2, "new.html", "v2")
	current := filepath.Join(base, "current")
	if err := os.Symlink(v1, current); err != nil {
		t.Fatal(err)
	}
	e, err := ext.New(ext.Config{Root: current})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	h := e.Middleware(httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		io.WriteString(w, r.URL.Path)
		return http.StatusOK, nil
	}))
	get := func(p string) string {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", p, nil))
		return w.Body.String()
	}
	if got := get("/old"); got != "/old.html" {
		t.Fatalf("before deploy: %q", got)
	}
	tmp := filepath.Join(base, "next")
	if err := os.Symlink(v2, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, current); err != nil {
		t.Fatal(err)
	}
	if got := get("/new"); got != "/new.html" {
		t.Errorf("after deploy: %q", got)
	}
	if got := get("/old"); got != "/old" {
		t.Errorf("after deploy, the old file: %q", got)
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "file", "x")
	tests := []struct {
		cfg  ext.Config
		want string
	}{
		{ext.Config{Root: dir, Ext: []string{}}, `ext: Config.Ext: must list at least one extension (nil means .html)`},
		{ext.Config{Root: dir, Ext: []string{"html"}}, `ext: Config.Ext: "html": want an extension such as ".html"`},
		{ext.Config{Root: dir, Ext: []string{"."}}, `ext: Config.Ext: ".": want an extension such as ".html"`},
		{ext.Config{Root: dir, Ext: []string{".a/b"}}, `ext: Config.Ext: ".a/b": want an extension such as ".html"`},
	}
	for _, tt := range tests {
		_, err := ext.New(tt.cfg)
		if err == nil || err.Error() != tt.want {
			t.Errorf("got %v, want %s", err, tt.want)
		}
		if !errors.As(err, new(*httpmw.ConfigError)) {
			t.Errorf("%v is not an *httpmw.ConfigError", err)
		}
	}
	for _, root := range []string{filepath.Join(dir, "missing"), filepath.Join(dir, "file")} {
		_, err := ext.New(ext.Config{Root: root})
		if err == nil || !strings.HasPrefix(err.Error(), "ext: Config.Root: ") || !errors.As(err, new(*httpmw.ConfigError)) {
			t.Errorf("Root %s: %v, want an *httpmw.ConfigError naming Config.Root", root, err)
		}
	}
}

func TestClose(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.html", "a")
	e, err := ext.New(ext.Config{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	h := e.Middleware(httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		io.WriteString(w, r.URL.Path)
		return http.StatusOK, nil
	}))
	e.Close()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/a", nil))
	if w.Body.String() != "/a" {
		t.Errorf("after Close: %q", w.Body.String())
	}
}
