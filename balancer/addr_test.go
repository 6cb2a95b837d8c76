package balancer

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestParseAddr(t *testing.T) {
	good := map[string]Addr{
		"127.0.0.1:9000":         {"", "tcp", "127.0.0.1:9000"},
		"backend:80/":            {"", "tcp", "backend:80"},
		"http://10.0.0.1":        {"http", "tcp", "10.0.0.1:80"},
		"HTTPS://api.internal":   {"https", "tcp", "api.internal:443"},
		"https://[::1]":          {"https", "tcp", "[::1]:443"},
		"[::1]:8080":             {"", "tcp", "[::1]:8080"},
		"fastcgi://php:9000":     {"fastcgi", "tcp", "php:9000"},
		"unix:/run/php/fpm.sock": {"", "unix", "/run/php/fpm.sock"},
		"http://unix:/tmp/a b":   {"http", "unix", "/tmp/a b"},
	}
	for in, want := range good {
		got, err := ParseAddr(in)
		if err != nil || got != want {
			t.Errorf("ParseAddr(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "backend", "::1", "http://", "host:0", "host:65536", "host:http",
		"http://host/path", "http://user@host", "1http://x:1", "unix:", "host:+80", "[::1", "[x]:80", "ftp://host"} {
		if a, err := ParseAddr(in); !errors.Is(err, ErrAddr) {
			t.Errorf("ParseAddr(%q) = %+v, %v; want ErrAddr", in, a, err)
		}
	}
}

func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1:9000", "http://h", "https://[::1]", "unix:/x", "h:1/", "[::1]:80", "x://unix:/s", "a:b:c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddr(s)
		if err != nil {
			return
		}
		if a.Network != "tcp" && a.Network != "unix" || a.Address == "" {
			t.Fatalf("ParseAddr(%q) = %+v", s, a)
		}
		// What ParseAddr accepts, it prints in a form it reads back the same.
		b, err := ParseAddr(a.String())
		if err != nil || b != a {
			t.Fatalf("round trip of %q: %+v -> %q -> %+v, %v", s, a, a.String(), b, err)
		}
	})
}

func TestCookieValue(t *testing.T) {
	cases := []struct {
		lines []string
		want  string
		ok    bool
	}{
		{[]string{"lb=abc"}, "abc", true},
		{[]string{"a=1; lb=\"q\"; lb=2"}, "q", true},
		{[]string{"a=1", " lb =x ;b=2"}, "x", true},
		{[]string{"lbx=1; xlb=2"}, "", false},
		{[]string{"lb=a\\b; lb=ok"}, "ok", true},
		{nil, "", false},
	}
	for _, c := range cases {
		got, ok := cookieValue(c.lines, "lb")
		if got != c.want || ok != c.ok {
			t.Errorf("cookieValue(%q) = %q, %v; want %q, %v", c.lines, got, ok, c.want, c.ok)
		}
	}
}

func FuzzCookieValue(f *testing.F) {
	for _, s := range []string{"lb=abc", "a=1; lb=\"q\"", "lb=; lb=2", " lb = x ;", "lb=\"", "lb=a;lb=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		got, ok := cookieValue([]string{line}, "lb")
		if !ok {
			return
		}
		if !strings.Contains(line, got) || !validCookieValue(got) {
			t.Fatalf("cookieValue(%q) = %q, not a valid part of the line", line, got)
		}
		// Where net/http finds a plain value for the name, it is ours.
		r := &http.Request{Header: http.Header{"Cookie": {line}}}
		if c, err := r.Cookie("lb"); err == nil && !c.Quoted && c.Value != got && strings.Count(line, "lb") == 1 {
			t.Fatalf("cookieValue(%q) = %q, net/http says %q", line, got, c.Value)
		}
	})
}

func TestNewNamesTheBadField(t *testing.T) {
	cases := map[string]Config{
		"Config.Upstreams:":              {},
		"Config.Upstreams[1].Addr":       {Upstreams: upstreams("a:1", "nope")},
		"Config.Upstreams[0].Weight":     {Upstreams: []Upstream{{Addr: "a:1", Weight: -1}}},
		"Config.Upstreams[0].MaxConns":   {Upstreams: []Upstream{{Addr: "a:1", MaxConns: -1}}},
		"Config.Policy":                  {Upstreams: upstreams("a:1"), Policy: "fastest"},
		"Config.HashHeader":              {Upstreams: upstreams("a:1"), Policy: PolicyHeader},
		"Config.CookieName":              {Upstreams: upstreams("a:1"), CookieName: "a b"},
		"Config.Active.Path":             {Upstreams: upstreams("a:1"), Active: ActiveCheck{Path: "health"}},
		"Config.Active.Status":           {Upstreams: upstreams("a:1"), Active: ActiveCheck{Status: 2}},
		"Config.Passive.UnhealthyStatus": {Upstreams: upstreams("a:1"), Passive: PassiveCheck{UnhealthyStatus: []int{5}}},
	}
	for field, c := range cases {
		_, err := New(c)
		if err == nil || !strings.HasPrefix(err.Error(), "balancer: "+field) {
			t.Errorf("%s: err = %v", field, err)
		}
	}
}
