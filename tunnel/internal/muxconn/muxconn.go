// Package muxconn holds what the tunnel client and server share about the
// multiplexed connection: its smux configuration and a write deadline on
// the connection under it.
package muxconn

import (
	"net"
	"sync"
	"time"

	"github.com/xtaci/smux"
)

// Limits size one end of a multiplexed connection.
type Limits struct {
	StreamWindow      int           // bytes in flight per stream toward this end
	SessionBuffer     int           // bytes this end buffers for all streams together
	KeepAliveInterval time.Duration // how often this end sends a keepalive
	KeepAliveTimeout  time.Duration // silence after which this end gives up
}

// Config is the smux configuration for l: protocol version 2, whose
// per-stream windows keep one slow stream from stalling the others.
func Config(l Limits) *smux.Config {
	return &smux.Config{
		Version:           2,
		KeepAliveInterval: l.KeepAliveInterval,
		KeepAliveTimeout:  l.KeepAliveTimeout,
		MaxFrameSize:      32 << 10,
		MaxReceiveBuffer:  l.SessionBuffer,
		MaxStreamBuffer:   l.StreamWindow,
	}
}

// WithWriteDeadline gives every write on c the deadline d, so that a peer
// that stops reading fails the connection (and every stream on it)
// instead of blocking its writer forever. A failed write closes c: smux
// wakes a stream's readers on a read error, not on a write error, so the
// read side must fail too. smux writes from one goroutine.
func WithWriteDeadline(c net.Conn, d time.Duration) net.Conn {
	return &deadlineConn{Conn: c, d: d}
}

type deadlineConn struct {
	net.Conn
	d time.Duration
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.d))
	n, err := c.Conn.Write(p)
	if err != nil {
		c.Conn.Close()
	}
	return n, err
}

// frameBufs hold one frame while it is written. smux gives each session
// a 64 KiB write buffer of its own unless the connection takes a frame's
// header and body apart (WriteBuffers); taking them and joining them here
// keeps that memory out of idle sessions, and still writes a frame as
// one TLS record.
var frameBufs = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10+16); return &b }}

// WriteBuffers writes the buffers (a frame's header and body) in one Write.
func (c *deadlineConn) WriteBuffers(v [][]byte) (int, error) {
	bp := frameBufs.Get().(*[]byte)
	b := (*bp)[:0]
	for _, p := range v {
		b = append(b, p...)
	}
	n, err := c.Write(b)
	*bp = b[:0]
	frameBufs.Put(bp)
	return n, err
}
