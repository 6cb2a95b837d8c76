package reverseproxy

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"sync"

	"github.com/httpmw/httpmw/balancer"
)

// exchange is the state of one proxied request, pooled. forward passes it
// along as an argument; for an upgrade request it reaches the hooks
// httputil.ReverseProxy calls (Rewrite, Transport, ModifyResponse,
// ErrorHandler), which see the request only, in the request's context.
type exchange struct {
	in       *http.Request // the client's request, for policies and placeholders
	host     *balancer.Host
	tried    []*balancer.Host
	triedBuf [4]*balancer.Host
	err      error // what ErrorHandler was given
	body     upstreamBody

	// 1xx responses go to the client while the round trip is on; the
	// Transport reports them from a goroutine of its own.
	w       http.ResponseWriter
	trace   *httptrace.ClientTrace // made once, read-only after
	mu      sync.Mutex
	rtEnded bool
}

// traced returns ctx with the trace that passes 1xx responses on. The
// exchange's own trace is made once and never written again: the
// Transport may still read it (its PutIdleConn hook, say) after the
// response was copied and the exchange went back to its pool. Under a
// trace of the caller's, WithClientTrace composes the two into the one it
// is given, so that case gets a trace of its own.
func (x *exchange) traced(ctx context.Context) context.Context {
	if x.trace == nil {
		x.trace = &httptrace.ClientTrace{Got1xxResponse: x.got1xx}
	}
	x.mu.Lock()
	x.rtEnded = false
	x.mu.Unlock()
	if httptrace.ContextClientTrace(ctx) != nil {
		return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{Got1xxResponse: x.trace.Got1xxResponse})
	}
	return httptrace.WithClientTrace(ctx, x.trace)
}

// end1xx stops passing 1xx responses on: the final one has arrived.
func (x *exchange) end1xx() {
	x.mu.Lock()
	x.rtEnded = true
	x.mu.Unlock()
}

func (x *exchange) got1xx(code int, h textproto.MIMEHeader) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.rtEnded {
		return nil // the response's header map is no longer ours to touch
	}
	dst := x.w.Header()
	for k, vv := range h {
		dst[k] = append(dst[k], vv...)
	}
	x.w.WriteHeader(code)
	clear(dst) // WriteHeader does not clear it for a 1xx
	return nil
}

type exchangeKey struct{}

func exchangeFrom(ctx context.Context) *exchange {
	x, _ := ctx.Value(exchangeKey{}).(*exchange)
	return x
}

func (p *Proxy) getExchange(in *http.Request) *exchange {
	x, _ := p.exchanges.Get().(*exchange)
	if x == nil {
		x = new(exchange)
	}
	x.in = in
	x.tried = x.triedBuf[:0]
	return x
}

func (p *Proxy) putExchange(x *exchange) {
	x.in, x.host, x.tried, x.err, x.w = nil, nil, nil, nil, nil
	x.triedBuf = [4]*balancer.Host{}
	x.body.init(nil, nil, nil, nil, 0, 0)
	x.body.active.Store(false)
	p.exchanges.Put(x)
}
