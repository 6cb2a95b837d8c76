package reverseproxy

import (
	"context"
	"net/http"

	"github.com/httpmw/httpmw/balancer"
)

// exchange is the state of one proxied request, shared by the hooks
// httputil.ReverseProxy calls (Rewrite, Transport, ModifyResponse,
// ErrorHandler), which see the request only. It travels in the request's
// context and is pooled.
type exchange struct {
	in       *http.Request // the client's request, for policies and placeholders
	host     *balancer.Host
	tried    []*balancer.Host
	triedBuf [4]*balancer.Host
	err      error // what ErrorHandler was given
	body     upstreamBody
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
	x.in, x.host, x.tried, x.err = nil, nil, nil, nil
	x.triedBuf = [4]*balancer.Host{}
	x.body.init(nil, nil, nil, nil, 0, 0)
	x.body.active.Store(false)
	p.exchanges.Put(x)
}
