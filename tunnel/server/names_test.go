package server

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/testhttp"
	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// claimErr asks c for one tunnel and returns NewTunnel.Error.
func claimErr(c *wireClient, proto, sub, hostname string) string {
	return c.tunnel(&wire.ReqTunnel{ReqId: "n", Protocol: proto, Subdomain: sub, Hostname: hostname})[0].Error
}

// TestNamesCoverTheirSubdomains performs issue 17 items 9 and 10: names
// under another account's reservation (written with capitals in Config)
// or under its live name are refused, to cookie tossing and look-alikes;
// the owner may take them.
func TestNamesCoverTheirSubdomains(t *testing.T) {
	srv := newTestServer(t, func(c *Config) {
		c.Tokens["carol-token"] = "carol"
		c.Reservations = map[string]string{
			"Reserved":                    "alice",
			"APP.Bob.Test.":               "bob",
			"Deleg.Reserved.Example.Test": "carol", // handed to carol inside alice's name
		}
	})
	alice, _ := connect(t, srv, "alice-token", "", "")
	bob, _ := connect(t, srv, "bob-token", "", "")
	carol, _ := connect(t, srv, "carol-token", "", "")
	// Each keeps one tunnel, so that a refusal does not end its session.
	for c, sub := range map[*wireClient]string{alice: "alice0", bob: "bob0", carol: "carol0"} {
		if e := claimErr(c, "http", sub, ""); e != "" {
			t.Fatal(e)
		}
	}

	// Reservations, whatever their case in Config, cover their subdomains.
	for _, req := range [][3]string{
		{"http", "reserved", ""}, {"https", "RESERVED", ""}, {"http", "x.reserved", ""},
		{"http", "", "www.reserved.example.test"}, {"http", "", "reserved.example.test"},
		{"http", "a.b.reserved", ""}, {"http", "", "app.bob.test"}, {"http", "", "www.app.bob.test"},
		{"http", "x.deleg.reserved", ""},
	} {
		other := bob
		if strings.HasSuffix(req[2], "app.bob.test") {
			other = alice
		}
		e := claimErr(other, req[0], req[1], req[2])
		if !strings.Contains(e, "is reserved for another account") {
			t.Fatalf("%v was not refused as reserved: %q", req, e)
		}
	}
	for c, req := range map[*wireClient][][3]string{
		alice: {{"http", "reserved", ""}, {"http", "", "www.reserved.example.test"}, {"https", "a.b.reserved", ""}},
		bob:   {{"http", "", "app.bob.test"}, {"http", "", "www.app.bob.test"}},
		carol: {{"http", "deleg.reserved", ""}, {"http", "x.deleg.reserved", ""}},
	} {
		for _, r := range req {
			if e := claimErr(c, r[0], r[1], r[2]); e != "" {
				t.Fatalf("owner refused %v: %s", r, e)
			}
		}
	}

	// A live name covers its subdomains, on every scheme, and a name
	// cannot be taken over another account's live names below it.
	if e := claimErr(alice, "http", "demo", ""); e != "" {
		t.Fatal(e)
	}
	if e := claimErr(bob, "http", "shop.mall", ""); e != "" {
		t.Fatal(e)
	}
	for _, req := range [][3]string{
		{"http", "x.demo", ""}, {"https", "x.demo", ""}, {"https", "demo", ""},
		{"http", "", "www.demo.example.test"}, {"http", "", "A.B.Demo.Example.Test"},
	} {
		if e := claimErr(bob, req[0], req[1], req[2]); !strings.Contains(e, "demo.example.test is in use by another account") {
			t.Fatalf("bob got %v under alice's live demo: %q", req, e)
		}
	}
	if e := claimErr(alice, "http", "mall", ""); !strings.Contains(e, "another account has a tunnel under mall.example.test") {
		t.Fatalf("alice got mall over bob's shop.mall: %q", e)
	}
	if e := claimErr(alice, "https", "x.demo", ""); e != "" {
		t.Fatalf("alice refused her own x.demo: %s", e)
	}

	// Once alice is gone, her names are free.
	alice.close()
	testhttp.WaitFor(t, func() bool { return srv.Stats().Clients == 2 })
	if e := claimErr(bob, "http", "x.demo", ""); e != "" {
		t.Fatalf("x.demo after alice left: %s", e)
	}
}

func TestReservationsConfigErrors(t *testing.T) {
	for _, res := range []map[string]string{
		{"demo": "alice", "DEMO": "bob"},
		{"demo": "alice", "demo.example.test.": "bob"},
		{"bad_name": "alice"},
		{"demo": ""},
	} {
		_, err := New(Config{Domain: "example.test", TunnelAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", AllowAnonymous: true, Reservations: res})
		var ce *httpmw.ConfigError
		if !errors.As(err, &ce) || ce.Field != "Config.Reservations" {
			t.Fatalf("%v: err %v, want an *httpmw.ConfigError for Config.Reservations", res, err)
		}
	}
}

// FuzzReservationNames checks the name tree with arbitrary reservation
// keys and hosts: a normalized key covers itself and every name below
// it, in any case, and nothing at or above Domain belongs to anyone.
func FuzzReservationNames(f *testing.F) {
	for _, seed := range [][2]string{
		{"Demo", "x.demo.example.test"}, {"APP.Bob.Test.", "www.app.bob.test"}, {"demo.example.test", "demo.example.test"},
		{"a.b", "c.a.b.example.test"}, {"test", "example.test"}, {"bad_name", "x"}, {"", "."},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, key, host string) {
		res, err := normalizeReservations(map[string]string{key: "owner"}, "example.test")
		if err != nil {
			return
		}
		s := &Server{cfg: Config{Domain: "example.test"}, reserved: res}
		chain := s.nameChain(host)
		for i, n := range chain {
			if s.aboveOrDomain(n) || (i > 0 && !strings.HasSuffix(chain[i-1], "."+n)) {
				t.Fatalf("chain of %q: %q", host, chain)
			}
		}
		if _, name, ok := s.reservation(host); ok && !strings.Contains(strings.Join(chain, " ")+" ", name+" ") {
			t.Fatalf("reservation %q of %q is not in its chain %q", name, host, chain)
		}
		for k := range res {
			full := k + ".example.test"
			for _, h := range []string{full, "x." + full, strings.ToUpper("y.z." + full)} {
				if owner, _, ok := s.reservation(strings.ToLower(h)); !ok || owner != "owner" {
					t.Fatalf("key %q (%q) does not cover %q", key, k, h)
				}
			}
		}
	})
}

// tunnelFrom opens a session from ip with token, asks for an http tunnel
// on sub and returns NewTunnel.Error; the session lasts until the test
// ends.
func tunnelFrom(t *testing.T, srv *Server, ip, token, sub string) string {
	t.Helper()
	c := dialTunnelFrom(t, srv, ip)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if err := wire.Write(c, &wire.Auth{Version: wire.Version, MmVersion: wire.MmVersion, User: token}); err != nil {
		t.Fatal(err)
	}
	if err := wire.Write(c, &wire.ReqTunnel{ReqId: "r", Protocol: "http", Subdomain: sub}); err != nil {
		t.Fatal(err)
	}
	for {
		m, err := wire.Read(c, 0)
		if err != nil {
			t.Fatal(err)
		}
		switch m := m.(type) {
		case *wire.AuthResp:
			if m.Error != "" {
				t.Fatal(m.Error)
			}
		case *wire.NewTunnel:
			c.SetDeadline(time.Time{})
			return m.Error
		}
	}
}

// Anonymous clients share one account name; at different addresses they
// are still different owners of names.
func TestAnonymousNamesPerAddress(t *testing.T) {
	srv := newTestServer(t, func(c *Config) {
		c.Tokens = nil
		c.AllowAnonymous = true
	})
	if e := tunnelFrom(t, srv, "127.0.0.1", "x", "demo"); e != "" {
		t.Fatal(e)
	}
	if e := tunnelFrom(t, srv, "127.0.0.2", "y", "x.demo"); !strings.Contains(e, "demo.example.test is in use by another account") {
		t.Fatalf("another address under demo: %q", e)
	}
	if e := tunnelFrom(t, srv, "127.0.0.1", "z", "x.demo"); e != "" {
		t.Fatalf("same address under demo: %q", e)
	}
}
