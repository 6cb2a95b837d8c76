package server

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// FuzzOutgoingRequest feeds raw public request heads through net/http's
// parser and our rewrite (hop-by-hop removal, X-Forwarded-*), then parses
// what the local service would receive. The rewrite must always produce
// one well-formed request with our X-Forwarded-Proto, and never pass on a
// header that the public Connection header named.
func FuzzOutgoingRequest(f *testing.F) {
	for _, seed := range []string{
		"GET / HTTP/1.1\r\nHost: a.example.test\r\n\r\n",
		"GET /x?y=1 HTTP/1.1\r\nHost: a.example.test:8080\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc",
		"GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
		"GET / HTTP/1.0\r\nHost: a\r\nX-Forwarded-Proto: https\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			return
		}
		if r.ProtoMajor != 1 || !serverAcceptsHost(r.Host) {
			return // net/http's server answers 400 before any handler runs
		}
		r.RemoteAddr = "192.0.2.1:1234"
		named := map[string]bool{}
		for _, v := range r.Header["Connection"] {
			for _, n := range strings.Split(v, ",") {
				named[http.CanonicalHeaderKey(strings.TrimSpace(n))] = true
			}
		}
		out := outgoing(r, "http")
		var buf bytes.Buffer
		if err := out.Write(&buf); err != nil {
			return // a body that fails to read; nothing was sent
		}
		got, err := http.ReadRequest(bufio.NewReader(&buf))
		if err != nil {
			t.Fatalf("local service cannot parse our request: %v\n%q", err, buf.String())
		}
		if v := got.Header.Values("X-Forwarded-Proto"); len(v) != 1 || v[0] != "http" {
			t.Fatalf("X-Forwarded-Proto = %q", v)
		}
		if xff := got.Header.Get("X-Forwarded-For"); !strings.HasSuffix(xff, "192.0.2.1") {
			t.Fatalf("X-Forwarded-For = %q", xff)
		}
		for name := range named {
			switch name {
			case "Upgrade", "Connection", "", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "User-Agent", "Host", "Content-Length", "Transfer-Encoding":
				continue
			}
			if _, ok := got.Header[name]; ok {
				t.Fatalf("header %s named by Connection was forwarded", name)
			}
		}
		if got.Host != r.Host {
			t.Fatalf("Host %q became %q", r.Host, got.Host)
		}
	})
}

// FuzzRoute checks the routing table with arbitrary Host headers and SNI
// names: a match must be a registered tunnel whose host equals the Host
// (with or without port), and names we refuse to register never match.
func FuzzRoute(f *testing.F) {
	srv := &Server{routes: map[string]*tunnel{}, tunnels: map[string]*tunnel{}}
	ctl := &control{done: make(chan struct{})}
	for _, host := range []string{"demo.example.test:8080", "app.other.test", "x.example.test"} {
		if _, err := srv.register(ctl, &tunnel{url: "http://" + host, proto: "http", host: host}); err != nil {
			f.Fatal(err)
		}
	}
	for _, seed := range [][2]string{
		{"demo.example.test:8080", ""}, {"DEMO.example.test", ""}, {"app.other.test:1", ""},
		{"", "x.example.test"}, {"demo.example.test:8080:1", ""}, {"[::1]:80", ""}, {"x.example.test.", "demo.example.test"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, host, sni string) {
		tn := srv.route("http", host, sni)
		if tn == nil {
			if validSubdomain(host) && strings.HasSuffix(host, "example.test") && len(host) > 0 {
				_ = tn // a valid but unregistered name: fine
			}
			return
		}
		h := strings.ToLower(host)
		if host == "" {
			h = strings.ToLower(sni)
		}
		if h != tn.host && hostOnly(h) != hostOnly(tn.host) && hostOnly(h) != tn.host {
			t.Fatalf("Host %q (SNI %q) routed to %s", host, sni, tn.url)
		}
	})
}

// FuzzNames checks that names we accept for subdomains are plain DNS
// labels, so they cannot smuggle a port, a path or another domain into a
// URL.
func FuzzNames(f *testing.F) {
	for _, s := range []string{"demo", "a-b.c", "-x", "x-", "a..b", "A", "a:80", "a/b", "ü", strings.Repeat("a", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !validSubdomain(s) {
			return
		}
		if strings.ContainsAny(s, ":/@?#[] \t\r\n") || strings.ToLower(s) != s || strings.HasPrefix(s, ".") || strings.Contains(s, "..") {
			t.Fatalf("accepted %q", s)
		}
	})
}

// serverAcceptsHost mirrors the Host check of net/http's server
// (httpguts.ValidHostHeader): requests failing it never reach a handler.
func serverAcceptsHost(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!$%&'()*+,-.:;=[]_~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}
