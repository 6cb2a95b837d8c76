package reverseproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/httpmw/httpmw/balancer"
)

// The errors a Proxy returns wrap one of these, so that a caller (a logger,
// metrics) can tell them apart with errors.Is. The status returned with
// each is in its comment; none of them reaches the client's body.
var (
	// ErrNoUpstream: 503, no upstream can be tried: each is down by an
	// active health check, full, or already tried. Upstreams that passive
	// checks alone took out are still tried when none is left in rotation.
	ErrNoUpstream = balancer.ErrNoUpstream
	// ErrBadGateway: 502, the upstream refused, reset or broke the exchange.
	ErrBadGateway = errors.New("reverseproxy: upstream failed")
	// ErrGatewayTimeout: 504, the upstream did not answer within Timeout.
	ErrGatewayTimeout = errors.New("reverseproxy: upstream timed out")
	// ErrBodyTooLarge: 413, the request body exceeds MaxBodyBytes.
	ErrBodyTooLarge = errors.New("reverseproxy: request body too large")
	// ErrBadRequest: 400, or 408 when it stalled past the server's
	// ReadTimeout: the client's request body could not be read (a
	// malformed chunked encoding, say). No fault of the upstream, and not
	// counted against it.
	ErrBadRequest = errors.New("reverseproxy: bad request body")
	// ErrClientClosed: 499, the client went away before the answer; no
	// fault of the upstream, and not counted against it.
	ErrClientClosed = errors.New("reverseproxy: client closed the request")
)

// StatusClientClosed is the status logged for ErrClientClosed, as nginx does.
const StatusClientClosed = 499

// classify maps a failure before any response byte was written to the
// status to answer and the error to report.
func classify(ctx context.Context, err error) (int, error) {
	var tooLarge *http.MaxBytesError
	var body *clientBodyError
	switch {
	case errors.As(err, &body):
		return classifyBody(ctx, body)
	case errors.Is(err, balancer.ErrNoUpstream):
		return http.StatusServiceUnavailable, err
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, fmt.Errorf("%w: %w", ErrBodyTooLarge, err)
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		return StatusClientClosed, fmt.Errorf("%w: %w", ErrClientClosed, err)
	case isTimeout(err):
		return http.StatusGatewayTimeout, fmt.Errorf("%w: %w", ErrGatewayTimeout, err)
	default:
		return http.StatusBadGateway, fmt.Errorf("%w: %w", ErrBadGateway, err)
	}
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isDialError reports whether err means no connection was made, so the
// request never reached the upstream and may go to another whatever it is.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
