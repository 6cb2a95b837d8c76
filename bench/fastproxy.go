package main

import (
	"net"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// rpFastName is the fasthttp proxy: a reference row, not a peer a library
// of http.Handler middleware can be held to, since it leaves net/http on
// both sides (fasthttp's server and its HostClient, which parse into
// reused buffers and run each exchange on the serving goroutine). It shows
// how much of the gap to nginx net/http itself costs.
const rpFastName = "fasthttp server + HostClient (reference)"

// serveFastProxy serves a fasthttp proxy in front of a and b, round robin,
// on ln until stop. Like the leanest proxy it drops the hop-by-hop headers
// both ways and sets X-Forwarded-For; it has no retries or health checks.
func serveFastProxy(ln net.Listener, a, b string) (stop func()) {
	ups := []*fasthttp.HostClient{
		{Addr: a, MaxConns: 512, MaxIdleConnDuration: 90 * time.Second},
		{Addr: b, MaxConns: 512, MaxIdleConnDuration: 90 * time.Second},
	}
	var next atomic.Uint32
	handler := func(ctx *fasthttp.RequestCtx) {
		req, res := &ctx.Request, &ctx.Response
		for _, h := range leanHopHeaders {
			req.Header.Del(h)
		}
		req.Header.Set("X-Forwarded-For", ctx.RemoteIP().String())
		req.Header.Set("X-Forwarded-Proto", "http")
		req.Header.SetBytesV("X-Forwarded-Host", ctx.Host())
		if err := ups[int(next.Add(1))%len(ups)].Do(req, res); err != nil {
			ctx.Error("bad gateway", fasthttp.StatusBadGateway)
			return
		}
		for _, h := range leanHopHeaders {
			res.Header.Del(h)
		}
	}
	srv := &fasthttp.Server{Handler: handler, NoDefaultServerHeader: true, NoDefaultDate: false}
	go srv.Serve(ln)
	return func() { srv.Shutdown() }
}
