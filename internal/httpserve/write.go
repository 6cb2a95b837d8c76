package httpserve

import (
	"io"
	"net"
	"time"
)

type listener struct {
	net.Listener
	timeout time.Duration
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &conn{Conn: c, timeout: l.timeout}, nil
}

// conn writes in pieces of Progress bytes, each with a fresh write
// deadline: a client that keeps reading keeps the connection, one that
// stops is closed after timeout. http.Server writes through it, and so do
// handlers that hijack the connection.
type conn struct {
	net.Conn
	timeout time.Duration
}

func (c *conn) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		piece := p[:min(len(p), Progress)]
		if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
			return n, err
		}
		m, err := c.Conn.Write(piece)
		n += m
		if err != nil {
			return n, err
		}
		p = p[m:]
	}
	return n, nil
}

// ReadFrom keeps sendfile(2): http.Server hands a file to the
// connection's ReadFrom, and *net.TCPConn sends a file, or an
// *io.LimitedReader of one, with sendfile. It unwraps one LimitedReader
// (what http.ServeContent passes) and sends Progress bytes per deadline.
func (c *conn) ReadFrom(r io.Reader) (int64, error) {
	rf, ok := c.Conn.(io.ReaderFrom)
	if !ok {
		return io.Copy(writerOnly{c}, r)
	}
	outer, _ := r.(*io.LimitedReader)
	if outer != nil {
		r = outer.R
	}
	var total int64
	for {
		piece := int64(Progress)
		if outer != nil {
			if piece = min(piece, outer.N); piece <= 0 {
				return total, nil
			}
		}
		if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
			return total, err
		}
		n, err := rf.ReadFrom(&io.LimitedReader{R: r, N: piece})
		total += n
		if outer != nil {
			outer.N -= n
		}
		if err != nil || n < piece {
			return total, err
		}
	}
}

// CloseWrite lets http.Server half-close before it closes, as it does on
// a *net.TCPConn, so a client gets the error response before a reset.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// writerOnly hides ReadFrom, so io.Copy does not call back into it.
type writerOnly struct{ io.Writer }
