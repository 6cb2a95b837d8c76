package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// leanProxy is the "leanest net/http proxy" peer: what a careful engineer
// writes by hand on net/http's server and a tuned http.Transport when speed
// is all that counts, and still a correct HTTP/1.1 proxy. It builds the
// outgoing request itself (no Request.Clone, header values shared, not
// copied), drops the hop-by-hop headers both ways, sets X-Forwarded-For,
// -Proto and -Host, picks the upstream round robin with one atomic add, and
// copies the body through pooled 32 KiB buffers. It has no retries, no
// health, no header rules, no upgrades and no trailers: the floor a
// net/http proxy can reach, not a product.
type leanProxy struct {
	upstreams []string
	next      atomic.Uint32
	tr        *http.Transport
	rt        http.RoundTripper // what sends: tr, or a canned answer in the layer rows
	bufs      sync.Pool         // *[32 << 10]byte
}

func newLeanProxy(upstreams ...string) *leanProxy {
	p := &leanProxy{
		upstreams: upstreams,
		tr: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 256,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			WriteBufferSize:     16 << 10,
			ReadBufferSize:      16 << 10,
		},
		bufs: sync.Pool{New: func() any { return new([32 << 10]byte) }},
	}
	p.rt = p.tr
	return p
}

// leanHopHeaders are dropped in both directions (RFC 9110, 7.6.1).
var leanHopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// leanCopyHeader copies src to dst without the hop-by-hop fields, sharing
// the value slices (neither side appends to them afterwards).
func leanCopyHeader(dst, src http.Header) {
	for k, v := range src {
		dst[k] = v
	}
	for _, f := range src["Connection"] {
		for _, name := range strings.Split(f, ",") {
			delete(dst, http.CanonicalHeaderKey(strings.TrimSpace(name)))
		}
	}
	for _, k := range leanHopHeaders {
		delete(dst, k)
	}
}

// leanOutgoing is r as it goes to upstream: its own URL and header (the
// hop-by-hop fields dropped, X-Forwarded-* set), everything else shared.
func leanOutgoing(r *http.Request, upstream string) *http.Request {
	u := *r.URL
	u.Scheme, u.Host = "http", upstream
	out := new(http.Request)
	*out = *r // one allocation; the context comes along
	out.URL, out.RequestURI, out.Close = &u, "", false
	out.Proto, out.ProtoMajor, out.ProtoMinor = "HTTP/1.1", 1, 1
	out.Header = make(http.Header, len(r.Header)+3)
	if r.ContentLength == 0 {
		out.Body = nil
	}
	leanCopyHeader(out.Header, r.Header)
	clientIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	if prior := r.Header["X-Forwarded-For"]; len(prior) > 0 {
		clientIP = strings.Join(prior, ", ") + ", " + clientIP
	}
	vals := []string{clientIP, "http", r.Host} // one allocation for three fields
	out.Header["X-Forwarded-For"] = vals[0:1:1]
	out.Header["X-Forwarded-Proto"] = vals[1:2:2]
	out.Header["X-Forwarded-Host"] = vals[2:3:3]
	return out
}

func (p *leanProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	out := leanOutgoing(r, p.upstreams[int(p.next.Add(1))%len(p.upstreams)])

	res, err := p.rt.RoundTrip(out)
	if err != nil {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	leanCopyHeader(w.Header(), res.Header)
	w.WriteHeader(res.StatusCode)
	buf := p.bufs.Get().(*[32 << 10]byte)
	io.CopyBuffer(leanWriter{w}, res.Body, buf[:])
	p.bufs.Put(buf)
}

// leanWriter hides ReadFrom, so that io.CopyBuffer uses the pooled buffer.
type leanWriter struct{ io.Writer }
