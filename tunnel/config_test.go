package tunnel

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
)

func TestConfigErrorsNameTheField(t *testing.T) {
	ok := Config{Server: "127.0.0.1:4443"}
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Server = "" }, "Config.Server: required"},
		{func(c *Config) { c.Server = "no-port" }, "Config.Server: must be host:port"},
		{func(c *Config) { c.Protocol = "ftp" }, "Config.Protocol"},
		{func(c *Config) { c.Protocol = "http+http" }, "Config.Protocol"},
		{func(c *Config) { c.Protocol = "HTTP" }, "Config.Protocol"},
		{func(c *Config) { c.Subdomain = "a.b" }, "Config.Subdomain: must be one DNS label"},
		{func(c *Config) { c.Subdomain = "bad/../x" }, "Config.Subdomain"},
		{func(c *Config) { c.Protocol, c.Subdomain = "tcp", "x" }, "Config.Subdomain: only for http and https"},
		{func(c *Config) { c.Hostname = "exa mple.com" }, "Config.Hostname"},
		{func(c *Config) { c.HTTPAuth = "nocolon" }, "Config.HTTPAuth"},
		{func(c *Config) { c.HTTPAuth = "u:p\r\nX-Evil: 1" }, "Config.HTTPAuth"},
		{func(c *Config) { c.RemotePort = 80 }, "Config.RemotePort: only for tcp"},
		{func(c *Config) { c.ProxyPool = 1000 }, "Config.ProxyPool"},
		{func(c *Config) { c.PongTimeout = -time.Second }, "Config.PongTimeout: must not be negative"},
		{func(c *Config) { c.BackoffMin, c.BackoffMax = time.Minute, time.Second }, "Config.BackoffMax"},
	} {
		cfg := ok
		c.edit(&cfg)
		_, err := Listen(context.Background(), cfg)
		if err == nil || !strings.Contains(err.Error(), "tunnel: "+c.want) {
			t.Errorf("%+v: got %v, want an error containing %q", cfg, err, c.want)
		}
		field, _, _ := strings.Cut(c.want, ":")
		var ce *httpmw.ConfigError
		if !errors.As(err, &ce) || ce.Package != "tunnel" || ce.Field != field {
			t.Errorf("%+v: %v is not an *httpmw.ConfigError for %s", cfg, err, field)
		}
	}
	s := &Session{}
	_, err := s.Listen(context.Background(), Endpoint{Protocol: "udp"})
	var ce *httpmw.ConfigError
	if !errors.As(err, &ce) || ce.Field != "Endpoint.Protocol" {
		t.Errorf("Session.Listen: %v, want an Endpoint.Protocol ConfigError", err)
	}
}

func TestZeroConfigIsTheDefault(t *testing.T) {
	got := Config{Server: "h:1"}.withDefaults()
	want := DefaultConfig()
	want.Server = "h:1"
	want.Protocol = ""
	if got.ProxyPool != want.ProxyPool || got.PingInterval != want.PingInterval || got.PongTimeout != want.PongTimeout ||
		got.BackoffMin != want.BackoffMin || got.BackoffMax != want.BackoffMax || got.DialTimeout != want.DialTimeout {
		t.Fatalf("zero Config became %+v, want %+v", got, want)
	}
	if c := (Config{Server: "h:1", ProxyPool: -1}).withDefaults(); c.ProxyPool != 0 {
		t.Fatalf("ProxyPool -1 became %d, want no pool", c.ProxyPool)
	}
	if tc := (&Config{Server: "ngrok.example:4443"}).tlsConfig(); tc.ServerName != "ngrok.example" || tc.InsecureSkipVerify || tc.RootCAs != nil {
		t.Fatalf("default TLS: ServerName %q, skip %v", tc.ServerName, tc.InsecureSkipVerify)
	}
}

func TestBackoffDoublesWithinBounds(t *testing.T) {
	s := &Session{cfg: Config{BackoffMin: time.Second, BackoffMax: 30 * time.Second}}
	for n, base := range []time.Duration{1, 2, 4, 8, 16, 30, 30} {
		base *= time.Second
		for range 50 {
			d := s.backoff(n + 1)
			if d < base || d > min(base+base/4, 30*time.Second) {
				t.Fatalf("attempt %d waits %v, want %v plus up to a quarter, at most 30s", n+1, d, base)
			}
		}
	}
}

// FuzzEndpoint checks that validation never panics and that what it accepts
// is something a server can route.
func FuzzEndpoint(f *testing.F) {
	f.Add("http", "demo", "", "u:p", uint16(0))
	f.Add("http+https", "", "example.com", "", uint16(0))
	f.Add("tcp", "", "", "", uint16(8080))
	f.Add("https+http+tcp", "-x", "a..b", "nocolon", uint16(1))
	f.Fuzz(func(t *testing.T, proto, sub, host, auth string, port uint16) {
		ep := Endpoint{Protocol: proto, Subdomain: sub, Hostname: host, HTTPAuth: auth, RemotePort: port}
		if ep.validate("Endpoint") != nil {
			return
		}
		ep = ep.withDefaults()
		for _, p := range strings.Split(ep.Protocol, "+") {
			if !protocols[p] {
				t.Fatalf("accepted protocol %q", ep.Protocol)
			}
		}
		if strings.ContainsAny(ep.Subdomain+ep.Hostname, "/: \r\n") || strings.ContainsAny(ep.HTTPAuth, "\r\n") {
			t.Fatalf("accepted %+v", ep)
		}
	})
}

// FuzzPeerAddr checks that any ClientAddr a server sends becomes an address.
func FuzzPeerAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1:37610", "[::1]:80", "", "garbage", "1.2.3.4:99999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := peerAddr(s)
		if a == nil || a.Network() != "tcp" {
			t.Fatalf("peerAddr(%q) = %v", s, a)
		}
	})
}
