package fcgi

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// conn is one connection to a FastCGI server, with the buffers reused by
// every request sent over it.
type conn struct {
	nc   net.Conn
	br   *bufio.Reader
	wbuf []byte // request records are assembled here, then written at once
	hbuf []byte // the CGI header of the response being read
	rhdr [headerLen]byte

	raw      syscall.RawConn // for alive, nil when nc has none
	peek     func(fd uintptr) bool
	peekBuf  [1]byte
	peekDead bool

	readTimeout  time.Duration
	writeTimeout time.Duration
	readArmed    time.Time // when the read deadline was last set
	writeArmed   time.Time

	mu        sync.Mutex // guards cancelled against a deadline being reset
	cancelled bool

	idleSince time.Time
	reused    bool // has served a request before
}

func newConn(nc net.Conn, s *settings) *conn {
	c := &conn{nc: nc, readTimeout: s.ReadTimeout, writeTimeout: s.WriteTimeout}
	c.br = bufio.NewReaderSize(deadlineReader{c}, 16<<10)
	if sc, ok := nc.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw, c.peek = raw, c.peekFD // made once: alive runs per request
		}
	}
	return c
}

// errCancelled is what reads and writes return once cancel was called.
var errCancelled = errors.New("fcgi: request cancelled")

// deadlineReader gives every read from the server ReadTimeout, so a
// script may run long as long as it keeps talking.
type deadlineReader struct{ c *conn }

func (d deadlineReader) Read(p []byte) (int, error) {
	if err := d.c.extend(d.c.nc.SetReadDeadline, &d.c.readArmed, d.c.readTimeout); err != nil {
		return 0, err
	}
	return d.c.nc.Read(p)
}

// write sends p with WriteTimeout.
func (c *conn) write(p []byte) error {
	if err := c.extend(c.nc.SetWriteDeadline, &c.writeArmed, c.writeTimeout); err != nil {
		return err
	}
	_, err := c.nc.Write(p)
	return err
}

// extend moves a deadline to d from now, unless it was set less than d/8
// ago: the timeout then fires between 7/8 of d and d after the last
// progress, and a busy connection resets its deadlines a few times per
// timeout instead of on every read and write, which was 4% of the front's
// CPU per request when profiled under bench's fcgi rows, more than parsing
// the CGI header. A deadline left alone keeps a cancel's deadline in the
// past.
func (c *conn) extend(set func(time.Time) error, armed *time.Time, d time.Duration) error {
	now := time.Now()
	if now.Sub(*armed) < d/8 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancelled {
		return errCancelled
	}
	*armed = now
	return set(now.Add(d))
}

// cancel makes pending and future reads and writes fail at once. It is
// safe to call from another goroutine; the conn cannot be reused after.
func (c *conn) cancel() {
	c.mu.Lock()
	c.cancelled = true
	c.mu.Unlock()
	_ = c.nc.SetDeadline(time.Unix(1, 0))
}

func (c *conn) close() error { return c.nc.Close() }

// alive reports whether an idle connection still looks usable: the server
// has neither closed it nor sent anything unasked. It peeks without
// blocking, one syscall, and catches the common case of a php-fpm restart
// or a worker that exited after pm.max_requests.
func (c *conn) alive() bool {
	if c.br.Buffered() > 0 {
		return false
	}
	if c.peek == nil {
		_, isSyscall := c.nc.(syscall.Conn)
		return !isSyscall // no way to look: assume alive, as before
	}
	c.peekDead = false
	err := c.raw.Read(c.peek)
	return err == nil && !c.peekDead
}

// peekFD looks at the socket without reading or waiting: anything there
// (an error, EOF, or bytes nobody asked for) means the connection is dead.
func (c *conn) peekFD(fd uintptr) bool {
	n, _, err := syscall.Recvfrom(int(fd), c.peekBuf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	switch {
	case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK:
		// Nothing to read: the healthy idle state.
	case err != nil || n >= 0:
		c.peekDead = true
	}
	return true // never wait for readiness
}

var _ io.Reader = deadlineReader{}
