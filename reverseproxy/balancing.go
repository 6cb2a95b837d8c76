package reverseproxy

import (
	"bytes"
	"io"
	"net/http"
	"time"

	"github.com/httpmw/httpmw/balancer"
)

// balancing is the RoundTripper httputil.ReverseProxy is given: it picks an
// upstream for each try, sends the request with the real Transport, reports
// the outcome to the pool, and retries where that is safe:
//   - a failed dial on another upstream, always (the request never left),
//     provided the body was not read yet;
//   - any other failure only for an idempotent request whose body is absent
//     or was buffered (up to RetryBodyBytes), since the upstream may have
//     acted on it; a timeout is not retried: it would double a slow load.
//
// With TryDuration 0 each upstream is tried at most once; otherwise rounds
// of tries go on, TryInterval apart, until TryDuration has passed.
type balancing Proxy

func (b *balancing) RoundTrip(out *http.Request) (*http.Response, error) {
	p := (*Proxy)(b)
	x := exchangeFrom(out.Context())
	if x == nil { // not from serve: no way to balance
		return nil, balancer.ErrNoUpstream
	}
	ctx := out.Context()

	var buffered []byte // a body kept for replay
	var guard *clientBody
	replayable := out.Body == nil || out.Body == http.NoBody
	if !replayable {
		if idempotent(out) && out.ContentLength >= 0 && out.ContentLength <= p.retryBody {
			b, err := io.ReadAll(io.LimitReader(out.Body, p.retryBody+1))
			if err != nil {
				return nil, &clientBodyError{err}
			}
			buffered, replayable = b, true
			out.Body = io.NopCloser(bytes.NewReader(b))
		} else {
			guard = &clientBody{rc: out.Body}
			out.Body = guard
		}
	}

	var deadline time.Time
	if p.tryDuration > 0 {
		deadline = time.Now().Add(p.tryDuration)
	}
	var lastErr error
	req := out
	for try := 0; ; try++ {
		h, err := p.pool.Acquire(x.in, x.tried)
		if err != nil {
			if deadline.IsZero() || time.Now().Add(p.tryInterval).After(deadline) {
				if lastErr != nil {
					return nil, lastErr
				}
				return nil, err
			}
			t := time.NewTimer(p.tryInterval)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-t.C:
			}
			x.tried = x.tried[:0] // a new round: everyone may be tried again
			continue
		}
		if try > 0 {
			req = retryRequest(out, buffered)
		}
		t := &p.targets[h.Index()]
		req.URL.Scheme, req.URL.Host = t.scheme, t.urlHost
		if p.upstreamHost {
			req.Host = t.hostHeader
		}
		if p.ownTr == nil {
			// A Transport of the caller's finds the upstream (a unix
			// socket, say) with balancer.HostFromContext. Ours needs no
			// context: it knows the made-up socket host names.
			req = req.WithContext(balancer.ContextWithHost(req.Context(), h))
		}

		start := time.Now()
		res, err := p.transport.RoundTrip(req)
		if err == nil {
			x.host = h
			res.Body = x.body.wrap(p.pool, h, res, ctx, time.Since(start))
			return res, nil
		}
		if berr := guard.failed(); berr != nil {
			// The client's fault, whatever the Transport made of it.
			p.pool.Release(h, balancer.Report{}) // no latency either: a stalled body is no slow upstream
			return nil, berr
		}
		clientGone := ctx.Err() != nil
		p.pool.Release(h, balancer.Report{Failed: !clientGone, Latency: time.Since(start)})
		if clientGone {
			return nil, err
		}
		lastErr = err
		dial := isDialError(err)
		switch {
		case dial && (replayable || guard.untouched()):
		case !dial && !isTimeout(err) && replayable && idempotent(out):
		default:
			return nil, err
		}
		x.tried = append(x.tried, h)
	}
}

// retryRequest copies out for another try, with its own URL (the last try's
// Transport may still hold the previous one) and a fresh body reader.
func retryRequest(out *http.Request, buffered []byte) *http.Request {
	r := new(http.Request)
	*r = *out
	u := *out.URL
	r.URL = &u
	if buffered != nil {
		r.Body = io.NopCloser(bytes.NewReader(buffered))
	}
	return r
}

// idempotent reports whether sending r twice does no more than sending it
// once, by its method or an Idempotency-Key header (as net/http decides).
func idempotent(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	_, key := r.Header["Idempotency-Key"]
	_, xkey := r.Header["X-Idempotency-Key"]
	return key || xkey
}
