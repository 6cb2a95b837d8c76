package reverseproxy

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"time"

	"github.com/httpmw/httpmw/balancer"
	"github.com/httpmw/httpmw/internal/cfgerr"
	"github.com/httpmw/httpmw/internal/clientip"
)

// Config configures a Proxy. Set Balancer.Upstreams (or Pool); every other
// field has a working zero value.
type Config struct {
	// Path is the request path prefix proxied, matched on whole segments as
	// httpmw.Path does. "" or "/" proxies everything.
	Path string
	// Without is a prefix cut from the path before it goes upstream, as in
	// Caddy's "without": with "/api", /api/users goes up as /users.
	Without string
	// Except lists paths under Path that are not proxied but handed to the
	// next handler.
	Except []string

	// Balancer configures the pool of upstreams the Proxy builds, checks and
	// closes. Ignored when Pool is set.
	Balancer balancer.Config
	// Pool, when set, is a pool the caller built and closes; upstream
	// addresses may be "host:port", "http://", "https://" or "unix:".
	Pool *balancer.Pool

	// UpstreamHost sends the upstream's host:port as the Host header
	// ("localhost" for a unix socket). false passes the client's Host
	// through, which is what applications behind a proxy usually expect.
	// A HeaderUp rule that sets or adds Host wins over both, whatever its
	// value: "Host {host}" (Caddy's transparent preset) sends the client's
	// Host even with UpstreamHost set. A rule deleting Host changes nothing.
	UpstreamHost bool
	// HeaderUp edits the request headers sent upstream, in order.
	HeaderUp []HeaderRule
	// HeaderDown edits the response headers sent to the client, in order.
	HeaderDown []HeaderRule

	// TrustedProxies lists the peers, as CIDRs or single addresses, whose
	// X-Forwarded-For, -Proto and -Host are kept and extended. From anyone
	// else those headers are replaced with what this proxy saw. nil trusts
	// nobody. The RFC 7239 Forwarded header is dropped either way, as
	// httputil drops it.
	TrustedProxies []string

	// MaxBodyBytes caps request bodies; a larger one is answered 413.
	// 0 means no limit.
	MaxBodyBytes int64

	// TryDuration is how long to keep trying upstreams for one request when
	// they fail or none is available, pausing TryInterval between rounds.
	// 0 means one round: each upstream at most once, no pause.
	TryDuration time.Duration
	// TryInterval is the pause between rounds of tries. 0 means 250ms.
	TryInterval time.Duration
	// RetryBodyBytes is the largest request body buffered so that an
	// idempotent request can be sent again after a failure other than a
	// failed dial. 0 means 64 KiB; negative means bodies are never buffered.
	RetryBodyBytes int64

	// Transport sends requests upstream. nil means a Transport of the
	// Proxy's own, tuned for proxying and built from the fields below.
	// Requests reach a Transport of the caller's with the upstream's
	// scheme and host:port in the URL and its *balancer.Host in the
	// context (balancer.HostFromContext), which is how such a Transport
	// can dial a unix: upstream, whose URL host is a made-up name.
	Transport http.RoundTripper
	// DialTimeout bounds connecting to an upstream. 0 means 5 seconds.
	DialTimeout time.Duration
	// Timeout bounds the wait for an upstream's response header; a slow
	// upstream is answered 504. 0 means no limit.
	Timeout time.Duration
	// MaxIdleConnsPerHost is how many keep-alive connections to each
	// upstream are kept. 0 means 256.
	MaxIdleConnsPerHost int
	// TLS configures connections to https upstreams, RootCAs for a private
	// CA say. nil means the system roots.
	TLS *tls.Config
	// FlushInterval is passed to httputil.ReverseProxy: 0 flushes streams of
	// unknown length and text/event-stream at once and buffers the rest;
	// a negative value flushes after every write.
	FlushInterval time.Duration

	// ErrorLog receives errors httputil.ReverseProxy cannot return, such as
	// a broken websocket copy. nil means log.Default().
	ErrorLog func(format string, args ...any)
}

// HeaderOp is what a HeaderRule does.
type HeaderOp int

// The header operations.
const (
	HeaderSet    HeaderOp = iota // replace the header with Value
	HeaderAdd                    // add Value beside existing values
	HeaderDelete                 // remove the header; Value is unused
)

// HeaderRule edits one header. Value may hold placeholders, filled in for
// each request:
//
//	{host} {hostonly} {method} {scheme} {proto} {uri} {path} {query}
//	{remote} (the peer's address, no port) {remote_port}
//	{upstream} (the upstream's host:port, or "unix") {>Name} (a request
//	header) {<Name} (a response header; HeaderDown only)
//
// A Name of "Host" in HeaderUp sets the Host the upstream sees.
type HeaderRule struct {
	Op    HeaderOp
	Name  string
	Value string
}

const (
	defaultDialTimeout  = 5 * time.Second
	defaultTryInterval  = 250 * time.Millisecond
	defaultRetryBody    = 64 << 10
	defaultIdlePerHost  = 256
	defaultIdleConnTime = 90 * time.Second
)

// validate checks what New cannot default and names the field at fault.
func (c *Config) validate() error {
	if c.Pool == nil {
		if len(c.Balancer.Upstreams) == 0 {
			return cfgerr.New("reverseproxy", "Config.Balancer.Upstreams", "at least one upstream is required (or set Config.Pool)")
		}
		for i, u := range c.Balancer.Upstreams {
			if err := checkScheme(u.Addr); err != nil {
				return cfgerr.New("reverseproxy", fmt.Sprintf("Config.Balancer.Upstreams[%d].Addr", i), "%w", err)
			}
		}
	} else {
		for i, h := range c.Pool.Hosts() {
			if err := checkScheme(h.String()); err != nil {
				return cfgerr.New("reverseproxy", "Config.Pool", "upstream %d: %w", i, err)
			}
		}
	}
	if c.Path != "" && c.Path[0] != '/' {
		return cfgerr.New("reverseproxy", "Config.Path", "must start with \"/\", got %q", c.Path)
	}
	if c.Without != "" && c.Without[0] != '/' {
		return cfgerr.New("reverseproxy", "Config.Without", "must start with \"/\", got %q", c.Without)
	}
	for i, e := range c.Except {
		if e == "" || e[0] != '/' {
			return cfgerr.New("reverseproxy", fmt.Sprintf("Config.Except[%d]", i), "must start with \"/\", got %q", e)
		}
	}
	if _, i, err := clientip.ParseTrusted(c.TrustedProxies); err != nil {
		return cfgerr.New("reverseproxy", fmt.Sprintf("Config.TrustedProxies[%d]", i), "%v", err)
	}
	if c.MaxBodyBytes < 0 {
		return cfgerr.New("reverseproxy", "Config.MaxBodyBytes", "must not be negative, got %d", c.MaxBodyBytes)
	}
	for name, d := range map[string]time.Duration{"TryDuration": c.TryDuration, "TryInterval": c.TryInterval, "DialTimeout": c.DialTimeout, "Timeout": c.Timeout} {
		if d < 0 {
			return cfgerr.New("reverseproxy", "Config."+name, "must not be negative, got %v", d)
		}
	}
	if c.MaxIdleConnsPerHost < 0 {
		return cfgerr.New("reverseproxy", "Config.MaxIdleConnsPerHost", "must not be negative, got %d", c.MaxIdleConnsPerHost)
	}
	return nil
}

func checkScheme(addr string) error {
	a, err := balancer.ParseAddr(addr)
	if err != nil {
		return err
	}
	switch a.Scheme {
	case "", "http", "https", "ws", "wss":
		return nil
	}
	return fmt.Errorf("scheme %q cannot be proxied to; use http or https", a.Scheme)
}
