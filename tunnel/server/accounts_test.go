package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testhttp"
	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// TestAccountLimits is the attack of issue 17 item 5 on a small scale: one
// token opens sessions and tunnels past its account's limits; the extra
// ones are refused with a message naming the limit, another account is
// not affected, and what one account gives back it can use again.
func TestAccountLimits(t *testing.T) {
	srv := newTestServer(t, func(c *Config) {
		c.MaxSessionsPerAccount = 3
		c.MaxTunnelsPerAccount = 4
		c.MaxTCPPortsPerAccount = 2
	})
	var alice []*wireClient
	for i := range 3 {
		c, resp := connect(t, srv, "alice-token", "", "")
		if resp.Error != "" {
			t.Fatalf("session %d: %s", i, resp.Error)
		}
		alice = append(alice, c)
	}
	_, resp := connect(t, srv, "alice-token", "", "")
	if want := "too many sessions for this account (limit 3); close one and retry"; resp.Error != want {
		t.Fatalf("4th session: AuthResp.Error %q, want %q", resp.Error, want)
	}
	bob, resp := connect(t, srv, "bob-token", "", "")
	if resp.Error != "" {
		t.Fatalf("bob refused: %s", resp.Error)
	}
	// A client taking over its own live session (the stock client's
	// reconnect) is not a new session.
	again, resp := connect(t, srv, "alice-token", alice[0].id, "")
	if resp.Error != "" || resp.ClientId != alice[0].id {
		t.Fatalf("takeover at the limit: %+v", resp)
	}
	alice[0] = again

	// tcp tunnels: two, then refused; the session keeps its tunnels.
	for i := range 2 {
		if nt := alice[0].tunnel(&wire.ReqTunnel{ReqId: "t", Protocol: "tcp"})[0]; nt.Error != "" {
			t.Fatalf("tcp %d: %s", i, nt.Error)
		}
	}
	if nt := alice[0].tunnel(&wire.ReqTunnel{ReqId: "t", Protocol: "tcp"})[0]; nt.Error != "too many tcp tunnels for this account (limit 2); close one and retry" {
		t.Fatalf("3rd tcp tunnel: %q", nt.Error)
	}
	// All tunnels: four over the sessions, then refused.
	for i := range 2 {
		if nt := alice[2].tunnel(&wire.ReqTunnel{ReqId: "h", Protocol: "http", Subdomain: fmt.Sprint("a", i)})[0]; nt.Error != "" {
			t.Fatalf("http %d: %s", i, nt.Error)
		}
	}
	for _, sub := range []string{"a2", ""} { // a named and a random name
		if nt := alice[2].tunnel(&wire.ReqTunnel{ReqId: "h", Protocol: "http", Subdomain: sub})[0]; nt.Error != "too many tunnels for this account (limit 4); close one and retry" {
			t.Fatalf("5th tunnel (subdomain %q): %q", sub, nt.Error)
		}
	}
	// Bob is not affected.
	if nts := bob.tunnel(&wire.ReqTunnel{ReqId: "b", Protocol: "http+tcp", Subdomain: "bob"}); nts[0].Error != "" || nts[1].Error != "" {
		t.Fatalf("bob's tunnels: %+v %+v", nts[0], nts[1])
	}

	// Closing a session gives back its session and its tunnels.
	alice[0].close()
	testhttp.WaitFor(t, func() bool { return srv.Stats().Clients == 3 })
	c, resp := connect(t, srv, "alice-token", "", "")
	if resp.Error != "" {
		t.Fatalf("session after one closed: %s", resp.Error)
	}
	if nts := c.tunnel(&wire.ReqTunnel{ReqId: "t", Protocol: "tcp+http"}); nts[0].Error != "" || nts[1].Error != "" {
		t.Fatalf("tunnels after the tcp ones closed: %+v %+v", nts[0], nts[1])
	}
}

// holdSession authenticates from ip and keeps the session open until the
// test ends; it returns AuthResp.Error.
func holdSession(t *testing.T, srv *Server, ip, token string) string {
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
	c.SetReadDeadline(time.Time{})
	return m.(*wire.AuthResp).Error
}

// Anonymous clients share one account name, so they count per address:
// one address cannot use up the sessions of everyone else.
func TestAnonymousLimitsPerAddress(t *testing.T) {
	srv := newTestServer(t, func(c *Config) {
		c.Tokens = nil
		c.AllowAnonymous = true
		c.MaxSessionsPerAccount = 2
	})
	for i := range 2 {
		if e := holdSession(t, srv, "127.0.0.1", fmt.Sprint("any-", i)); e != "" {
			t.Fatalf("session %d: %s", i, e)
		}
	}
	if e := holdSession(t, srv, "127.0.0.1", "any-3"); e != "too many sessions for this account (limit 2); close one and retry" {
		t.Fatalf("3rd anonymous session from one address: %q", e)
	}
	if e := holdSession(t, srv, "127.0.0.2", "any-4"); e != "" {
		t.Fatalf("another address: %s", e)
	}
}

func TestAccountLimitsOff(t *testing.T) {
	def := newTestServer(t, nil).cfg
	if def.MaxSessionsPerAccount != 32 || def.MaxTunnelsPerAccount != 128 || def.MaxTCPPortsPerAccount != 16 {
		t.Fatalf("defaults %d %d %d", def.MaxSessionsPerAccount, def.MaxTunnelsPerAccount, def.MaxTCPPortsPerAccount)
	}
	srv := newTestServer(t, func(c *Config) {
		c.MaxSessionsPerAccount = -1
		c.MaxTCPPortsPerAccount = -1
	})
	for i := range 40 {
		if _, resp := connect(t, srv, "alice-token", "", ""); resp.Error != "" {
			t.Fatalf("session %d with no limit: %s", i, resp.Error)
		}
	}
	// 18 tcp tunnels, past the default 16, over two sessions.
	for range 2 {
		c, _ := connect(t, srv, "alice-token", "", "")
		for i := range 9 {
			if nt := c.tunnel(&wire.ReqTunnel{ReqId: "t", Protocol: "tcp"})[0]; nt.Error != "" {
				t.Fatalf("tcp %d with no limit: %s", i, nt.Error)
			}
		}
	}
}
