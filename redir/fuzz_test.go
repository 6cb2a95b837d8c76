package redir_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/redir"
)

// FuzzTarget expands To templates over arbitrary request data: no panic,
// and a To that does not name a host never leads off the requested host.
func FuzzTarget(f *testing.F) {
	for _, seed := range []struct{ to, path, query string }{
		{"{path}/", "//evil.example", ""},
		{"{query}", "/go", "https://evil.example"},
		{"{query}", "/go", "javascript:alert(1)"},
		{"/x{uri}", "/a", "b=c"},
		{"{uri}", "/\\evil.example", ""},
		{"https://{host}{uri}", "/a", ""},
		{"e{query}", "/", "vil:x"},
		{"{path}{query}", "/", "/\\x"},
	} {
		f.Add(seed.to, seed.path, seed.query)
	}
	f.Fuzz(func(t *testing.T, to, path, query string) {
		rd, err := redir.New(redir.Config{Rules: []redir.Rule{{From: "/", To: to, Code: 302}}})
		if err != nil {
			return
		}
		r := httptest.NewRequest("GET", "http://site.test/", nil)
		r.URL.Path, r.URL.RawPath, r.URL.RawQuery = path, "", query
		w := httptest.NewRecorder()
		status, _ := rd.Middleware(httpmw.HandlerFunc(func(http.ResponseWriter, *http.Request) (int, error) {
			return http.StatusTeapot, nil
		})).ServeHTTP(w, r)
		if status != 302 || w.Code != 302 {
			t.Fatalf("status %d/%d", status, w.Code)
		}
		loc := w.Header().Get("Location")
		if namesHost(to) {
			return
		}
		host, ok := browserHost("http://site.test/a/b", loc)
		if ok && host != "site.test" {
			t.Fatalf("To %q, path %q, query %q: Location %q leads to %q", to, path, query, loc, host)
		}
	})
}

// namesHost is the test's own reading of "the config wrote a host".
func namesHost(to string) bool {
	if strings.HasPrefix(to, "//") || strings.HasPrefix(to, "{scheme}:") {
		return true
	}
	i := strings.IndexByte(to, ':')
	if i <= 0 {
		return false
	}
	u, err := url.Parse(to[:i+1])
	return err == nil && u.Scheme != "" && !strings.ContainsAny(to[:i], "{}/?#")
}
