package logger

import (
	"net/http"
	"testing"
)

func TestClientAddress(t *testing.T) {
	trusted := []string{"10.0.0.0/8", "2001:db8:ffff::/48", "192.0.2.1"}
	cases := []struct {
		name   string
		header string // ClientIPHeader
		peer   string
		set    map[string][]string
		want   string
	}{
		{"no proxy, RemoteAddr", "", "198.51.100.7:1234", nil, "198.51.100.7"},
		{"untrusted peer: spoofed XFF ignored", "", "198.51.100.7:1234", map[string][]string{"X-Forwarded-For": {"6.6.6.6"}}, "198.51.100.7"},
		{"untrusted peer: spoofed X-Real-IP ignored", "X-Real-IP", "198.51.100.7:1234", map[string][]string{"X-Real-Ip": {"6.6.6.6"}}, "198.51.100.7"},
		{"untrusted peer: spoofed Forwarded ignored", "Forwarded", "198.51.100.7:1234", map[string][]string{"Forwarded": {"for=6.6.6.6"}}, "198.51.100.7"},
		{"trusted peer, XFF", "", "10.1.2.3:80", map[string][]string{"X-Forwarded-For": {"203.0.113.9"}}, "203.0.113.9"},
		{"XFF: client-written entries left of the first untrusted are ignored", "", "10.1.2.3:80",
			map[string][]string{"X-Forwarded-For": {"6.6.6.6, 203.0.113.9, 10.9.9.9"}}, "203.0.113.9"},
		{"XFF over several header lines", "", "10.1.2.3:80",
			map[string][]string{"X-Forwarded-For": {"6.6.6.6", "203.0.113.9,10.9.9.9"}}, "203.0.113.9"},
		{"XFF all trusted: the leftmost", "", "10.1.2.3:80", map[string][]string{"X-Forwarded-For": {"10.5.5.5, 10.6.6.6"}}, "10.5.5.5"},
		{"XFF garbage stops at the last vouched-for hop", "", "10.1.2.3:80",
			map[string][]string{"X-Forwarded-For": {"203.0.113.9, nonsense, 10.6.6.6"}}, "10.6.6.6"},
		{"XFF with ports and brackets", "", "10.1.2.3:80", map[string][]string{"X-Forwarded-For": {"[2001:db8::5]:443"}}, "2001:db8::5"},
		{"XFF IPv4-mapped", "", "[::ffff:10.1.2.3]:80", map[string][]string{"X-Forwarded-For": {"::ffff:203.0.113.9"}}, "203.0.113.9"},
		{"XFF empty: the peer", "", "10.1.2.3:80", nil, "10.1.2.3"},
		{"trusted single address", "", "192.0.2.1:80", map[string][]string{"X-Forwarded-For": {"203.0.113.9"}}, "203.0.113.9"},
		{"neighbour of a trusted single address is not trusted", "", "192.0.2.2:80", map[string][]string{"X-Forwarded-For": {"203.0.113.9"}}, "192.0.2.2"},
		{"trusted IPv6 peer", "", "[2001:db8:ffff::1]:80", map[string][]string{"X-Forwarded-For": {"203.0.113.9"}}, "203.0.113.9"},
		{"X-Real-IP", "X-Real-IP", "10.1.2.3:80", map[string][]string{"X-Real-Ip": {" 203.0.113.9 "}}, "203.0.113.9"},
		{"X-Real-IP garbage: the peer", "X-Real-IP", "10.1.2.3:80", map[string][]string{"X-Real-Ip": {"<script>"}}, "10.1.2.3"},
		{"configured XFF: a Forwarded from the client is not read", "", "10.1.2.3:80",
			map[string][]string{"Forwarded": {"for=6.6.6.6"}, "X-Forwarded-For": {"203.0.113.9"}}, "203.0.113.9"},
		{"configured Forwarded: an XFF from the client is not read", "Forwarded", "10.1.2.3:80",
			map[string][]string{"Forwarded": {"for=203.0.113.9;proto=https"}, "X-Forwarded-For": {"6.6.6.6"}}, "203.0.113.9"},
		{"Forwarded chain", "Forwarded", "10.1.2.3:80",
			map[string][]string{"Forwarded": {`for=6.6.6.6, for="[2001:db8::17]:4711";by=10.0.0.1, for=10.7.7.7`}}, "2001:db8::17"},
		{"Forwarded quoted with comma inside", "Forwarded", "10.1.2.3:80",
			map[string][]string{"Forwarded": {`for=203.0.113.9;host="a,b", for=10.7.7.7`}}, "203.0.113.9"},
		{"Forwarded unknown stops the walk", "Forwarded", "10.1.2.3:80",
			map[string][]string{"Forwarded": {`for=203.0.113.9, for=unknown, for=10.7.7.7`}}, "10.7.7.7"},
		{"Forwarded obfuscated", "Forwarded", "10.1.2.3:80", map[string][]string{"Forwarded": {`for=_hidden`}}, "10.1.2.3"},
		{"Forwarded element without for", "Forwarded", "10.1.2.3:80", map[string][]string{"Forwarded": {`for=203.0.113.9, proto=http`}}, "10.1.2.3"},
		{"Forwarded case-insensitive key", "Forwarded", "10.1.2.3:80", map[string][]string{"Forwarded": {`For=203.0.113.9`}}, "203.0.113.9"},
		{"Forwarded broken quote", "Forwarded", "10.1.2.3:80", map[string][]string{"Forwarded": {`for="203.0.113.9`}}, "10.1.2.3"},
		{"Forwarded over two lines", "Forwarded", "10.1.2.3:80",
			map[string][]string{"Forwarded": {"for=6.6.6.6", "for=203.0.113.9, for=10.0.0.2"}}, "203.0.113.9"},
		{"unix socket peer", "", "@", nil, "@"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, err := New(Config{Format: "{remote}", Output: &writes{}, TrustedProxies: trusted, ClientIPHeader: tc.header})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			r, _ := http.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			for k, v := range tc.set {
				r.Header[k] = v
			}
			if got := string(l.appendClient(nil, r)); got != tc.want {
				t.Fatalf("client %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSpoofedHeaderOverTCP checks the rule with a real connection: the peer
// is 127.0.0.1, trusted in one logger and not in the other.
func TestSpoofedHeaderOverTCP(t *testing.T) {
	for _, tc := range []struct {
		trusted []string
		want    string
	}{
		{nil, "127.0.0.1"},
		{[]string{"10.0.0.0/8"}, "127.0.0.1"},
		{[]string{"127.0.0.0/8", "::1"}, "203.0.113.9"},
	} {
		out := &writes{}
		l := mustNew(t, Config{Format: "{remote}", Output: out, TrustedProxies: tc.trusted})
		srv := serve(t, l, hello)
		req := mustRequest(t, srv.URL)
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		get(t, srv.Client(), req)
		if got := out.only(t); got != tc.want {
			t.Errorf("trusted %v: logged %q, want %q", tc.trusted, got, tc.want)
		}
	}
}
