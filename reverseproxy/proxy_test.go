package reverseproxy

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/httpmw/httpmw/balancer"
	"github.com/httpmw/httpmw/internal/testhttp"
)

// echo answers with what it received, as JSON.
type seen struct {
	Method, Host, Path, RawQuery, Body string
	Header                             http.Header
}

func echo(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Upstream", name)
		w.Header().Set("Server", "upstream/1.0")
		json.NewEncoder(w).Encode(seen{r.Method, r.Host, r.URL.Path, r.URL.RawQuery, string(body), r.Header})
	})
}

func get(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	return testhttp.Do(t, http.DefaultClient.Do, req)
}

func seenBy(t *testing.T, body string) seen {
	t.Helper()
	var s seen
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatalf("upstream answer %q: %v", body, err)
	}
	return s
}

func one(addr string) balancer.Config {
	return balancer.Config{Upstreams: []balancer.Upstream{{Addr: addr}}}
}

func TestPathWithoutExceptAndHost(t *testing.T) {
	up := startUpstream(t, echo("a"))
	srv, _, _ := front(t, Config{Path: "/api", Without: "/api", Except: []string{"/api/static"}, Balancer: one(up.Addr)})

	req, _ := http.NewRequest("GET", srv.URL+"/api/users/7?x=1", nil)
	req.Host = "shop.example"
	res, body := get(t, req)
	s := seenBy(t, body)
	if res.StatusCode != 200 || s.Path != "/users/7" || s.RawQuery != "x=1" || s.Host != "shop.example" {
		t.Fatalf("proxied %d %+v", res.StatusCode, s)
	}
	if res.Header.Get("X-Upstream") != "a" {
		t.Fatalf("response headers not passed down: %v", res.Header)
	}
	for _, path := range []string{"/api/static/app.js", "/apiary", "/"} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if _, body := get(t, req); body != "next" {
			t.Errorf("%s: got %q, want it left to next", path, body)
		}
	}
	req, _ = http.NewRequest("GET", srv.URL+"/api", nil)
	if _, body := get(t, req); seenBy(t, body).Path != "/" {
		t.Errorf("/api without /api went up as %q", seenBy(t, body).Path)
	}
}

func TestUpstreamHost(t *testing.T) {
	up := startUpstream(t, echo("a"))
	srv, _, _ := front(t, Config{UpstreamHost: true, Balancer: one("http://" + up.Addr)})
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req.Host = "shop.example"
	if _, body := get(t, req); seenBy(t, body).Host != up.Addr {
		t.Fatalf("Host upstream = %q, want %q", seenBy(t, body).Host, up.Addr)
	}
}

func TestHeaderRulesWithPlaceholders(t *testing.T) {
	up := startUpstream(t, echo("a"))
	srv, _, _ := front(t, Config{
		Balancer: one(up.Addr),
		HeaderUp: []HeaderRule{
			{Name: "X-Real-IP", Value: "{remote}"},
			{Name: "X-Orig", Value: "{method} {host}{uri} via {>User-Agent}"},
			{Op: HeaderAdd, Name: "X-Tag", Value: "two"},
			{Op: HeaderDelete, Name: "X-Secret"},
			{Name: "Host", Value: "internal.{hostonly}"},
		},
		HeaderDown: []HeaderRule{
			{Op: HeaderDelete, Name: "Server"},
			{Name: "X-Served-By", Value: "{<X-Upstream} for {path}"},
		},
	})
	req, _ := http.NewRequest("GET", srv.URL+"/p%0Aq?a=b", nil)
	req.Host = "shop.example:8080"
	req.Header.Set("User-Agent", "tester")
	req.Header.Set("X-Tag", "one")
	req.Header.Set("X-Secret", "hunter2")
	res, body := get(t, req)
	s := seenBy(t, body)
	want := map[string]string{
		"X-Real-Ip": "127.0.0.1",
		"X-Orig":    "GET shop.example:8080/p%0Aq?a=b via tester",
		"X-Tag":     "one,two",
		"X-Secret":  "",
	}
	for k, v := range want {
		if got := strings.Join(s.Header[k], ","); got != v {
			t.Errorf("upstream %s = %q, want %q", k, got, v)
		}
	}
	if s.Host != "internal.shop.example" {
		t.Errorf("Host upstream = %q", s.Host)
	}
	if res.Header.Get("Server") != "" || res.Header.Get("X-Served-By") != "a for /pq" {
		t.Errorf("downstream headers: Server %q, X-Served-By %q", res.Header.Get("Server"), res.Header.Get("X-Served-By"))
	}
}

func TestForwardedHeadersTrustOnlyConfiguredProxies(t *testing.T) {
	up := startUpstream(t, echo("a"))
	spoof := func(srvURL string) seen {
		req, _ := http.NewRequest("GET", srvURL+"/", nil)
		req.Host = "shop.example"
		req.Header.Set("X-Forwarded-For", "6.6.6.6")
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-Host", "evil.example")
		_, body := get(t, req)
		return seenBy(t, body)
	}
	untrusted, _, _ := front(t, Config{Balancer: one(up.Addr), TrustedProxies: []string{"10.0.0.0/8"}})
	s := spoof(untrusted.URL)
	if got := s.Header.Get("X-Forwarded-For"); got != "127.0.0.1" {
		t.Errorf("untrusted client: X-Forwarded-For = %q, want the spoof replaced by 127.0.0.1", got)
	}
	if s.Header.Get("X-Forwarded-Proto") != "http" || s.Header.Get("X-Forwarded-Host") != "shop.example" {
		t.Errorf("untrusted client: proto %q host %q", s.Header.Get("X-Forwarded-Proto"), s.Header.Get("X-Forwarded-Host"))
	}

	trusted, _, _ := front(t, Config{Balancer: one(up.Addr), TrustedProxies: []string{"127.0.0.1"}})
	s = spoof(trusted.URL)
	if got := s.Header.Get("X-Forwarded-For"); got != "6.6.6.6, 127.0.0.1" {
		t.Errorf("trusted peer: X-Forwarded-For = %q", got)
	}
	if s.Header.Get("X-Forwarded-Proto") != "https" || s.Header.Get("X-Forwarded-Host") != "evil.example" {
		t.Errorf("trusted peer: proto %q host %q", s.Header.Get("X-Forwarded-Proto"), s.Header.Get("X-Forwarded-Host"))
	}
}

func TestBodyLimit(t *testing.T) {
	up := startUpstream(t, echo("a"))
	srv, _, rep := front(t, Config{Balancer: one(up.Addr), MaxBodyBytes: 10})

	res, err := http.Post(srv.URL+"/", "text/plain", strings.NewReader("small"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("small body: %d", res.StatusCode)
	}
	res, err = http.Post(srv.URL+"/", "text/plain", strings.NewReader(strings.Repeat("x", 11)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("Content-Length over the limit: %d, want 413", res.StatusCode)
	}
	// Chunked: the limit trips while streaming.
	res, err = http.Post(srv.URL+"/", "text/plain", io.MultiReader(strings.NewReader(strings.Repeat("x", 8)), strings.NewReader(strings.Repeat("y", 8))))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked body over the limit: %d, want 413", res.StatusCode)
	}
	for _, r := range rep.all() {
		if !errors.Is(r.err, ErrBodyTooLarge) {
			t.Errorf("reported %d %v, want ErrBodyTooLarge", r.status, r.err)
		}
	}
}

func TestStickyCookie(t *testing.T) {
	a, b := startUpstream(t, echo("a")), startUpstream(t, echo("b"))
	srv, _, _ := front(t, Config{Balancer: balancer.Config{
		Upstreams: []balancer.Upstream{{Addr: a.Addr}, {Addr: b.Addr}},
		Policy:    balancer.PolicyCookie,
	}})
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	res, _ := get(t, req)
	first := res.Header.Get("X-Upstream")
	cookies := res.Cookies()
	if len(cookies) != 1 || strings.Contains(cookies[0].Value, "127.0.0.1") {
		t.Fatalf("cookies = %v", cookies)
	}
	for range 10 {
		req, _ := http.NewRequest("GET", srv.URL+"/", nil)
		req.AddCookie(cookies[0])
		res, _ := get(t, req)
		if res.Header.Get("X-Upstream") != first || len(res.Cookies()) != 0 {
			t.Fatalf("sticky request went to %s (first %s), cookies %v", res.Header.Get("X-Upstream"), first, res.Cookies())
		}
	}
}

func TestUnixSocketUpstream(t *testing.T) {
	sock := t.TempDir() + "/up.sock"
	startUpstreamOn(t, "unix", sock, echo("unix"))
	srv, _, _ := front(t, Config{Balancer: one("unix:" + sock)})
	req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
	res, body := get(t, req)
	if res.Header.Get("X-Upstream") != "unix" || seenBy(t, body).Path != "/x" {
		t.Fatalf("unix upstream: %v %s", res.Header, body)
	}
}

func TestHTTPSUpstreamWithPrivateCA(t *testing.T) {
	up := httptest.NewTLSServer(echo("tls"))
	defer up.Close()
	roots := up.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	srv, _, _ := front(t, Config{Balancer: one("https://" + up.Listener.Addr().String()), TLS: tlsRoots(roots)})
	req, _ := http.NewRequest("GET", srv.URL+"/secure", nil)
	res, body := get(t, req)
	if res.StatusCode != 200 || res.Header.Get("X-Upstream") != "tls" {
		t.Fatalf("https upstream: %d %s", res.StatusCode, body)
	}
	// Without the CA the upstream is not trusted: 502, nothing leaked.
	bad, _, _ := front(t, Config{Balancer: one("https://" + up.Listener.Addr().String())})
	req, _ = http.NewRequest("GET", bad.URL+"/secure", nil)
	res, body = get(t, req)
	if res.StatusCode != http.StatusBadGateway || strings.Contains(body, "127.0.0.1") || strings.Contains(body, "x509") {
		t.Fatalf("untrusted upstream: %d %q", res.StatusCode, body)
	}
}

func TestNewNamesTheBadField(t *testing.T) {
	ok := one("127.0.0.1:1")
	cases := map[string]Config{
		"Config.Balancer.Upstreams:":    {},
		"Config.Balancer.Upstreams[0]":  {Balancer: one("fastcgi://127.0.0.1:9000")},
		"Config.Path":                   {Balancer: ok, Path: "api"},
		"Config.Without":                {Balancer: ok, Without: "api"},
		"Config.Except[0]":              {Balancer: ok, Except: []string{""}},
		"Config.TrustedProxies":         {Balancer: ok, TrustedProxies: []string{"10.0.0.0/33"}},
		"Config.MaxBodyBytes":           {Balancer: ok, MaxBodyBytes: -1},
		"Config.Timeout":                {Balancer: ok, Timeout: -1},
		"Config.HeaderUp[0].Name":       {Balancer: ok, HeaderUp: []HeaderRule{{Name: "Bad Name"}}},
		"Config.HeaderUp[0].Value":      {Balancer: ok, HeaderUp: []HeaderRule{{Name: "X", Value: "{upstream}"}}},
		"Config.HeaderDown[0].Value":    {Balancer: ok, HeaderDown: []HeaderRule{{Name: "X", Value: "{nope}"}}},
		"Config.Balancer: balancer: Co": {Balancer: balancer.Config{Upstreams: ok.Upstreams, Policy: "nope"}},
	}
	for field, c := range cases {
		p, err := New(c)
		if err == nil {
			p.Close()
		}
		if err == nil || !strings.HasPrefix(err.Error(), "reverseproxy: "+field) {
			t.Errorf("%s: err = %v", field, err)
		}
	}
}

// A caller's Transport dials whatever upstream the context names, as
// Config.Transport's comment promises it can.
func TestCustomTransportFindsUnixUpstreamInContext(t *testing.T) {
	sock := t.TempDir() + "/up.sock"
	startUpstreamOn(t, "unix", sock, echo("unix"))
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		h := balancer.HostFromContext(ctx)
		if h == nil {
			return nil, errors.New("no upstream in the context")
		}
		var d net.Dialer
		return d.DialContext(ctx, h.Addr().Network, h.Addr().Address)
	}}
	defer tr.CloseIdleConnections()
	srv, _, _ := front(t, Config{Balancer: one("unix:" + sock), Transport: tr})
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	if res, body := get(t, req); res.Header.Get("X-Upstream") != "unix" {
		t.Fatalf("through a custom transport: %d %s", res.StatusCode, body)
	}
}

// A Host rule decides even when it renders the client's own Host, as
// Caddy's transparent preset ("Host {host}") does: UpstreamHost gives way.
func TestHostRuleWinsOverUpstreamHost(t *testing.T) {
	up := startUpstream(t, echo("a"))
	for _, value := range []string{"{host}", "shop.example", "internal.example"} {
		srv, _, _ := front(t, Config{
			UpstreamHost: true,
			Balancer:     one("http://" + up.Addr),
			HeaderUp:     []HeaderRule{{Name: "Host", Value: value}},
		})
		req, _ := http.NewRequest("GET", srv.URL+"/", nil)
		req.Host = "shop.example"
		want := strings.ReplaceAll(value, "{host}", "shop.example")
		if _, body := get(t, req); seenBy(t, body).Host != want {
			t.Errorf("rule Host %q: upstream saw Host %q, want %q", value, seenBy(t, body).Host, want)
		}
	}
	// A rule deleting Host decides nothing: UpstreamHost still applies.
	srv, _, _ := front(t, Config{
		UpstreamHost: true,
		Balancer:     one("http://" + up.Addr),
		HeaderUp:     []HeaderRule{{Op: HeaderDelete, Name: "Host"}},
	})
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req.Host = "shop.example"
	if _, body := get(t, req); seenBy(t, body).Host != up.Addr {
		t.Errorf("rule -Host: upstream saw Host %q, want %q", seenBy(t, body).Host, up.Addr)
	}
}
