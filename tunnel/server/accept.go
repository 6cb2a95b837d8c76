package server

import (
	"errors"
	"net"
	"syscall"
	"time"
)

// Accept backoff, as net/http's Server.Serve: a listener that fails with a
// temporary error (out of file descriptors, out of buffers, a connection
// aborted before it was accepted) is retried after 5 ms, doubling up to 1 s,
// instead of ending the accept loop and leaving the port bound but dead.
const (
	acceptRetryMin = 5 * time.Millisecond
	acceptRetryMax = time.Second
)

// acceptRetry is the state of one accept loop's retries. It logs one line
// when a burst of failures starts and one when accepting works again, with
// the number of failures in between, however long the burst lasts.
type acceptRetry struct {
	s        *Server
	what     string // "tunnel", "public http", "tcp tunnel tcp://..."
	delay    time.Duration
	failures int
}

// accept calls ln.Accept until it returns a connection, sleeping between
// temporary failures. It returns the error that ends the loop: the
// listener was closed (net.ErrClosed), the server or the tunnel is
// stopping (done closed), or an error that retrying cannot fix.
func (a *acceptRetry) accept(ln net.Listener, done <-chan struct{}) (net.Conn, error) {
	for {
		c, err := ln.Accept()
		if err == nil {
			if a.failures > 0 {
				a.s.log.Info("listener accepting again", "listener", a.what, "failed_accepts", a.failures)
				a.failures, a.delay = 0, 0
			}
			return c, nil
		}
		if errors.Is(err, net.ErrClosed) || !temporaryAcceptError(err) {
			return nil, err
		}
		a.failures++
		a.s.stats.acceptErrors.Add(1)
		if a.failures == 1 {
			a.s.log.Error("listener accept failing, retrying with backoff", "listener", a.what, "err", err)
		}
		a.delay = min(max(2*a.delay, acceptRetryMin), acceptRetryMax)
		t := time.NewTimer(a.delay)
		select {
		case <-t.C:
		case <-done:
			t.Stop()
			return nil, net.ErrClosed
		}
	}
}

// temporaryAcceptError reports whether an Accept error may go away by
// itself: resource exhaustion, or trouble with the one connection being
// accepted. Anything else (EINVAL on a socket shut down, EBADF) means the
// listener is gone.
func temporaryAcceptError(err error) bool {
	for _, e := range []syscall.Errno{
		syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
		syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EINTR, syscall.EAGAIN,
		syscall.EPROTO, syscall.EPERM, syscall.ETIMEDOUT, syscall.ENETDOWN,
		syscall.ENOPROTOOPT, syscall.EHOSTDOWN, syscall.ENONET, syscall.EHOSTUNREACH,
		syscall.EOPNOTSUPP, syscall.ENETUNREACH,
	} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
