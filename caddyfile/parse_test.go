package caddyfile

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func mustParse(t *testing.T, src string) *File {
	t.Helper()
	f, err := Parse("Caddyfile", []byte(src), env(map[string]string{"ROOT": "/srv/www", "PORT": "9000"}))
	if err != nil {
		t.Fatalf("parse:\n%s\nerror: %v", src, err)
	}
	return f
}

func names(ds []Directive) string {
	var s []string
	for _, d := range ds {
		s = append(s, d.Name+"("+strings.Join(d.Args, ",")+")")
	}
	return strings.Join(s, " ")
}

func TestSingleSiteWithoutBraces(t *testing.T) {
	f := mustParse(t, "localhost:8080\n\ngzip\nbrowse\nlog access.log\n")
	if len(f.Sites) != 1 {
		t.Fatalf("%d sites", len(f.Sites))
	}
	s := f.Sites[0]
	if s.Addresses[0] != (Address{Host: "localhost", Port: "8080"}) {
		t.Fatalf("address %+v", s.Addresses[0])
	}
	if got := names(s.Directives); got != "gzip() browse() log(access.log)" {
		t.Fatalf("directives %s", got)
	}
}

func TestSeveralSitesAndAddresses(t *testing.T) {
	f := mustParse(t, `
# two sites
example.com, www.example.com:2015,
  :9090 {
	root /var/www
	gzip
}

https://secure.example.com {
	browse /files
}
`)
	if len(f.Sites) != 2 {
		t.Fatalf("%d sites", len(f.Sites))
	}
	want := []Address{{Host: "example.com", Port: "2015"}, {Host: "www.example.com", Port: "2015"}, {Host: "", Port: "9090"}}
	if !reflect.DeepEqual(f.Sites[0].Addresses, want) {
		t.Fatalf("addresses %+v", f.Sites[0].Addresses)
	}
	if got := names(f.Sites[0].Directives); got != "root(/var/www) gzip()" {
		t.Fatalf("site 1: %s", got)
	}
	if a := f.Sites[1].Addresses[0]; a != (Address{Scheme: "https", Host: "secure.example.com", Port: "443"}) {
		t.Fatalf("site 2 address %+v", a)
	}
	if f.Sites[1].Directives[0].Pos.Line != 10 {
		t.Fatalf("browse at line %d, want 10", f.Sites[1].Directives[0].Pos.Line)
	}
}

func TestOptionBlocksQuotesCommentsEnvContinuation(t *testing.T) {
	f := mustParse(t, `:{$PORT}
root {$ROOT}
proxy /api localhost:8081 \
      localhost:8082 {
	policy round_robin   # spread the load
	header_upstream X-Custom "a value with \"quotes\""
	without /api
}
log / stdout "{remote} - [{when}] \"{method} {uri}\""
`)
	s := f.Sites[0]
	if s.Addresses[0].Port != "9000" {
		t.Fatalf("env port: %+v", s.Addresses[0])
	}
	if s.Directives[0].Args[0] != "/srv/www" {
		t.Fatalf("env root: %v", s.Directives[0].Args)
	}
	proxy := s.Directives[1]
	if proxy.Name != "proxy" || !reflect.DeepEqual(proxy.Args, []string{"/api", "localhost:8081", "localhost:8082"}) {
		t.Fatalf("proxy %+v", proxy)
	}
	wantOpts := []Option{
		{Name: "policy", Args: []string{"round_robin"}},
		{Name: "header_upstream", Args: []string{"X-Custom", `a value with "quotes"`}},
		{Name: "without", Args: []string{"/api"}},
	}
	for i := range proxy.Options {
		if o := proxy.Options[i]; o.written() != o.Name {
			t.Errorf("option %q written as %q", o.Name, o.written())
		}
		proxy.Options[i].Pos, proxy.Options[i].raw = Position{}, ""
	}
	if !reflect.DeepEqual(proxy.Options, wantOpts) {
		t.Fatalf("options %+v", proxy.Options)
	}
	if got := s.Directives[2].Args[2]; got != `{remote} - [{when}] "{method} {uri}"` {
		t.Fatalf("log format %q", got)
	}
}

func TestErrorsPointAtTheToken(t *testing.T) {
	cases := []struct{ src, want string }{
		{"", "Caddyfile:1:1: empty Caddyfile"},
		{"localhost {\n gzip\n", `Caddyfile:2:6: expected "}" to close the block opened at Caddyfile:1:11`},
		{"localhost {\n proxy / a:80 {\n policy random\n}\n", `expected "}" to close the block opened at Caddyfile:1:11`},
		{"localhost {\n gzip { level 9\n }\n}", `Caddyfile:2:9: expected a new line after "{", got "level"`},
		{"localhost {\n }\n}", `Caddyfile:3:1: expected a site address, got "}"`},
		{"ftp://x {\n}", `Caddyfile:1:1: site address "ftp://x": scheme must be http or https`},
		{"localhost:99999", "port must be a number from 0 to 65535"},
		{"localhost {\n root \"/srv\n}", "Caddyfile:2:7: unterminated quoted string"},
		{"a {\n}\nb\ngzip", `Caddyfile:3:1: expected "{" after the site address`},
		{":80 {\n root {$HOME\n}", "unclosed environment placeholder"},
		{"x {\n p {\n  a {\n  }\n }\n}", `Caddyfile:3:5: unexpected "{" in the options of "a"`},
	}
	for _, c := range cases {
		_, err := Parse("Caddyfile", []byte(c.src), env(nil))
		var pe *ParseError
		if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n got  %v\n want ...%s...", c.src, err, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"localhost:8080\ngzip\nbrowse",
		"a.com, b.com {\n proxy / x:1 y:2 {\n  policy random\n }\n}\n",
		":2015 {\n log / stdout \"{common}\"\n}",
		"x {\n root {$R}\n}\\\n",
		"{$NOPE}x:80 {\n root \"{$R}/{$NOPE}\"\n}",
		"\"unterminated",
		"http://[::1]:80 {\n}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		file, err := Parse("fuzz", []byte(src), env(map[string]string{"R": "/r"}))
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Pos.Line < 1 {
				t.Fatalf("error without a position: %v", err)
			}
			return
		}
		for _, s := range file.Sites {
			if len(s.Addresses) == 0 {
				t.Fatal("a site without addresses was accepted")
			}
			for _, a := range s.Addresses {
				if a.Port == "" {
					t.Fatalf("address %+v without port", a)
				}
			}
			for _, d := range s.Directives {
				// A quoted "}" is a word, as in Caddy: the directive
				// "}" is refused later, as unknown.
				if d.Name == "" {
					t.Fatalf("bad directive name %q", d.Name)
				}
			}
		}
	})
}
