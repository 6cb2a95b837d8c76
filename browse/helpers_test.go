package browse

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/testhttp"
)

// site is a served folder with its parent (where secrets live that must
// never be reachable) and a real HTTP server in front of it.
type site struct {
	parent, root string
	srv          *httptest.Server
	client       *http.Client
}

// writeFile creates root/name (and its folders) holding body.
func writeFile(t testing.TB, root, name, body string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// newSite makes an empty folder "site" inside a temp parent holding
// "secret.txt", and serves it with cfg (Root is filled in) once files are
// added by fill.
func newSite(t testing.TB, cfg Config, fill func(root string)) *site {
	t.Helper()
	parent := t.TempDir()
	root := filepath.Join(parent, "site")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, parent, "secret.txt", "outside the root")
	if fill != nil {
		fill(root)
	}
	cfg.Root = root
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpmw.ToHTTP(s))
	tr := &http.Transport{DisableCompression: true}
	client := &http.Client{
		Transport: tr,
		Timeout:   30 * time.Second,
		// Redirects are asserted, not followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
		s.Close()
	})
	return &site{parent: parent, root: root, srv: srv, client: client}
}

// get requests path (sent as is) with the given header pairs.
func (s *site) get(t testing.TB, method, path string, header ...string) (*http.Response, string) {
	t.Helper()
	return testhttp.Do(t, s.client.Do, testhttp.NewRequest(t, method, s.srv.URL+path, header...))
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func newRequest(method, path string) *http.Request {
	r := httptest.NewRequest(method, "/", nil)
	r.URL.Path = path // as a server hands it on, decoded and uncleaned
	return r
}

func pathUnescape(s string) (string, error) { return url.PathUnescape(s) }
