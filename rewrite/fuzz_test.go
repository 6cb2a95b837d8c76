package rewrite

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/httpmw/httpmw"
)

// FuzzRewrite runs arbitrary rules (pattern, base, To) on arbitrary
// requests: nothing panics, and a rewritten path is always rooted and
// clean (a trailing slash aside), so it cannot leave the site.
func FuzzRewrite(f *testing.F) {
	for _, s := range [][5]string{
		{"/", "^/(.*)$", "/{1}", "/x/../../y", "a=1"},
		{"/blog", `^/(\d+)/(.*)`, "/p/{1}/{2}?{query}&x", "/blog/2015/../../etc", ""},
		{"/", ".*", "/{dir}/{file}{ext}?u={uri}&p={path}", "/a/b.c/..", "q=%00"},
		{"/", "(.*)", "{0}/../../../{1}", "//..//..//", ""},
		{"/", "", "?{query}", "/", "x=?y"},
		{"/a", "b", "/{uri}", "/a/b%3F", "c=d"},
		{"/", "^$", "/x", "", ""},
		{"/", "(a)?", "/{1}/{0}/", "/zz/", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4])
	}
	f.Fuzz(func(t *testing.T, base, pattern, to, reqPath, query string) {
		if !strings.HasPrefix(base, "/") {
			base = "/" + base
		}
		for _, rule := range []Rule{
			{Base: base, Regexp: pattern, To: to},
			{From: "/" + strings.TrimPrefix(reqPath, "/"), To: to},
		} {
			rw, err := New(Config{Rules: []Rule{rule}})
			if err != nil {
				continue // a bad pattern or To is refused, not served
			}
			var got *url.URL
			h := rw.Middleware(httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
				got = r.URL
				return http.StatusOK, nil
			}))
			r := httptest.NewRequest("GET", "/", nil)
			r.URL = &url.URL{Path: reqPath, RawQuery: query}
			r.RequestURI = "/original"
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got == r.URL {
				continue // not rewritten: passed on as it came
			}
			p := got.Path
			if !strings.HasPrefix(p, "/") || path.Clean(p) != strings.TrimSuffix(p, "/") && p != "/" {
				t.Fatalf("rule %+v on %q: path %q is not clean and rooted", rule, reqPath, p)
			}
			for _, seg := range strings.Split(p, "/") {
				if seg == ".." || seg == "." {
					t.Fatalf("rule %+v on %q: path %q has a dot segment", rule, reqPath, p)
				}
			}
			_ = got.String()
			if r.URL.Path != reqPath || r.RequestURI != "/original" {
				t.Fatalf("the caller's request changed")
			}
		}
	})
}
