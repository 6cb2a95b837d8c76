package reverseproxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"testing"
)

// The client's hop-by-hop fields, those its Connection field names, and its
// forwarding fields never reach the upstream; the upstream's hop-by-hop
// fields never reach the client. No Go User-Agent is added.
func TestHopByHopFieldsStayOnTheirHop(t *testing.T) {
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "X-Up-Private")
		w.Header().Set("X-Up-Private", "secret")
		w.Header().Set("Keep-Alive", "timeout=5")
		w.Header().Set("X-Up-Public", "ok")
		echo("a").ServeHTTP(w, r)
	}))
	srv, _, _ := front(t, Config{Balancer: one(up.Addr)})
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req.Header.Set("Connection", "X-Client-Private, keep-alive")
	req.Header.Set("X-Client-Private", "token")
	req.Header.Set("Proxy-Authorization", "Basic c2VjcmV0")
	req.Header.Set("Forwarded", "for=6.6.6.6")
	req.Header.Set("Te", "trailers, deflate")
	req.Header.Set("X-Client-Public", "kept")
	req.Header["User-Agent"] = nil // sent without one
	res, body := get(t, req)
	s := seenBy(t, body)
	for _, k := range []string{"X-Client-Private", "Proxy-Authorization", "Forwarded", "Connection"} {
		if v, ok := s.Header[k]; ok {
			t.Errorf("upstream got %s: %q", k, v)
		}
	}
	if got := s.Header.Get("Te"); got != "trailers" {
		t.Errorf("upstream got Te %q, want only trailers", got)
	}
	if got := s.Header.Get("X-Client-Public"); got != "kept" {
		t.Errorf("upstream got X-Client-Public %q", got)
	}
	if ua, ok := s.Header["User-Agent"]; ok {
		t.Errorf("upstream got User-Agent %q, want none", ua)
	}
	if v := res.Header.Get("X-Up-Private"); v != "" {
		t.Errorf("client got X-Up-Private %q", v)
	}
	if v := res.Header.Get("Keep-Alive"); v != "" {
		t.Errorf("client got Keep-Alive %q", v)
	}
	if v := res.Header.Get("X-Up-Public"); v != "ok" {
		t.Errorf("client got X-Up-Public %q", v)
	}
}

// A query that net/url splits differently from a naive reader (";" as a
// separator, a bad escape) goes up re-encoded, as httputil sends it, so
// that the upstream reads the parameters the proxy's filters saw.
func TestUnparsableQueryReencoded(t *testing.T) {
	up := startUpstream(t, echo("a"))
	srv, _, _ := front(t, Config{Balancer: one(up.Addr)})
	for raw, want := range map[string]string{
		"a=1&b=2":             "a=1&b=2",
		"a=1;admin=true":      "",
		"a=%zz&b=2":           "b=2",
		"user=x%3By&id=%41bc": "user=x%3By&id=%41bc",
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/?"+raw, nil)
		_, body := get(t, req)
		if got := seenBy(t, body).RawQuery; got != want {
			t.Errorf("query %q went up as %q, want %q", raw, got, want)
		}
	}
}

// A 103 Early Hints from the upstream reaches the client before the final
// answer, with its own header.
func TestEarlyHintsPassedOn(t *testing.T) {
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Link")
		io.WriteString(w, "final")
	}))
	srv, _, _ := front(t, Config{Balancer: one(up.Addr)})
	var hints []string
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		hints = append(hints, h.Get("Link"))
		return nil
	}}
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	res, body := get(t, req)
	if len(hints) != 1 || hints[0] != "</style.css>; rel=preload" {
		t.Errorf("1xx headers seen by the client: %q", hints)
	}
	if res.StatusCode != 200 || body != "final" || res.Header.Get("Link") != "" {
		t.Errorf("final answer %d %q, Link %q", res.StatusCode, body, res.Header.Get("Link"))
	}
}

// Trailers the upstream declares reach the client as trailers.
func TestTrailersPassedOn(t *testing.T) {
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Checksum")
		io.WriteString(w, "body")
		w.Header().Set("X-Checksum", "abc123")
	}))
	srv, _, _ := front(t, Config{Balancer: one(up.Addr)})
	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || string(body) != "body" {
		t.Fatalf("body %q, %v", body, err)
	}
	if got := res.Trailer.Get("X-Checksum"); got != "abc123" {
		t.Errorf("trailer X-Checksum = %q, want abc123", got)
	}
}

// An upstream that answers 101 to a request that asked for no upgrade is
// broken: the client gets 502, not a switched connection.
func TestUnaskedSwitchingProtocolsIs502(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: evil\r\n\r\nraw bytes")
	}()
	t.Cleanup(func() { l.Close(); <-done })
	srv, _, rep := front(t, Config{Balancer: one(l.Addr().String())})
	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusBadGateway || strings.Contains(string(body), "raw bytes") {
		t.Errorf("got %d %q, want 502 without the upstream's bytes", res.StatusCode, body)
	}
	if all := rep.all(); len(all) != 1 || all[0].status != http.StatusBadGateway {
		t.Errorf("reported %v", all)
	}
}
