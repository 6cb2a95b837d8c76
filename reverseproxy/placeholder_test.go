package reverseproxy

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/httpmw/httpmw/internal/clientip"
)

func TestTemplates(t *testing.T) {
	r := httptest.NewRequest("GET", "http://shop.example:8080/a/b?q=1", nil)
	r.RemoteAddr = "192.0.2.7:5555"
	r.Header.Set("X-Id", "42")
	res := &http.Response{Header: http.Header{"Etag": {`"v1"`}}}
	f := &fill{req: r, res: res, upstream: "10.0.0.1:80"}
	cases := map[string]string{
		"plain":                         "plain",
		"{host}|{hostonly}|{method}":    "shop.example:8080|shop.example|GET",
		"{uri} {path} {query} {scheme}": "http://shop.example:8080/a/b?q=1 /a/b q=1 http",
		"{remote}:{remote_port}":        "192.0.2.7:5555",
		"id={>x-id} etag={<ETag}":       `id=42 etag="v1"`,
		"{upstream} {proto}":            "10.0.0.1:80 HTTP/1.1",
		"{{host}":                       "{shop.example:8080",
		"open { brace":                  "open { brace",
		"{>Missing}":                    "",
	}
	for in, want := range cases {
		tpl, err := compileTemplate(in, true)
		if err != nil {
			t.Errorf("compile %q: %v", in, err)
			continue
		}
		if got := tpl.render(f); got != want {
			t.Errorf("render %q = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"{nope}", "{}", "{>bad name}", "{<}"} {
		if _, err := compileTemplate(bad, true); err == nil {
			t.Errorf("compile %q: no error", bad)
		}
	}
	if _, err := compileTemplate("{<Etag}", false); err == nil {
		t.Error("a response header accepted in a request rule")
	}
}

func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"plain", "{host}{uri}", "a{>X-Id}b{<Etag}c", "{", "}{", "{{}}", "{>}", "x{path}\x00"} {
		f.Add(s, "/p%0Aq")
	}
	f.Fuzz(func(t *testing.T, s, path string) {
		tpl, err := compileTemplate(s, true)
		if err != nil {
			return
		}
		if !strings.Contains(s, "{") && tpl.render(nil) != s {
			t.Fatalf("literal %q rendered differently", s)
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.Path = path
		r.Header.Set("X-Id", path)
		got := tpl.render(&fill{req: r, res: &http.Response{Header: http.Header{"Etag": {path}}}})
		if strings.Contains(s, "{") && strings.ContainsAny(got, "\r\n\x00") && !strings.ContainsAny(s, "\r\n\x00") {
			t.Fatalf("placeholders brought control characters into %q", got)
		}
	})
}

func FuzzStripPrefix(f *testing.F) {
	for _, s := range []string{"/api/users", "/api", "/apiary", "/", ""} {
		f.Add(s, "/api")
	}
	f.Fuzz(func(t *testing.T, path, prefix string) {
		got := stripPrefix(path, prefix)
		if got != path && (!strings.HasPrefix(got, "/") || !strings.HasSuffix(path, strings.TrimPrefix(got, "/"))) {
			t.Fatalf("stripPrefix(%q, %q) = %q", path, prefix, got)
		}
	})
}

func TestTrusts(t *testing.T) {
	var p Proxy
	var err error
	if p.trusted, _, err = clientip.ParseTrusted([]string{"10.0.0.0/8", "::1", "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{
		"10.1.2.3:80": true, "[::1]:443": true, "192.0.2.1:1": true, "[::ffff:10.0.0.1]:5": true,
		"192.0.2.2:1": false, "11.0.0.1:80": false, "garbage": false, "": false,
	} {
		if got := p.trusts(addr); got != want {
			t.Errorf("trusts(%q) = %v", addr, got)
		}
	}
}
