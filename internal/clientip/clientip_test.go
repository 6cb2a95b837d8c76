package clientip

import (
	"net/netip"
	"strings"
	"testing"
)

func TestPeer(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:80":        "192.0.2.1",
		"[2001:db8::1]:443":   "2001:db8::1",
		"[::ffff:10.0.0.1]:1": "10.0.0.1",
		"198.51.100.7":        "198.51.100.7",
		"[fe80::1%eth0]:80":   "fe80::1%eth0",
		"@":                   "",
		"/run/app.sock":       "",
		"example.com:80":      "",
		"":                    "",
	} {
		a, ok := Peer(in)
		if ok != (want != "") || (ok && a.String() != want) {
			t.Errorf("Peer(%q) = %v, %v; want %q", in, a, ok, want)
		}
	}
}

func TestHost(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:80":      "192.0.2.1",
		"[2001:db8::1]:443": "2001:db8::1",
		"2001:db8::1":       "2001:db8::1",
		"@":                 "@",
		"host:":             "host",
		"[unclosed":         "[unclosed",
	} {
		if got := Host(in); got != want {
			t.Errorf("Host(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParsePrefix(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.0/8":          "10.0.0.0/8",
		" 10.1.2.3/8 ":        "10.0.0.0/8",
		"192.0.2.1":           "192.0.2.1/32",
		"2001:db8::1":         "2001:db8::1/128",
		"::ffff:10.0.0.0/104": "10.0.0.0/8",
		"::ffff:10.0.0.1":     "10.0.0.1/32",
		"::ffff:0.0.0.0/95":   "",
		"10.0.0.0/33":         "",
		"example.com":         "",
		"":                    "",
	} {
		p, err := ParsePrefix(in)
		if (err == nil) != (want != "") || (err == nil && p.String() != want) {
			t.Errorf("ParsePrefix(%q) = %v, %v; want %q", in, p, err, want)
		}
	}
	if _, i, err := ParseTrusted([]string{"10.0.0.0/8", "nope"}); i != 1 || err == nil ||
		err.Error() != `"nope" is neither a CIDR nor an address` {
		t.Fatalf("ParseTrusted: %d, %v", i, err)
	}
}

func TestTrustedMatchesMapped(t *testing.T) {
	tr, _, err := ParseTrusted([]string{"10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Contains(netip.MustParseAddr("::ffff:10.1.1.1")) || tr.Contains(netip.MustParseAddr("11.0.0.1")) {
		t.Fatal("Contains")
	}
}

func TestHopsKeepTheNearest(t *testing.T) {
	tr := Trusted{netip.MustParsePrefix("10.0.0.0/8")}
	var h Hops
	h.Add(netip.MustParseAddr("203.0.113.1"), true) // lost: too far
	for range MaxHops {
		h.Add(netip.MustParseAddr("10.0.0.1"), true)
	}
	if got := h.Client(netip.MustParseAddr("10.0.0.9"), tr); got != netip.MustParseAddr("10.0.0.1") {
		t.Fatalf("got %v", got)
	}
}

func TestWalk(t *testing.T) {
	tr := Trusted{netip.MustParsePrefix("10.0.0.0/8")}
	peer := netip.MustParseAddr("10.9.9.9")
	for _, tc := range []struct{ xff, fwd, want string }{
		{xff: "6.6.6.6, 203.0.113.9, 10.0.0.1", want: "203.0.113.9"},
		{xff: "203.0.113.9, garbage, 10.0.0.1", want: "10.0.0.1"},
		{fwd: `for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=https, for=10.0.0.2`, want: "2001:db8:cafe::17"},
		{fwd: `for=203.0.113.9, for=unknown`, want: "10.9.9.9"},
		{fwd: `for=1.2.3.4;for=5.6.7.8`, want: "10.9.9.9"},
	} {
		var h Hops
		if tc.xff != "" {
			h.AddXForwardedFor(tc.xff)
		} else {
			h.AddForwarded(tc.fwd)
		}
		if got := h.Client(peer, tr); got.String() != tc.want {
			t.Errorf("%+v: client %v", tc, got)
		}
	}
}

// fuzzTrusted trusts 10/8 and 2001:db8::/32.
var fuzzTrusted = Trusted{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}

// checkWalk holds for any header: the answer is the peer or an address
// the header named, and never carries a zone.
func checkWalk(t *testing.T, h *Hops, peer netip.Addr, header string) {
	got := h.Client(peer, fuzzTrusted)
	if !got.IsValid() {
		t.Fatalf("%q: invalid client address", header)
	}
	if got != peer && got.Zone() != "" {
		t.Fatalf("%q: zone kept in %v", header, got)
	}
}

func FuzzForwarded(f *testing.F) {
	for _, s := range []string{
		"for=192.0.2.60;proto=http;by=203.0.113.43",
		`for="[2001:db8:cafe::17]:4711", for=10.0.0.1`,
		`for=unknown`, `for=_hidden`, `For="a,b"`, `for="x\"y"`, `;;,,`, `for=1.2.3.4;for=5.6.7.8`, `=`, `for=`, `"`,
	} {
		f.Add(s)
	}
	peer := netip.MustParseAddr("10.9.9.9")
	f.Fuzz(func(t *testing.T, s string) {
		var h Hops
		h.AddForwarded(s)
		if h.Len() > strings.Count(s, ",")+1 {
			t.Fatalf("%q: %d elements from %d commas", s, h.Len(), strings.Count(s, ","))
		}
		checkWalk(t, &h, peer, s)
	})
}

func FuzzXForwardedFor(f *testing.F) {
	for _, s := range []string{"203.0.113.9", "6.6.6.6, 203.0.113.9, 10.0.0.1", "[2001:db8::1]:80", "fe80::1%eth0", ",,", " , x"} {
		f.Add(s)
	}
	peer := netip.MustParseAddr("10.9.9.9")
	f.Fuzz(func(t *testing.T, s string) {
		var h Hops
		h.AddXForwardedFor(s)
		checkWalk(t, &h, peer, s)
		if !strings.ContainsAny(s, "0123456789:") && h.Client(peer, fuzzTrusted) != peer {
			t.Fatalf("%q: an address from a header without digits or colons", s)
		}
	})
}

// FuzzRemote checks the RemoteAddr and node parsers agree with each other
// and never return what the input did not hold.
func FuzzRemote(f *testing.F) {
	for _, s := range []string{"192.0.2.1:80", "[2001:db8::1]:443", "[fe80::1%eth0]:80", "@", "", "[", "]:", "::ffff:1.2.3.4", "1.2.3.4/8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h := Host(s)
		if !strings.Contains(s, h) {
			t.Fatalf("Host(%q) = %q, not part of the input", s, h)
		}
		if a, ok := Peer(s); ok {
			if a.Is4In6() {
				t.Fatalf("Peer(%q) = %v: still mapped", s, a)
			}
			if b, ok := ParseNode(s); !ok || b != a.WithZone("") {
				t.Fatalf("Peer(%q) = %v but ParseNode = %v, %v", s, a, b, ok)
			}
		}
		if p, err := ParsePrefix(s); err == nil && (!p.IsValid() || p.Addr().Is4In6() || p != p.Masked()) {
			t.Fatalf("ParsePrefix(%q) = %v", s, p)
		}
	})
}
