package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/httpmw/httpmw/internal/testhttp"
	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

func TestBasicAuthOnEveryKeepAliveRequest(t *testing.T) {
	logs := &testhttp.Buffer{}
	srv := newTestServer(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	local := echoServer(t)
	c, _ := connect(t, srv, "alice-token", "", local.Listener.Addr().String())
	nt := c.tunnel(&wire.ReqTunnel{ReqId: "a", Protocol: "http", Subdomain: "secret", HttpAuth: "user:s3cret-pass"})[0]

	// One keep-alive connection for all requests: count the dials.
	var dials atomic.Int32
	dialer := &net.Dialer{}
	client := newHTTPClient(t)
	client.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return dialer.DialContext(ctx, network, addr)
	}
	withAuth := func(u, p string) func(*http.Request) {
		return func(r *http.Request) { r.SetBasicAuth(u, p) }
	}
	steps := []struct {
		edit func(*http.Request)
		want int
	}{
		{withAuth("user", "s3cret-pass"), 200},
		{nil, 401},
		{withAuth("user", "wrong"), 401},
		{withAuth("user", "s3cret-pass"), 200},
		{func(r *http.Request) { r.Header.Set("Authorization", "basic dXNlcjpzM2NyZXQtcGFzcw==") }, 200},
		{withAuth("user", "s3cret-pass-longer"), 401},
	}
	for i, s := range steps {
		code, body := publicGet(t, client, srv, nt.Url, "/", s.edit)
		if code != s.want {
			t.Fatalf("request %d: status %d (%q), want %d", i, code, body, s.want)
		}
		if code == 401 && body != "Authorization required" {
			t.Fatalf("401 body %q", body)
		}
	}
	if dials.Load() != 1 {
		t.Fatalf("%d connections used, want 1 keep-alive connection", dials.Load())
	}
	if got := srv.Stats().Tunnels[0].AuthDenied; got != 3 {
		t.Fatalf("AuthDenied = %d, want 3", got)
	}
	if out := logs.String(); strings.Contains(out, "s3cret") || strings.Contains(out, "alice-token") || strings.Contains(out, c.id) {
		t.Fatalf("logs leak a secret:\n%s", out)
	}
}

func TestClientIDBoundToAccount(t *testing.T) {
	srv := newTestServer(t, nil)
	local := echoServer(t)
	alice, resp := connect(t, srv, "alice-token", "", local.Listener.Addr().String())
	alice.tunnel(&wire.ReqTunnel{ReqId: "a", Protocol: "http", Subdomain: "alice"})

	// Bob presenting Alice's id gets his own session; Alice keeps hers.
	bob, bresp := connect(t, srv, "bob-token", resp.ClientId, "")
	if bresp.Error != "" || bresp.ClientId == resp.ClientId {
		t.Fatalf("bob got %+v, want a fresh id", bresp)
	}
	bob.close()
	if code, _ := publicGet(t, newHTTPClient(t), srv, "http://alice.example.test", "/", nil); code != 200 {
		t.Fatalf("alice's tunnel after bob's attempt: %d", code)
	}

	// A proxy connection for Alice's id from another address is refused.
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	raw, err := d.Dial("tcp", srv.TunnelAddr().String())
	if err != nil {
		t.Skipf("cannot dial from 127.0.0.2: %v", err)
	}
	pc := tlsClient(raw, srv)
	wire.Write(pc, &wire.RegProxy{ClientId: resp.ClientId})
	if _, err := wire.Read(pc, 0); err == nil {
		t.Fatal("proxy from another address was served")
	}
	pc.Close()
}

func TestResumeKeepsIDAndRandomNames(t *testing.T) {
	srv := newTestServer(t, nil)
	c, resp := connect(t, srv, "alice-token", "", "")
	first := c.tunnel(&wire.ReqTunnel{ReqId: "a", Protocol: "http+tcp"})
	if first[0].Error != "" || first[1].Error != "" {
		t.Fatalf("tunnels: %+v %+v", first[0], first[1])
	}
	c.close()
	testhttp.WaitFor(t, func() bool { return srv.Stats().Clients == 0 })

	c2, resp2 := connect(t, srv, "alice-token", resp.ClientId, "")
	if resp2.ClientId != resp.ClientId {
		t.Fatalf("resumed id %s, want %s", resp2.ClientId, resp.ClientId)
	}
	again := c2.tunnel(&wire.ReqTunnel{ReqId: "b", Protocol: "http+tcp"})
	if again[0].Url != first[0].Url || again[1].Url != first[1].Url {
		t.Fatalf("after resume got %s %s, want %s %s", again[0].Url, again[1].Url, first[0].Url, first[1].Url)
	}

	// Resuming a live session replaces it (the stock client's reconnect).
	c3, resp3 := connect(t, srv, "alice-token", resp.ClientId, "")
	if resp3.ClientId != resp.ClientId {
		t.Fatal("live session not resumed")
	}
	if got := c3.tunnel(&wire.ReqTunnel{ReqId: "c", Protocol: "http"}); got[0].Url != first[0].Url {
		t.Fatalf("after takeover got %s", got[0].Url)
	}
}

func TestReservationsAndPolicy(t *testing.T) {
	srv := newTestServer(t, func(c *Config) {
		c.Reservations = map[string]string{"bobs": "bob", "app.bob.test": "bob"}
	})
	alice, _ := connect(t, srv, "alice-token", "", "")
	if nt := alice.tunnel(&wire.ReqTunnel{ReqId: "0", Protocol: "http", Subdomain: "alices"})[0]; nt.Error != "" {
		t.Fatal(nt.Error)
	}
	for _, req := range []*wire.ReqTunnel{
		{ReqId: "1", Protocol: "http", Subdomain: "bobs"},
		{ReqId: "2", Protocol: "http", Hostname: "bobs.example.test"},
		{ReqId: "3", Protocol: "http", Hostname: "app.bob.test"},
		{ReqId: "4", Protocol: "http", Hostname: "anything.else.test"},
		{ReqId: "5", Protocol: "http", Subdomain: "bad_name!"},
	} {
		if nt := alice.tunnel(req)[0]; nt.Error == "" || nt.Url != "" {
			t.Fatalf("alice claimed %+v: %+v", req, nt)
		}
	}
	// A failed request on a control without tunnels ends it, as in the
	// original.
	loner, _ := connect(t, srv, "alice-token", "", "")
	if nt := loner.tunnel(&wire.ReqTunnel{ReqId: "1", Protocol: "http", Subdomain: "bobs"})[0]; nt.Error == "" {
		t.Fatal("reserved name granted")
	}
	testhttp.WaitFor(t, func() bool { return srv.Stats().Clients == 1 })

	bob, _ := connect(t, srv, "bob-token", "", "")
	for _, req := range []*wire.ReqTunnel{
		{ReqId: "1", Protocol: "http", Subdomain: "bobs"},
		{ReqId: "2", Protocol: "http", Hostname: "app.bob.test"},
	} {
		if nt := bob.tunnel(req)[0]; nt.Error != "" {
			t.Fatalf("bob could not claim %+v: %s", req, nt.Error)
		}
	}
	nt := bob.tunnel(&wire.ReqTunnel{ReqId: "3", Protocol: "http", Subdomain: "bobs"})[0]
	_, port, _ := net.SplitHostPort(srv.HTTPAddr().String())
	if nt.Error != "The tunnel http://bobs.example.test:"+port+" is already registered." {
		t.Fatalf("duplicate: %q", nt.Error)
	}

	srv2 := newTestServer(t, func(c *Config) {
		c.Policy = func(cl Claim) error {
			if cl.Protocol == "tcp" && cl.Account != "bob" {
				return errTCPForbidden
			}
			return nil
		}
	})
	a2, _ := connect(t, srv2, "alice-token", "", "")
	if nt := a2.tunnel(&wire.ReqTunnel{ReqId: "1", Protocol: "http+tcp", Hostname: "any.where.test"}); nt[0].Error != "" || nt[1].Error != errTCPForbidden.Error() {
		t.Fatalf("policy: %+v %+v", nt[0], nt[1])
	}
}

var errTCPForbidden = errorString("tcp tunnels are for bob only")

type errorString string

func (e errorString) Error() string { return string(e) }
