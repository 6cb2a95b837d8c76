package rewrite

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/httpmw/httpmw"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule Rule
		want string
	}{
		{"neither", Rule{To: "/x"}, "rewrite: Config.Rules[0].From: a rule needs From"},
		{"both", Rule{From: "/a", Regexp: "a", To: "/x"}, "rewrite: Config.Rules[0].From: a rule is simple"},
		{"relative from", Rule{From: "a", To: "/x"}, "rewrite: Config.Rules[0].From: \"a\": must start with /"},
		{"base on simple", Rule{From: "/a", Base: "/b", To: "/x"}, "rewrite: Config.Rules[0].From: Base and Ext"},
		{"bad regexp", Rule{Regexp: "(", To: "/x"}, "rewrite: Config.Rules[0].Regexp: error parsing regexp"},
		{"relative base", Rule{Base: "blog", Regexp: ".", To: "/x"}, "rewrite: Config.Rules[0].Base: "},
		{"bad ext", Rule{Regexp: ".", Ext: []string{"html"}, To: "/x"}, "rewrite: Config.Rules[0].Ext: \"html\""},
		{"bad negated ext", Rule{Regexp: ".", Ext: []string{"!"}, To: "/x"}, "rewrite: Config.Rules[0].Ext: \"!\""},
		{"empty to", Rule{From: "/a"}, "rewrite: Config.Rules[0].To: must not be empty"},
		{"unknown placeholder", Rule{From: "/a", To: "/{host}"}, "rewrite: Config.Rules[0].To: {host}: unknown placeholder"},
		{"unclosed", Rule{From: "/a", To: "/{path"}, "rewrite: Config.Rules[0].To: \"/{path\": unclosed {"},
		{"group in simple", Rule{From: "/a", To: "/{1}"}, "rewrite: Config.Rules[0].To: {1}: only a regexp rule has groups"},
		{"group out of range", Rule{Regexp: "(a)", To: "/{2}"}, "rewrite: Config.Rules[0].To: {2}: the regexp has 1 group(s)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Config{Rules: []Rule{tc.rule}})
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
}

// seen is a handler that answers with the URL it was given.
var seen = httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
	w.Write([]byte(r.URL.RequestURI()))
	return http.StatusOK, nil
})

func TestRewrite(t *testing.T) {
	rules := []Rule{
		{From: "/from", To: "/to"},
		{From: "/a", To: "/b"},
		{From: "/up", To: "/../../etc/passwd"},
		{From: "/withquery", To: "/b?x=1"},
		{From: "/keep", To: "/b?{query}&added=1"},
		{Base: "/reg/", Regexp: ".*", To: "/to"},
		{Base: "/r/", Regexp: "[a-z]+", Ext: []string{"!.html"}, To: "/toaz"},
		{Base: "/url/", Regexp: "a([a-z0-9]*)s([A-Z]{2})", To: "/to/{path}"},
		{Base: "/ab/", Regexp: "ab", Ext: []string{".txt"}, To: "/ab?{query}"},
		{Base: "/ab/", Regexp: "ab", Ext: []string{".html"}, To: "/ab?type=html&{query}"},
		{Base: "/abcd/", Regexp: "ab", Ext: []string{".html"}, To: "/a/{dir}/{file}"},
		{Base: "/ext", Regexp: ".", Ext: []string{"/"}, To: "/noext{path}"},
		{Base: "/blog", Regexp: `^/(\d{4})/([^/]+)$`, To: "/posts/{1}-{2}.md"},
		{Base: "/group", Regexp: `^/(.*)$`, To: "/{1}"},
		{Base: "/php", Regexp: `.*`, To: "/index.php?_url={path}&{query}"},
		{Base: "/uri", Regexp: `.*`, To: "/u{uri}"},
		{Base: "/quri", Regexp: `.*`, To: "/q?from={uri}"},
		{Base: "/files", Regexp: `^/(.*)\.(\w+)$`, To: "/by-ext/{2}/{1}{ext}"},
		{Base: "/slash", Regexp: `.*`, To: "/dir/"},
	}
	rw, err := New(Config{Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	h := rw.Middleware(seen)
	for _, tc := range []struct{ from, want string }{
		{"/from", "/to"},
		{"/a", "/b"},
		{"/aa", "/aa"},
		{"/", "/"},
		{"/a?foo=bar", "/b?foo=bar"},
		{"/asdf?foo=bar", "/asdf?foo=bar"},
		{"/up", "/etc/passwd"},
		{"/withquery?old=1", "/b?x=1"},
		{"/keep?old=1", "/b?old=1&added=1"},
		{"/reg/foo", "/to"},
		{"/re", "/re"},
		{"/regfoo", "/regfoo"},
		{"/r/", "/r/"},
		{"/r/123", "/r/123"},
		{"/r/a123", "/toaz"},
		{"/r/z.html", "/r/z.html"},
		{"/r/z.js", "/toaz"},
		{"/url/asAB", "/to/url/asAB"},
		{"/url/aBsAB", "/url/aBsAB"},
		{"/ab/aa", "/ab/aa"},
		{"/ab/ab", "/ab/ab"},
		{"/ab/ab.txt", "/ab"},
		{"/ab/ab.txt?name=name", "/ab?name=name"},
		{"/ab/ab.html?name=name", "/ab?type=html&name=name"},
		{"/abcd/abcd.html", "/a/abcd/abcd.html"},
		{"/ext/plain", "/noext/ext/plain"},
		{"/ext/x.css", "/ext/x.css"},
		{"/blog/2015/hello", "/posts/2015-hello.md"},
		{"/blog/2015/hello/x", "/blog/2015/hello/x"},
		{"/group/..%2f..%2fetc/passwd", "/group/..%2f..%2fetc/passwd"}, // cleans to /etc/passwd: not under /group
		{"/group/x/..%2fy", "/y"},
		{"/group/a%20b", "/a%20b"},
		{"/php/a%20b%26c?x=1", "/index.php?_url=%2Fphp%2Fa+b%26c&x=1"},
		{"/uri/x?y=1", "/u/uri/x?y=1"},
		{"/quri/x?y=1", "/q?from=%2Fquri%2Fx%3Fy%3D1"},
		{"/files/a/b.tar", "/by-ext/tar/a/b.tar"},
		{"/slash/x", "/dir/"},
		{"//reg//x", "/to"},
	} {
		t.Run(tc.from, func(t *testing.T) {
			w := httptest.NewRecorder()
			r := httptest.NewRequest("GET", "http://example.com"+tc.from, nil)
			h.ServeHTTP(w, r)
			if got := w.Body.String(); got != tc.want {
				t.Errorf("%s rewritten to %s, want %s", tc.from, got, tc.want)
			}
		})
	}
}

func TestFirstRuleWins(t *testing.T) {
	rw, err := New(Config{Rules: []Rule{
		{Regexp: "^/x", To: "/first"},
		{From: "/x", To: "/second"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	rw.Middleware(seen).ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
	if w.Body.String() != "/first" {
		t.Fatalf("got %s, want /first", w.Body.String())
	}
}

// The handlers above the rewrite, and Request.RequestURI everywhere, keep
// what the client sent.
func TestOriginalKept(t *testing.T) {
	rw, err := New(Config{Rules: []Rule{{From: "/old", To: "/new?b=2"}}})
	if err != nil {
		t.Fatal(err)
	}
	var inner *http.Request
	h := rw.Middleware(httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		inner = r
		return http.StatusNoContent, nil
	}))
	r := httptest.NewRequest("GET", "/old?a=1", nil)
	h.ServeHTTP(httptest.NewRecorder(), r)
	if r.URL.Path != "/old" || r.URL.RawQuery != "a=1" || r.RequestURI != "/old?a=1" {
		t.Errorf("outer request changed: %s %s", r.URL, r.RequestURI)
	}
	if inner.URL.Path != "/new" || inner.URL.RawQuery != "b=2" || inner.RequestURI != "/old?a=1" {
		t.Errorf("inner request: %s, RequestURI %s", inner.URL, inner.RequestURI)
	}
}

// Placeholders copy the cleaned path: a request cannot climb out of the
// folder a To puts it in.
func TestPlaceholdersConfined(t *testing.T) {
	rw, err := New(Config{Rules: []Rule{{Regexp: ".*", To: "/public{path}"}}})
	if err != nil {
		t.Fatal(err)
	}
	for from, want := range map[string]string{
		"/a/../../etc/passwd":       "/public/etc/passwd",
		"/..%2f..%2fetc%2fpasswd":   "/public/etc/passwd",
		"/%2e%2e/%2e%2e/etc/passwd": "/public/etc/passwd",
		"/ok/":                      "/public/ok/",
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.Path, _ = url.PathUnescape(from)
		rw.Middleware(seen).ServeHTTP(w, r)
		if got := w.Body.String(); got != want {
			t.Errorf("%s rewritten to %s, want %s", from, got, want)
		}
	}
}
