package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testhttp"
	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

func TestGuessLimiterCountsPerAddressBlock(t *testing.T) {
	now := time.Unix(1e9, 0)
	l := newGuessLimiter(2, time.Minute)
	l.now = func() time.Time { return now }

	l.failed("[2001:db8::1]:1000")
	if l.failed("[2001:db8::ffff]:2000") != true {
		t.Fatal("second failure in the same /64 did not block it")
	}
	if !l.blocked("[2001:db8::42]:3000") || l.blocked("[2001:db8:0:1::1]:1000") {
		t.Fatal("the block should cover the /64 and nothing else")
	}
	l.failed("192.0.2.1:1")
	l.failed("[::ffff:192.0.2.1]:2")
	if !l.blocked("192.0.2.1") || l.blocked("192.0.2.2:1") {
		t.Fatal("an IPv4 address and its IPv4-mapped form should count together, alone")
	}
	now = now.Add(time.Minute)
	if l.blocked("192.0.2.1:1") {
		t.Fatal("still blocked after the window")
	}
	if l.failed("not an address") || l.blocked("not an address") {
		t.Fatal("an unparsable address must never block")
	}

	// A flood of addresses stays within maxGuessers.
	for i := range maxGuessers + 500 {
		l.failed(fmt.Sprintf("10.%d.%d.%d:1", i>>16, i>>8&255, i&255))
	}
	if n := len(l.addrs); n > maxGuessers {
		t.Fatalf("%d addresses tracked, bound %d", n, maxGuessers)
	}

	off := newGuessLimiter(0, time.Minute)
	for range 100 {
		off.failed("192.0.2.9:1")
	}
	if off.blocked("192.0.2.9:1") {
		t.Fatal("MaxAuthFailures < 0 must not limit")
	}
}

// dialTunnelFrom is dialTunnel from a chosen loopback address.
func dialTunnelFrom(t *testing.T, srv *Server, ip string) *tls.Conn {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c, err := tls.DialWithDialer(d, "tcp", srv.TunnelAddr().String(), &tls.Config{RootCAs: srv.RootCAs(), ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// authAs sends Auth with token from ip and returns AuthResp.Error.
func authAs(t *testing.T, srv *Server, ip, token string) string {
	t.Helper()
	c := dialTunnelFrom(t, srv, ip)
	if err := wire.Write(c, &wire.Auth{Version: wire.Version, MmVersion: wire.MmVersion, User: token}); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	m, err := wire.Read(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	return m.(*wire.AuthResp).Error
}

// fakeClock stands in for the limiter's clock, so that a window passes
// without a test waiting for it.
type fakeClock struct{ ns atomic.Int64 }

func useFakeClock(srv *Server) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Now().UnixNano())
	srv.guesses.now = func() time.Time { return time.Unix(0, c.ns.Load()) }
	return c
}

func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func TestTokenGuessingIsLimited(t *testing.T) {
	logs := &testhttp.Buffer{}
	srv := newTestServer(t, func(c *Config) {
		c.MaxAuthFailures = 3
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	clock := useFakeClock(srv)
	for i := range 3 {
		if e := authAs(t, srv, "127.0.0.1", fmt.Sprintf("guess-%d", i)); !strings.Contains(e, "unknown token") {
			t.Fatalf("guess %d: AuthResp.Error %q", i, e)
		}
	}
	// Now even the right token is refused from there, unchecked...
	if e := authAs(t, srv, "127.0.0.1", "alice-token"); !strings.Contains(e, "too many failed attempts") {
		t.Fatalf("after 3 failures: AuthResp.Error %q", e)
	}
	// ...while another address is served.
	if e := authAs(t, srv, "127.0.0.2", "alice-token"); e != "" {
		t.Fatalf("another address: AuthResp.Error %q", e)
	}
	st := srv.Stats()
	if st.AuthFailures != 3 || st.AuthBlocked != 1 {
		t.Fatalf("AuthFailures %d, AuthBlocked %d; want 3, 1", st.AuthFailures, st.AuthBlocked)
	}
	if n := strings.Count(logs.String(), "address blocked"); n != 1 {
		t.Fatalf("block logged %d times:\n%s", n, logs)
	}
	if strings.Contains(logs.String(), "guess-") || strings.Contains(logs.String(), "alice-token") {
		t.Fatalf("tokens in the logs:\n%s", logs)
	}
	// The block lifts once the window has passed since the last failure.
	clock.advance(time.Minute)
	if e := authAs(t, srv, "127.0.0.1", "alice-token"); e != "" {
		t.Fatalf("after the window: AuthResp.Error %q", e)
	}
}

// clientFrom is a public HTTP client whose connections come from ip.
func clientFrom(t *testing.T, ip string) *http.Client {
	c := newHTTPClient(t)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
	return c
}

func TestBasicAuthGuessingIsLimited(t *testing.T) {
	srv := newTestServer(t, func(c *Config) { c.MaxAuthFailures = 3 })
	clock := useFakeClock(srv)
	c, _ := connect(t, srv, "alice-token", "", echoServer(t).Listener.Addr().String())
	nt := c.tunnel(&wire.ReqTunnel{ReqId: "a", Protocol: "http", Subdomain: "guarded", HttpAuth: "user:right"})[0]
	as := func(pass string) func(*http.Request) {
		return func(r *http.Request) { r.SetBasicAuth("user", pass) }
	}
	guesser := clientFrom(t, "127.0.0.1")

	// Challenges without credentials, as a browser's first request, do
	// not count.
	for range 5 {
		if code, _ := publicGet(t, guesser, srv, nt.Url, "/", nil); code != 401 {
			t.Fatalf("no credentials: %d, want 401", code)
		}
	}
	if code, _ := publicGet(t, guesser, srv, nt.Url, "/", as("right")); code != 200 {
		t.Fatalf("right credentials after challenges: %d, want 200", code)
	}
	for i := range 3 {
		if code, _ := publicGet(t, guesser, srv, nt.Url, "/", as(fmt.Sprint("wrong", i))); code != 401 {
			t.Fatalf("guess %d: %d, want 401", i, code)
		}
	}
	req, _ := http.NewRequest("GET", "http://"+srv.HTTPAddr().String()+"/", nil)
	req.Host = strings.TrimPrefix(nt.Url, "http://")
	req.SetBasicAuth("user", "right")
	res, err := guesser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "60" {
		t.Fatalf("blocked address: %d, Retry-After %q; want 429, 60", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if code, _ := publicGet(t, clientFrom(t, "127.0.0.2"), srv, nt.Url, "/", as("right")); code != 200 {
		t.Fatalf("another address: %d, want 200", code)
	}
	clock.advance(time.Minute)
	if code, _ := publicGet(t, guesser, srv, nt.Url, "/", as("right")); code != 200 {
		t.Fatalf("after the window: %d, want 200", code)
	}
}
