// Package bodyerr decides what a failure to read a request's body says
// about the client, for the handlers that read it before or while they
// answer (fcgi spools it, reverseproxy streams it upstream): one rule, so
// that the same cut, stalled or malformed upload gets the same status from
// either, and never counts against a backend.
//
//	if _, err := io.Copy(dst, r.Body); err != nil {
//		status := bodyerr.Status(r.Context(), err) // 400, 408, 413 or 499
//	}
package bodyerr

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
)

// ClientClosed is the status for a client that left before the answer:
// nginx's 499, so that logs do not count it as a server error.
const ClientClosed = 499

// Status returns the status for err, a failure reading the body of the
// request whose context is ctx:
//   - 413 when http.MaxBytesReader cut the body;
//   - 408 when a read deadline passed: the client stalled, and is still
//     there to be told;
//   - 499 when the client left: the context is cancelled, the body ended
//     before its length (io.ErrUnexpectedEOF), or the connection failed;
//   - 400 otherwise: the body itself is malformed, such as bad chunked
//     framing.
func Status(ctx context.Context, err error) int {
	var tooLarge *http.MaxBytesError
	var op *net.OpError
	switch {
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge
	case IsTimeout(err):
		return http.StatusRequestTimeout
	case ctx.Err() != nil, errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &op):
		return ClientClosed
	}
	return http.StatusBadRequest
}

// IsTimeout reports whether err is a deadline that passed.
func IsTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
