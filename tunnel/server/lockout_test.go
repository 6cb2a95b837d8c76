package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testhttp"
	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// authResume sends Auth with token and clientID from ip and returns the
// AuthResp; a session it opens lasts until the test ends.
func authResume(t *testing.T, srv *Server, ip, token, clientID string) *wire.AuthResp {
	t.Helper()
	c := dialTunnelFrom(t, srv, ip)
	if err := wire.Write(c, &wire.Auth{Version: wire.Version, MmVersion: wire.MmVersion, User: token, ClientId: clientID}); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	m, err := wire.Read(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m.(*wire.AuthResp)
}

// TestNATNeighbourKeepsSession is the "Also" of issue 17: a burst of wrong
// tokens from a neighbour behind the same NAT blocks the address, but a
// client of that address that holds a session still reconnects to it
// with the right token; guesses get nothing from that exception.
func TestNATNeighbourKeepsSession(t *testing.T) {
	srv := newTestServer(t, func(c *Config) { c.MaxAuthFailures = 3 })
	useFakeClock(srv)
	alice, resp := connect(t, srv, "alice-token", "", "") // from 127.0.0.1
	if resp.Error != "" {
		t.Fatal(resp.Error)
	}
	if nt := alice.tunnel(&wire.ReqTunnel{ReqId: "a", Protocol: "http", Subdomain: "alice"})[0]; nt.Error != "" {
		t.Fatal(nt.Error)
	}
	for i := range 3 {
		authAs(t, srv, "127.0.0.1", fmt.Sprint("neighbour-guess-", i))
	}
	const blocked = "authentication failed: too many failed attempts, try again later"

	// Guesses, with or without a session's id, are refused alike.
	for _, try := range []struct{ token, id string }{
		{"alice-token", ""},     // a fresh client: waits for the window
		{"guess", alice.id},     // a wrong token with a live id
		{"bob-token", alice.id}, // another account's right token
		{"alice-token", "0123456789abcdef0123456789abcdef"}, // an id nobody holds
	} {
		if r := authResume(t, srv, "127.0.0.1", try.token, try.id); r.Error != blocked {
			t.Fatalf("token %q, id %q: AuthResp.Error %q", try.token, try.id, r.Error)
		}
	}
	// Alice's client, reconnecting to its live session, gets in...
	r := authResume(t, srv, "127.0.0.1", "alice-token", alice.id)
	if r.Error != "" || r.ClientId != alice.id {
		t.Fatalf("resume of a live session while blocked: %+v", r)
	}
	// ...and so does it after the session ended, within the resume window.
	testhttp.WaitFor(t, func() bool { return srv.Stats().Clients == 1 })
	srv.mu.Lock()
	live := srv.controls[alice.id]
	srv.mu.Unlock()
	live.close("test: connection lost")
	testhttp.WaitFor(t, func() bool { return srv.Stats().Clients == 0 })
	if r := authResume(t, srv, "127.0.0.1", "alice-token", alice.id); r.Error != "" || r.ClientId != alice.id {
		t.Fatalf("resume of an ended session while blocked: %+v", r)
	}
}
