package tunnel

import (
	"net"
	"sync"
)

// flightConn sits under the TLS client of a connection to the server and
// holds back what TLS writes until the connection next reads (or closes),
// while held. Every connection to the server starts with a handshake and
// then one frame (Auth or RegProxy) before it waits for an answer; held,
// the client's Finished and that frame leave in one segment, so the
// server finds the frame already buffered when its handshake ends instead
// of parking and waking up for it. Each public connection costs one proxy
// connection, so this is on the path of every one of them.
//
// Waiting for a read keeps any exchange correct (a HelloRetryRequest, a
// server that speaks first): nothing held is ever needed by a peer before
// we wait for that peer. release ends the holding for good before the
// connection carries anything else.
type flightConn struct {
	net.Conn
	mu   sync.Mutex
	held []byte
	hold bool
}

func newFlightConn(c net.Conn) *flightConn { return &flightConn{Conn: c, hold: true} }

func (c *flightConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.hold {
		c.held = append(c.held, p...)
		c.mu.Unlock()
		return len(p), nil
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *flightConn) Read(p []byte) (int, error) {
	if err := c.flush(); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

// Close sends what is held (a TLS close_notify, say) first.
func (c *flightConn) Close() error {
	c.release()
	return c.Conn.Close()
}

// release sends what is held and stops holding.
func (c *flightConn) release() error {
	c.mu.Lock()
	c.hold = false
	c.mu.Unlock()
	return c.flush()
}

func (c *flightConn) flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.held) == 0 {
		return nil
	}
	_, err := c.Conn.Write(c.held)
	c.held = nil
	return err
}
