package reverseproxy

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/balancer"
	"github.com/httpmw/httpmw/internal/cfgerr"
	"github.com/httpmw/httpmw/internal/clientip"
	"github.com/httpmw/httpmw/internal/respwriter"
)

// Proxy forwards requests to a pool of upstreams. Make one with New; it is
// safe for concurrent use. Close it to stop health checks and drop idle
// upstream connections.
type Proxy struct {
	path    httpmw.Path
	without string
	except  []httpmw.Path

	pool      *balancer.Pool
	ownPool   bool
	targets   []target // by Host.Index()
	transport http.RoundTripper
	ownTr     *http.Transport
	rp        *httputil.ReverseProxy

	trusted      clientip.Trusted
	headerUp     []headerRule
	headerDown   []headerRule
	upstreamHost bool
	maxBody      int64
	retryBody    int64
	tryDuration  time.Duration
	tryInterval  time.Duration

	exchanges sync.Pool
}

// target is how requests reach one upstream.
type target struct {
	scheme     string // http or https
	urlHost    string // the URL's host: host:port, or a made-up name for a socket
	hostHeader string // the Host sent when Config.UpstreamHost is set
	label      string // what {upstream} shows
}

// New validates c and returns a Proxy. When c.Pool is nil it builds a pool
// from c.Balancer, whose active checks (if any) start now.
func New(c Config) (*Proxy, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	p := &Proxy{
		path:         httpmw.Path{Base: c.Path},
		without:      strings.TrimSuffix(c.Without, "/"),
		upstreamHost: c.UpstreamHost,
		maxBody:      c.MaxBodyBytes,
		retryBody:    c.RetryBodyBytes,
		tryDuration:  c.TryDuration,
		tryInterval:  c.TryInterval,
	}
	for _, e := range c.Except {
		p.except = append(p.except, httpmw.Path{Base: e})
	}
	p.trusted, _, _ = clientip.ParseTrusted(c.TrustedProxies) // validated
	var err error
	if p.headerUp, err = compileRules("HeaderUp", c.HeaderUp, false); err != nil {
		return nil, err
	}
	if p.headerDown, err = compileRules("HeaderDown", c.HeaderDown, true); err != nil {
		return nil, err
	}
	if setsHost(p.headerUp) {
		// The rule decides the Host, whatever it renders to: "Host {host}"
		// keeps the client's Host, which is the point of writing it.
		p.upstreamHost = false
	}
	if p.retryBody == 0 {
		p.retryBody = defaultRetryBody
	}
	if p.tryInterval == 0 {
		p.tryInterval = defaultTryInterval
	}

	addrs := make([]balancer.Addr, 0, len(c.Balancer.Upstreams))
	if c.Pool != nil {
		for _, h := range c.Pool.Hosts() {
			addrs = append(addrs, h.Addr())
		}
	} else {
		for _, u := range c.Balancer.Upstreams {
			a, _ := balancer.ParseAddr(u.Addr) // validated
			addrs = append(addrs, a)
		}
	}
	sockets := map[string]string{}
	for i, a := range addrs {
		t := target{scheme: "http", urlHost: a.Address, hostHeader: a.Address, label: a.Address}
		if a.Scheme == "https" || a.Scheme == "wss" {
			t.scheme = "https"
		}
		if a.Network == "unix" {
			// Each socket gets a host name of its own so that the
			// Transport keeps a separate connection pool per socket.
			t.urlHost = fmt.Sprintf("upstream-%d.unix.invalid:1", i)
			t.hostHeader, t.label = "localhost", "unix"
			sockets[t.urlHost] = a.Address
		}
		p.targets = append(p.targets, t)
	}

	p.transport = c.Transport
	if p.transport == nil {
		p.ownTr = newTransport(&c, sockets)
		p.transport = p.ownTr
	}
	if c.Pool != nil {
		p.pool = c.Pool
	} else {
		bc := c.Balancer
		if bc.Active.Client == nil && bc.Active.Check == nil && bc.Active.Path != "" {
			// Probes go through the proxy's own transport: same TLS roots,
			// same unix sockets.
			bc.Active.Client = &http.Client{
				Transport:     p.transport,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			}
		}
		if p.pool, err = balancer.New(bc); err != nil {
			p.closeTransport()
			return nil, cfgerr.New("reverseproxy", "Config.Balancer", "%w", err)
		}
		p.ownPool = true
	}

	logf := c.ErrorLog
	if logf == nil {
		logf = log.Printf
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      (*balancing)(p),
		FlushInterval:  c.FlushInterval,
		BufferPool:     &bufferPool{},
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.recordError,
		ErrorLog:       log.New(logWriter(logf), "", 0),
	}
	return p, nil
}

// logWriter adapts a printf-like func to the io.Writer log.Logger wants.
type logWriter func(format string, args ...any)

func (f logWriter) Write(b []byte) (int, error) {
	f("%s", strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

// Close stops the pool's health checks, when the Proxy built the pool, and
// closes idle upstream connections of its own Transport.
func (p *Proxy) Close() error {
	var err error
	if p.ownPool {
		err = p.pool.Close()
	}
	p.closeTransport()
	return err
}

func (p *Proxy) closeTransport() {
	if p.ownTr != nil {
		p.ownTr.CloseIdleConnections()
	}
}

// Pool is the pool the Proxy balances over, to look at its hosts' health.
func (p *Proxy) Pool() *balancer.Pool { return p.pool }

// ServeHTTP is Middleware ending in httpmw.NotFound: r is proxied when its
// path is under Path and not under Except, and answered 404, unwritten,
// otherwise.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) (int, error) {
	return p.serve(w, r, httpmw.HandlerFunc(httpmw.NotFound))
}

// Middleware proxies the requests under Path, except those under Except,
// and hands every other request to next.
//
// A proxied request returns the upstream's status when it is below 400,
// and 0 otherwise: an upstream's own error page has been passed through
// and must not be replaced. When no upstream answered, nothing is written
// and the status says why (502, 503, 504, 413, 400 or 408 for a request
// body that could not be read, or 499 when the client left), with an error
// wrapping ErrBadGateway, ErrNoUpstream, ErrGatewayTimeout, ErrBodyTooLarge,
// ErrBadRequest or ErrClientClosed.
func (p *Proxy) Middleware(next httpmw.Handler) httpmw.Handler {
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		return p.serve(w, r, next)
	})
}

func (p *Proxy) matches(path string) bool {
	if !p.path.Matches(path) {
		return false
	}
	for _, e := range p.except {
		if e.Matches(path) {
			return false
		}
	}
	return true
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request, next httpmw.Handler) (int, error) {
	if !p.matches(r.URL.Path) {
		return next.ServeHTTP(w, r)
	}
	if p.maxBody > 0 && r.Body != nil && r.Body != http.NoBody {
		if r.ContentLength > p.maxBody {
			return http.StatusRequestEntityTooLarge, fmt.Errorf("%w: Content-Length %d, limit %d", ErrBodyTooLarge, r.ContentLength, p.maxBody)
		}
		if r.ContentLength < 0 {
			// Chunked: the limit trips while the body streams upstream.
			r.Body = http.MaxBytesReader(w, r.Body, p.maxBody)
		}
	}

	rw, shared := w.(*respwriter.Writer)
	if !shared {
		rw = respwriter.Get(w)
		defer respwriter.Put(rw)
	}
	x := p.getExchange(r)
	p.rp.ServeHTTP(rw, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, x)))
	x.body.release() // in case httputil did not close the body
	status, err := p.outcome(x, rw, r.Context())
	p.putExchange(x)
	return status, err
}

// outcome turns what happened into the Handler contract's status and error.
func (p *Proxy) outcome(x *exchange, rw *respwriter.Writer, ctx context.Context) (int, error) {
	if x.err == nil {
		if s := rw.Status(); s < 400 {
			return s, nil
		}
		return 0, nil // the upstream's own error page went out as it was
	}
	if rw.Written() {
		return 0, fmt.Errorf("reverseproxy: after the response began: %w", x.err)
	}
	return classify(ctx, x.err)
}

// recordError is httputil's ErrorHandler: it writes nothing and keeps the
// error for outcome, so the caller writes the error page of its choice.
func (p *Proxy) recordError(w http.ResponseWriter, r *http.Request, err error) {
	if x := exchangeFrom(r.Context()); x != nil {
		x.err = err
		return
	}
	w.WriteHeader(http.StatusBadGateway) // unreachable: every request carries an exchange
}
