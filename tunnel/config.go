package tunnel

import (
	"crypto/tls"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/httpmw/httpmw/internal/cfgerr"
)

// Config configures a Session and, through the embedded Endpoint, the tunnel
// that Listen opens. Every field but Server has a working zero value; the
// defaults are those of DefaultConfig, which follow the stock ngrok 1.7
// client where it had one.
type Config struct {
	// Server is the ngrokd tunnel address, host:port (ngrokd's -tunnelAddr,
	// 4443 by default). Required.
	Server string
	// Servers are more tunnel addresses of the same service, host:port
	// each, such as the other nodes of a tunnel/server/cluster. When the
	// control connection is lost, each reconnect attempt moves on to the
	// next address (Server first, then Servers, round again), and proxy
	// connections follow the control connection. The TLS ServerName stays
	// the host of Server unless TLSConfig sets one, so every node's
	// certificate must cover it. nil means Server only.
	Servers []string

	// TLSConfig is used for every connection to Server; it is cloned. nil
	// means the system's roots (so SSL_CERT_FILE and SSL_CERT_DIR apply) and
	// the host of Server as ServerName; an empty ServerName is filled the
	// same way. Verification is skipped only if InsecureSkipVerify is set
	// here explicitly.
	//
	// Unless multiplexed (see DisableMux), each public connection costs
	// one handshake, and its key exchange is most of the CPU a new public
	// connection costs client and server.
	// With CurvePreferences left nil, the control connection uses Go's
	// default, the hybrid post-quantum X25519MLKEM768, and proxy
	// connections resume its session with X25519 alone, which keeps the
	// hybrid's protection at about a third less CPU (see resume.go); a
	// proxy connection that cannot resume makes a full hybrid handshake.
	// CurvePreferences set here apply to every connection as given.
	TLSConfig *tls.Config

	// DisableX25519Resume makes proxy connections offer the full TLS
	// configuration instead of resuming with X25519 alone. A resumed
	// connection's protection rests on the hybrid handshake it resumes AND
	// on the server's session ticket keys (see resume.go); set this when
	// those keys are not trusted to stay secret. It costs about a third
	// more CPU per proxy connection. Multiplexed sessions dial proxy
	// connections rarely, so it matters little there.
	DisableX25519Resume bool

	// DisableMux stops the client from offering multiplexed proxy streams:
	// every public connection then costs a proxy connection (a TLS
	// handshake), as with the 1.7 protocol. By default the client offers
	// them in Auth, and a server that accepts (httpmw's tunnel/server)
	// carries every public connection as a stream over one long-lived TLS
	// connection instead (see mux.go); a 1.7 ngrokd ignores the offer.
	DisableMux bool

	// AuthToken is sent as Auth.User. A stock ngrokd ignores it; httpmw's
	// tunnel/server checks it. It is never logged.
	AuthToken string

	// Endpoint is the tunnel Listen asks for. Dial ignores it.
	Endpoint

	// ProxyPool is how many proxy connections are registered up front, so a
	// new public connection does not wait for a TLS handshake. 0 means 4;
	// negative means none (only on the server's ReqProxy, as the stock
	// client does). A stock ngrokd keeps at most 10 per client.
	ProxyPool int

	// DialTimeout bounds the TCP connect and TLS handshake of every
	// connection to Server. 0 means 10 s.
	DialTimeout time.Duration
	// ReplyTimeout bounds the wait for AuthResp and NewTunnel. 0 means 10 s.
	ReplyTimeout time.Duration
	// WriteTimeout bounds each write on the control connection. 0 means 10 s.
	WriteTimeout time.Duration
	// PingInterval is how often the client pings. 0 means 20 s.
	PingInterval time.Duration
	// PongTimeout is how long a Ping may go unanswered before the session
	// reconnects. 0 means 15 s.
	PongTimeout time.Duration
	// BackoffMin and BackoffMax bound the wait before each reconnect
	// attempt: it starts at BackoffMin, doubles up to BackoffMax, gets up to
	// a quarter more at random so that many clients do not retry in step,
	// and starts over after a successful reconnect. 0 means 1 s and 30 s.
	BackoffMin, BackoffMax time.Duration

	// Logger receives connection and reconnect reports; it never sees the
	// auth token, the HTTP credentials or the client id. nil means no logs.
	Logger *slog.Logger

	// OnEvent is called on the session's own goroutine when the session
	// connects, loses its control connection, or gets a tunnel URL. It must
	// return quickly and must not call Close. nil means no events.
	OnEvent func(Event)
}

// Endpoint is the public side of one tunnel, as sent in ReqTunnel.
type Endpoint struct {
	// Protocol is "http", "https", "tcp", or several joined by "+", such as
	// "http+https" (one Listener then serves both URLs). "" means "http".
	Protocol string
	// Subdomain asks for <Subdomain>.<server domain> (http and https only).
	// "" lets the server pick a random one.
	Subdomain string
	// Hostname asks for this exact host name (http and https only).
	Hostname string
	// HTTPAuth, "user:pass", makes the server require these Basic
	// credentials on requests (http and https only). It is never logged.
	HTTPAuth string
	// RemotePort asks for this public port (tcp only). 0 lets the server
	// choose.
	RemotePort uint16
}

// DefaultConfig returns a Config with every default spelled out; set Server
// (and whatever else) before use.
func DefaultConfig() Config {
	return Config{
		Endpoint:     Endpoint{Protocol: "http"},
		ProxyPool:    4,
		DialTimeout:  10 * time.Second,
		ReplyTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second,
		PingInterval: 20 * time.Second,
		PongTimeout:  15 * time.Second,
		BackoffMin:   time.Second,
		BackoffMax:   30 * time.Second,
	}
}

// maxPoolSize bounds ProxyPool; maxProxies bounds the proxy connections a
// session keeps idle or dialing, whatever a server asks with ReqProxy.
const (
	maxPoolSize = 64
	maxProxies  = 128
)

// durations lists the timeouts of c with their defaults.
func (c *Config) durations() []duration {
	def := DefaultConfig()
	return []duration{
		{"DialTimeout", &c.DialTimeout, def.DialTimeout},
		{"ReplyTimeout", &c.ReplyTimeout, def.ReplyTimeout},
		{"WriteTimeout", &c.WriteTimeout, def.WriteTimeout},
		{"PingInterval", &c.PingInterval, def.PingInterval},
		{"PongTimeout", &c.PongTimeout, def.PongTimeout},
		{"BackoffMin", &c.BackoffMin, def.BackoffMin},
		{"BackoffMax", &c.BackoffMax, def.BackoffMax},
	}
}

type duration struct {
	name string
	v    *time.Duration
	def  time.Duration
}

func invalid(field, format string, args ...any) error {
	return cfgerr.New("tunnel", field, format, args...)
}

// validate checks every session field of c (not the Endpoint, which
// Endpoint.validate checks), returning an *httpmw.ConfigError for the
// first bad one.
func (c Config) validate() error {
	if c.Server == "" {
		return invalid("Config.Server", "required (host:port of the ngrokd tunnel address)")
	}
	if _, _, err := net.SplitHostPort(c.Server); err != nil {
		return invalid("Config.Server", "must be host:port, got %q", c.Server)
	}
	for _, a := range c.Servers {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return invalid("Config.Servers", "must be host:port each, got %q", a)
		}
	}
	if c.ProxyPool > maxPoolSize {
		return invalid("Config.ProxyPool", "must be at most %d, got %d", maxPoolSize, c.ProxyPool)
	}
	for _, d := range c.durations() {
		if *d.v < 0 {
			return invalid("Config."+d.name, "must not be negative, got %v", *d.v)
		}
	}
	// Compared as they will be once defaulted.
	if d := c.withDefaults(); d.BackoffMax < d.BackoffMin {
		return invalid("Config.BackoffMax", "must be at least BackoffMin (%v), got %v", d.BackoffMin, d.BackoffMax)
	}
	return nil
}

// withDefaults returns c with zero fields set to defaults.
func (c Config) withDefaults() Config {
	for _, d := range c.durations() {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	switch {
	case c.ProxyPool == 0:
		c.ProxyPool = DefaultConfig().ProxyPool
	case c.ProxyPool < 0:
		c.ProxyPool = 0
	}
	return c
}

// tlsConfig is the configuration every connection to the server uses.
func (c *Config) tlsConfig() *tls.Config {
	var t *tls.Config
	if c.TLSConfig != nil {
		t = c.TLSConfig.Clone()
	} else {
		t = &tls.Config{}
	}
	if t.ServerName == "" {
		host, _, _ := net.SplitHostPort(c.Server)
		t.ServerName = host
	}
	// Every public connection costs one proxy connection, so resuming TLS
	// sessions instead of full handshakes is what keeps new connections
	// cheap.
	if t.ClientSessionCache == nil {
		t.ClientSessionCache = tls.NewLRUClientSessionCache(32)
	}
	return t
}

// protocols are what ReqTunnel.Protocol may join with "+".
var protocols = map[string]bool{"http": true, "https": true, "tcp": true}

// validate checks every field of e, returning an *httpmw.ConfigError
// for the first bad one; its field path starts with owner ("Config" or
// "Endpoint").
func (e Endpoint) validate(owner string) error {
	e = e.withDefaults() // "" is "http"
	seen := map[string]bool{}
	for _, p := range strings.Split(e.Protocol, "+") {
		if !protocols[p] || seen[p] {
			return invalid(owner+".Protocol", "must be http, https, tcp or a +-joined set of them, got %q", e.Protocol)
		}
		seen[p] = true
	}
	web := seen["http"] || seen["https"]
	if e.Subdomain != "" {
		if !web {
			return invalid(owner+".Subdomain", "only for http and https tunnels")
		}
		if !validHost(e.Subdomain, 63) || strings.Contains(e.Subdomain, ".") {
			return invalid(owner+".Subdomain", "must be one DNS label (letters, digits, '-'), got %q", e.Subdomain)
		}
	}
	if e.Hostname != "" {
		if !web {
			return invalid(owner+".Hostname", "only for http and https tunnels")
		}
		if !validHost(e.Hostname, 253) {
			return invalid(owner+".Hostname", "must be a DNS name, got %q", e.Hostname)
		}
	}
	if e.HTTPAuth != "" {
		if !web {
			return invalid(owner+".HTTPAuth", "only for http and https tunnels")
		}
		// The credentials travel in one frame, which the 1.7 peers read
		// with a single Read; keep it well inside one TLS record.
		if !strings.Contains(e.HTTPAuth, ":") || len(e.HTTPAuth) > 1024 || strings.ContainsAny(e.HTTPAuth, "\r\n") {
			return invalid(owner+".HTTPAuth", "must be user:pass, at most 1024 bytes")
		}
	}
	if e.RemotePort != 0 && !seen["tcp"] {
		return invalid(owner+".RemotePort", "only for tcp tunnels")
	}
	return nil
}

// withDefaults returns e with Protocol defaulted to "http".
func (e Endpoint) withDefaults() Endpoint {
	if e.Protocol == "" {
		e.Protocol = "http"
	}
	return e
}

// validHost reports whether s is a dot-separated list of DNS labels made
// of letters, digits and '-', at most max bytes.
func validHost(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
