package rewrite

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/testhttp"
)

// Through a real server: curl's request is rewritten for the handler
// below, while the handler above still sees the path curl sent.
func TestThroughServerWithCurl(t *testing.T) {
	rw, err := New(Config{Rules: []Rule{
		{From: "/old", To: "/new?from=old"},
		{Base: "/docs", Regexp: `^/(.+)$`, Ext: []string{"/"}, To: "/docs/{1}.html"},
		{Base: "/dl", Regexp: `^/(.*)$`, To: "/files/{1}"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	app := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		w.Header().Set("X-Served-Path", r.URL.Path)
		w.Header().Set("X-Served-Query", r.URL.RawQuery)
		w.Header().Set("X-Request-URI", r.RequestURI)
		return http.StatusOK, nil
	})
	outer := func(next httpmw.Handler) httpmw.Handler {
		return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
			status, err := next.ServeHTTP(w, r)
			// Written already; the trailer-free way to show the outer view
			// is the body.
			w.Write([]byte("outer saw " + r.URL.Path + "\n"))
			return status, err
		})
	}
	srv := httptest.NewServer(httpmw.ToHTTP(outer(rw.Middleware(app))))
	defer srv.Close()

	for _, tc := range []struct {
		path               string
		served, query, uri string
	}{
		{"/old?x=1", "/new", "from=old", "/old?x=1"},
		{"/docs/install", "/docs/install.html", "", "/docs/install"},
		{"/docs/logo.png", "/docs/logo.png", "", "/docs/logo.png"},
		{"/dl//a/./b", "/files/a/b", "", "/dl//a/./b"},
		{"/dl/x/%2e%2e/y", "/files/y", "", "/dl/x/%2e%2e/y"},
		// Cleaned, this is /etc/passwd, outside /dl: no rule applies, and
		// the handler below gets it as it came (a file server confines it).
		{"/dl/x/..%2f..%2f..%2fetc%2fpasswd", "/dl/x/../../../etc/passwd", "", "/dl/x/..%2f..%2f..%2fetc%2fpasswd"},
	} {
		out := testhttp.Curl(t, "-i", "--path-as-is", srv.URL+tc.path)
		want := []string{
			"HTTP/1.1 200 OK\n",
			"\nX-Served-Path: " + tc.served + "\n",
			"\nX-Request-Uri: " + tc.uri + "\n",
			"\n\nouter saw ",
		}
		if tc.query != "" {
			want = append(want, "\nX-Served-Query: "+tc.query+"\n")
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: response lacks %q:\n%s", tc.path, w, out)
			}
		}
	}
}
