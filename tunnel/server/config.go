package server

import (
	"crypto/tls"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/httpmw/httpmw/internal/cfgerr"
)

// Config configures a Server. Fields left zero take the default named in
// their comment; New validates the rest and names the field it refuses.
type Config struct {
	// Domain is the base of tunnel names: a subdomain "demo" becomes
	// demo.<Domain>. Default "localhost" (browsers and curl resolve
	// *.localhost to the loopback address).
	Domain string

	// TunnelAddr is where ngrok clients connect, always over TLS.
	// Default ":4443", as the original ngrokd.
	TunnelAddr string
	// HTTPAddr and HTTPSAddr are the public listeners for http and https
	// tunnels; "" disables one (as an empty flag does in the original).
	// At least one of HTTPAddr, HTTPSAddr and TCPAddr must be set.
	HTTPAddr  string
	HTTPSAddr string
	// TCPAddr is the IP address TCP tunnels bind to, such as "127.0.0.1"
	// or "0.0.0.0"; "" disables TCP tunnels. The original bound every
	// interface; here it is an explicit choice.
	TCPAddr string
	// TCPPortMin and TCPPortMax bound the ports TCP tunnels may use. Zero
	// for both lets the kernel choose any free port for a RemotePort of 0
	// and allows any requested port.
	TCPPortMin, TCPPortMax int

	// TLSConfig serves the tunnel listener, and the public https listener
	// unless GetCertificate is set. Nil makes a development CA (in memory,
	// or DevCA) that issues a certificate for each name clients ask for;
	// clients then trust Server.RootCAs().
	TLSConfig *tls.Config
	// DevCA, when TLSConfig is nil, is the development CA to use instead
	// of a new in-memory one, such as one kept on disk (LoadDevCA) that
	// clients already trust. Either way the server issues a certificate
	// per name a client asks for, cached: Domain, localhost and the names
	// under them, reserved names, and the address connected to.
	DevCA *DevCA
	// GetCertificate picks the certificate for a public https connection
	// by SNI, so each host may have its own. Nil uses TLSConfig's.
	GetCertificate func(*tls.ClientHelloInfo) (*tls.Certificate, error)

	// Tokens maps each accepted auth token (Auth.User) to an account name,
	// which logs, reservations and Policy see instead of the token.
	Tokens map[string]string
	// Authenticate checks a token when set, returning the account name, or
	// an error whose text is sent to the client. Nil checks Tokens.
	Authenticate func(token string) (account string, err error)
	// AllowAnonymous accepts any token, as the original does, with the
	// account "anonymous". It must be set explicitly when Tokens and
	// Authenticate are both empty.
	AllowAnonymous bool

	// Reservations maps a subdomain ("demo") or a full hostname
	// ("app.example.com") to the only account that may claim it and the
	// names under it (x.demo); the nearest reservation above a name wins.
	// Keys compare in lower case, without a trailing dot; two keys for one
	// name with different accounts are an error. Unreserved names belong
	// to whoever is live on them, with the names under them.
	Reservations map[string]string
	// Policy decides whether an account may claim a tunnel after the
	// reservations were checked; a non-nil error is sent to the client.
	// Nil allows any subdomain, random name and TCP port, and a Hostname
	// outside Domain only when it is reserved for the account.
	Policy func(Claim) error

	// MaxFrame bounds a protocol frame; default wire.DefaultMaxFrame.
	MaxFrame int64
	// MaxTunnelsPerClient bounds tunnels per control connection; default 16.
	MaxTunnelsPerClient int
	// MaxSessionsPerAccount bounds the live sessions (control
	// connections) of one account; default 32. MaxTunnelsPerAccount
	// bounds its tunnels over all its sessions; default 128.
	// MaxTCPPortsPerAccount bounds its tcp tunnels, each a listening port;
	// default 16. Negative means no limit. Clients admitted by
	// AllowAnonymous share one account name, so they count per address
	// (IPv4, or IPv6 /64) instead. A client over a limit gets an AuthResp
	// or NewTunnel error naming it.
	MaxSessionsPerAccount int
	MaxTunnelsPerAccount  int
	MaxTCPPortsPerAccount int
	// MaxPooledProxies bounds the idle proxy connections kept per client;
	// default 10, as the original.
	MaxPooledProxies int
	// MaxPublicConns bounds open public connections (http, https and tcp
	// together); more are accepted and closed at once. Default 4096.
	MaxPublicConns int
	// MaxPublicConnsPerAddr bounds the public connections one address
	// (an IPv4 address, an IPv6 /64) may hold, so that one client cannot
	// take every MaxPublicConns slot; more are closed at once. Default
	// 256 (MaxPublicConns when that is lower); negative means no limit.
	MaxPublicConnsPerAddr int
	// MaxUnauthConnsPerAddr bounds the tunnel-port connections one address
	// (an IPv4 address, an IPv6 /64) may have open before authenticating
	// (TLS handshake and first frame), so that one address holding idle
	// connections cannot lock other clients out of the 1,024 such slots
	// of the server. More are closed at once. Default 32 (a client needs
	// one control and a few proxy connections at a time); negative means
	// no limit.
	MaxUnauthConnsPerAddr int
	// MaxHeaderBytes bounds a public request head; default 64 KiB.
	MaxHeaderBytes int
	// MaxAuthFailures is how many failed attempts (wrong auth tokens on
	// the tunnel port, wrong basic-auth credentials on a tunnel) an
	// address may make within AuthFailureWindow before its attempts are
	// refused unchecked until the window has passed: a client then gets
	// an AuthResp error, a public request 429. Addresses count per IPv4
	// address and per IPv6 /64. While blocked, only a client resuming a
	// session it holds (its ClientId, with that account's token) gets in,
	// so a NAT neighbour's running clients keep working; see checkAuth
	// for why not more. Default 10; negative means no limit.
	MaxAuthFailures int
	// AuthFailureWindow is how long a failure counts; default 1 minute.
	AuthFailureWindow time.Duration

	// AuthTimeout bounds the TLS handshake and first frame of a tunnel
	// connection; default 10 s, as the original.
	AuthTimeout time.Duration
	// HandshakeTimeout bounds the TLS handshake of a tunnel connection,
	// within AuthTimeout: a connection that sends nothing gives its
	// unauthenticated slot back sooner. Default 5 s.
	HandshakeTimeout time.Duration
	// PingTimeout closes a control connection that sent nothing (clients
	// ping every 20 s) for this long; default 30 s, as the original.
	PingTimeout time.Duration
	// WriteTimeout bounds each write on a control connection; default 10 s.
	WriteTimeout time.Duration
	// ProxyIdleTimeout discards pooled proxy connections older than this;
	// default 60 s, as the original.
	ProxyIdleTimeout time.Duration
	// ProxyWaitTimeout is how long a public connection waits for a proxy
	// connection when the pool is empty; default 30 s, as the original.
	ProxyWaitTimeout time.Duration
	// HeaderReadTimeout bounds reading a public request head (and the
	// TLS handshake on https); default 10 s, as the original.
	HeaderReadTimeout time.Duration
	// BodyReadTimeout closes a public connection whose request body
	// brings no byte for this long (nginx's client_body_timeout): a slow
	// upload that keeps moving is fine, a stalled one does not hold its
	// connection and proxy stream forever. Default 60 s, as nginx.
	BodyReadTimeout time.Duration
	// PublicWriteTimeout closes a public connection (http, https or tcp)
	// when one write to it makes no progress for this long: a client that
	// sends requests and never reads the responses, as nginx's
	// send_timeout. A slow reader that keeps reading is not affected.
	// Default 60 s, as nginx.
	PublicWriteTimeout time.Duration
	// IdleTimeout closes a public keep-alive connection idle this long;
	// default 90 s.
	IdleTimeout time.Duration
	// ShutdownTimeout bounds how long Close waits for requests in flight;
	// default 5 s.
	ShutdownTimeout time.Duration

	// BindProxyToControlIP accepts a proxy connection only from the IP
	// address of the control connection that owns its ClientId. Nil means
	// true; set it to a pointer to false behind a load balancer that
	// spreads one client over several source addresses.
	BindProxyToControlIP *bool

	// DisableMux refuses multiplexed proxy streams: every client then gets
	// the 1.7 protocol, one proxy connection per public connection. By
	// default a client that offers them (httpmw's does) gets one TLS
	// connection carrying a stream per public connection (see mux.go).
	DisableMux bool
	// Mux bounds each multiplexed session: open streams, windows,
	// buffers, keepalive. Zero fields take defaults.
	Mux MuxLimits

	// Registry, when set, shares the names and TCP ports of this
	// server's tunnels with other servers acting as one (see Registry and
	// package tunnel/server/cluster). Nil is a single server.
	Registry Registry

	// Logger receives structured logs; never tokens, basic-auth
	// credentials or whole client ids. Nil discards them.
	Logger *slog.Logger
}

// Claim is what Policy decides on: one protocol of one ReqTunnel.
type Claim struct {
	Account    string
	Protocol   string // "http", "https" or "tcp"
	Hostname   string // as requested, lower-cased; "" if none
	Subdomain  string // as requested, lower-cased; "" if none
	RemotePort int    // tcp only; 0 lets the server choose
	URL        string // the URL the tunnel would get ("" for tcp port 0)
}

func (c Config) withDefaults() Config {
	if c.Domain == "" {
		c.Domain = "localhost"
	}
	c.Domain = strings.ToLower(c.Domain)
	if c.TunnelAddr == "" {
		c.TunnelAddr = ":4443"
	}
	if c.MaxFrame == 0 {
		c.MaxFrame = 64 << 10
	}
	if c.MaxTunnelsPerClient == 0 {
		c.MaxTunnelsPerClient = 16
	}
	if c.MaxSessionsPerAccount == 0 {
		c.MaxSessionsPerAccount = 32
	}
	if c.MaxTunnelsPerAccount == 0 {
		c.MaxTunnelsPerAccount = 128
	}
	if c.MaxTCPPortsPerAccount == 0 {
		c.MaxTCPPortsPerAccount = 16
	}
	if c.MaxPooledProxies == 0 {
		c.MaxPooledProxies = 10
	}
	if c.MaxPublicConns == 0 {
		c.MaxPublicConns = 4096
	}
	if c.MaxPublicConnsPerAddr == 0 {
		c.MaxPublicConnsPerAddr = min(256, c.MaxPublicConns)
	}
	if c.MaxUnauthConnsPerAddr == 0 {
		c.MaxUnauthConnsPerAddr = 32
	}
	if c.MaxAuthFailures == 0 {
		c.MaxAuthFailures = 10
	}
	if c.MaxHeaderBytes == 0 {
		c.MaxHeaderBytes = 64 << 10
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.AuthFailureWindow, time.Minute)
	def(&c.AuthTimeout, 10*time.Second)
	def(&c.HandshakeTimeout, 5*time.Second)
	def(&c.PublicWriteTimeout, 60*time.Second)
	def(&c.PingTimeout, 30*time.Second)
	def(&c.WriteTimeout, 10*time.Second)
	def(&c.ProxyIdleTimeout, 60*time.Second)
	def(&c.ProxyWaitTimeout, 30*time.Second)
	def(&c.HeaderReadTimeout, 10*time.Second)
	def(&c.IdleTimeout, 90*time.Second)
	def(&c.BodyReadTimeout, 60*time.Second)
	def(&c.ShutdownTimeout, 5*time.Second)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.Mux = c.Mux.withDefaults(c.PingTimeout)
	return c
}

// validate checks every field of c as the caller set it, returning an
// *httpmw.ConfigError for the first bad one; New resolves the defaults
// after. Rules that relate two fields compare the values as they will
// be once defaulted.
func (c Config) validate() error {
	bad := func(field, format string, args ...any) error {
		return cfgerr.New("server", "Config."+field, format, args...)
	}
	if strings.ContainsAny(c.Domain, "/: ") || strings.HasPrefix(c.Domain, ".") {
		return bad("Domain", "must be a bare DNS name, got %q", c.Domain)
	}
	if c.HTTPAddr == "" && c.HTTPSAddr == "" && c.TCPAddr == "" {
		return bad("HTTPAddr", "HTTPAddr, HTTPSAddr and TCPAddr are all empty: no public listener")
	}
	if c.TCPAddr != "" && net.ParseIP(c.TCPAddr) == nil {
		return bad("TCPAddr", "must be an IP address, got %q", c.TCPAddr)
	}
	if c.TCPPortMin < 0 || c.TCPPortMax > 65535 || c.TCPPortMin > c.TCPPortMax {
		return bad("TCPPortMin", "want 0 <= TCPPortMin <= TCPPortMax <= 65535, got %d-%d", c.TCPPortMin, c.TCPPortMax)
	}
	if len(c.Tokens) == 0 && c.Authenticate == nil && !c.AllowAnonymous {
		return bad("Tokens", "no tokens and no Authenticate hook; set AllowAnonymous to accept anyone")
	}
	for tok, acct := range c.Tokens {
		if tok == "" || acct == "" {
			return bad("Tokens", "empty token or account name")
		}
	}
	if c.MaxFrame != 0 && c.MaxFrame < 256 {
		return bad("MaxFrame", "must be at least 256 bytes, got %d", c.MaxFrame)
	}
	for name, v := range map[string]int{
		"MaxTunnelsPerClient": c.MaxTunnelsPerClient,
		"MaxPooledProxies":    c.MaxPooledProxies,
		"MaxPublicConns":      c.MaxPublicConns,
		"MaxHeaderBytes":      c.MaxHeaderBytes,
	} {
		if v < 0 {
			return bad(name, "must not be negative, got %d", v)
		}
	}
	for name, d := range map[string]time.Duration{
		"AuthTimeout": c.AuthTimeout, "PingTimeout": c.PingTimeout, "WriteTimeout": c.WriteTimeout,
		"ProxyIdleTimeout": c.ProxyIdleTimeout, "ProxyWaitTimeout": c.ProxyWaitTimeout,
		"HeaderReadTimeout": c.HeaderReadTimeout, "IdleTimeout": c.IdleTimeout, "ShutdownTimeout": c.ShutdownTimeout,
		"AuthFailureWindow": c.AuthFailureWindow, "BodyReadTimeout": c.BodyReadTimeout,
		"HandshakeTimeout": c.HandshakeTimeout, "PublicWriteTimeout": c.PublicWriteTimeout,
	} {
		if d < 0 {
			return bad(name, "must not be negative, got %v", d)
		}
	}
	if err := c.Mux.validate(); err != nil {
		return err
	}
	_, err := normalizeReservations(c.Reservations, c.withDefaults().Domain)
	return err
}

func (c Config) bindProxyToIP() bool {
	return c.BindProxyToControlIP == nil || *c.BindProxyToControlIP
}
