// Package muxconn holds what the tunnel client and server share about the
// multiplexed connection: its smux configuration and the writer under it.
package muxconn

import (
	"net"
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

// Wrap is c as smux should write to it: frames that queue up are joined
// into one write (see batchConn), and every write has the deadline d, so
// that a peer that stops reading fails the connection (and every stream
// on it) instead of blocking the writer forever. A failed write closes c:
// smux wakes a stream's readers on a read error, not on a write error, so
// the read side must fail too.
func Wrap(c net.Conn, d time.Duration) net.Conn {
	return newBatchConn(c, d)
}
