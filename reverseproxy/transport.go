package reverseproxy

import (
	"context"
	"net"
	"net/http"
	"sync"

	"github.com/httpmw/httpmw/balancer"
)

// newTransport returns the Transport a Proxy uses when Config.Transport is
// nil. Compared with http.DefaultTransport it keeps many idle connections
// per upstream (the default of 2 makes a busy proxy dial for most requests
// and pile up TIME_WAIT sockets), never asks for compression on its own
// (the client's Accept-Encoding goes up unchanged and the body comes back
// as the upstream sent it), and dials unix sockets for unix: upstreams.
func newTransport(c *Config, sockets map[string]string) *http.Transport {
	d := &net.Dialer{Timeout: c.DialTimeout}
	if d.Timeout == 0 {
		d.Timeout = defaultDialTimeout
	}
	idle := c.MaxIdleConnsPerHost
	if idle == 0 {
		idle = defaultIdlePerHost
	}
	tr := &http.Transport{
		Proxy: nil, // an upstream is dialed directly, whatever HTTP_PROXY says
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if path, ok := sockets[addr]; ok {
				return d.DialContext(ctx, "unix", path)
			}
			// The pool's health probes name their upstream in the context.
			if h := balancer.HostFromContext(ctx); h != nil && h.Addr().Network == "unix" {
				return d.DialContext(ctx, "unix", h.Addr().Address)
			}
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConns:          0, // no global cap; the per-host cap bounds it
		MaxIdleConnsPerHost:   idle,
		IdleConnTimeout:       defaultIdleConnTime,
		ResponseHeaderTimeout: c.Timeout,
		ExpectContinueTimeout: 0,
		DisableCompression:    true,
		ForceAttemptHTTP2:     true,
		WriteBufferSize:       16 << 10,
		ReadBufferSize:        16 << 10,
	}
	if c.TLS != nil {
		tr.TLSClientConfig = c.TLS.Clone()
	}
	return tr
}

// bufferPool lends httputil.ReverseProxy its 32 KiB copy buffers, which it
// would otherwise allocate for every response. The pool holds array
// pointers so that a Put does not allocate either.
type bufferPool struct{ p sync.Pool }

const copyBufferSize = 32 << 10

func (b *bufferPool) Get() []byte {
	if v, ok := b.p.Get().(*[copyBufferSize]byte); ok {
		return v[:]
	}
	return new([copyBufferSize]byte)[:]
}

func (b *bufferPool) Put(buf []byte) {
	if cap(buf) < copyBufferSize {
		return
	}
	b.p.Put((*[copyBufferSize]byte)(buf[:copyBufferSize]))
}
