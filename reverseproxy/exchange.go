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
	trace   httptrace.ClientTrace
	on1xx   func(int, textproto.MIMEHeader) error // x.got1xx, made once
	mu      sync.Mutex
	rtEnded bool
}

// start1xx arms the trace that passes 1xx responses on. The trace is set
// afresh each time: WithClientTrace may compose it with an outer one.
func (x *exchange) start1xx() {
	if x.on1xx == nil {
		x.on1xx = x.got1xx
	}
	x.rtEnded = false
	x.trace = httptrace.ClientTrace{Got1xxResponse: x.on1xx}
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
	x.trace = httptrace.ClientTrace{}
	x.triedBuf = [4]*balancer.Host{}
	x.body.init(nil, nil, nil, nil, 0, 0)
	x.body.active.Store(false)
	p.exchanges.Put(x)
}
