package reverseproxy

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/httpmw/httpmw/balancer"
)

// upstreamBody wraps an upstream's response body and releases the upstream
// to its pool when the body is closed, so that least_conn counts streaming
// responses as load and passive checks learn whether the body broke.
type upstreamBody struct {
	rc      io.ReadCloser
	pool    *balancer.Pool
	host    *balancer.Host
	ctx     context.Context
	status  int
	latency time.Duration
	broken  atomic.Bool // read by the copy, looked at by Close (another goroutine for upgrades)
	active  atomic.Bool
}

// wrap starts tracking res.Body and returns what to put in its place. A
// 101 Switching Protocols body is the upstream connection itself and must
// stay writable, as httputil needs, so it gets a wrapper that writes; and
// since httputil may close that one from a goroutine of its own after the
// request is done, it is not b (which is pooled with the exchange) but a
// copy of its own.
func (b *upstreamBody) wrap(pool *balancer.Pool, h *balancer.Host, res *http.Response, ctx context.Context, latency time.Duration) io.ReadCloser {
	if rwc, ok := res.Body.(io.ReadWriteCloser); ok && res.StatusCode == http.StatusSwitchingProtocols {
		u := &upgradedBody{upstreamBody: &upstreamBody{}, w: rwc}
		u.init(res.Body, pool, h, ctx, res.StatusCode, latency)
		return u
	}
	b.init(res.Body, pool, h, ctx, res.StatusCode, latency)
	return b
}

func (b *upstreamBody) init(rc io.ReadCloser, pool *balancer.Pool, h *balancer.Host, ctx context.Context, status int, latency time.Duration) {
	b.rc, b.pool, b.host, b.ctx, b.status, b.latency = rc, pool, h, ctx, status, latency
	b.broken.Store(false)
	b.active.Store(true)
}

func (b *upstreamBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF && b.ctx.Err() == nil {
		b.broken.Store(true)
	}
	return n, err
}

func (b *upstreamBody) Close() error {
	err := b.rc.Close()
	b.release()
	return err
}

// release gives the upstream back once; later calls do nothing.
func (b *upstreamBody) release() {
	if !b.active.CompareAndSwap(true, false) {
		return
	}
	b.pool.Release(b.host, balancer.Report{Failed: b.broken.Load(), Status: b.status, Latency: b.latency})
}

// upgradedBody is an upstreamBody over a connection switched to another
// protocol (a websocket): httputil copies both ways through it.
type upgradedBody struct {
	*upstreamBody
	w io.Writer
}

func (u *upgradedBody) Write(p []byte) (int, error) { return u.w.Write(p) }
