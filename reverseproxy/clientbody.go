package reverseproxy

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/httpmw/httpmw/internal/bodyerr"
)

// clientBody passes the client's request body to the Transport and notes
// what happened to it: whether any of it was read, so that a body that
// never left can go to another upstream after a failed dial, and the first
// error reading it, so that a client's fault (a malformed chunked body, a
// client that left or stalled mid-body, a body over MaxBodyBytes) is
// answered as such and never counted against the upstream. The Transport
// reads it on a goroutine of its own, hence the atomics. Its Close does
// nothing: httputil closes the real body when the request is done.
type clientBody struct {
	rc   io.ReadCloser
	read atomic.Bool
	err  atomic.Pointer[clientBodyError]
}

func (b *clientBody) Read(p []byte) (int, error) {
	b.read.Store(true)
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF {
		b.err.CompareAndSwap(nil, &clientBodyError{err})
	}
	return n, err
}

func (b *clientBody) Close() error { return nil }

func (b *clientBody) untouched() bool { return b != nil && !b.read.Load() }

// failed returns the error reading the body, or nil.
func (b *clientBody) failed() error {
	if b == nil {
		return nil
	}
	if e := b.err.Load(); e != nil {
		return e
	}
	return nil
}

// clientBodyError is a failure to read the client's request body.
type clientBodyError struct{ err error }

func (e *clientBodyError) Error() string { return "reading the request body: " + e.err.Error() }
func (e *clientBodyError) Unwrap() error { return e.err }

// classifyBody is classify for a clientBodyError, by the rule every
// handler reading a body shares.
func classifyBody(ctx context.Context, err error) (int, error) {
	switch status := bodyerr.Status(ctx, err); status {
	case http.StatusRequestEntityTooLarge:
		return status, fmt.Errorf("%w: %w", ErrBodyTooLarge, err)
	case bodyerr.ClientClosed:
		return status, fmt.Errorf("%w: %w", ErrClientClosed, err)
	default: // 400, or 408 for a client that stalled and is still there to be told
		return status, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
}
