package tunnel

import (
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// Conn is a public connection accepted through a tunnel. Its bytes travel
// over a proxy connection to the server, which is TLS; the public client's
// own bytes arrive as they were sent, after the server has terminated any
// https of its own.
type Conn struct {
	c      net.Conn
	remote net.Addr
	local  Addr
}

var _ net.Conn = (*Conn)(nil)

func newConn(c net.Conn, sp *wire.StartProxy, l *Listener) *Conn {
	return &Conn{c: c, remote: peerAddr(sp.ClientAddr), local: Addr{URL: sp.Url}}
}

// peerAddr parses StartProxy.ClientAddr, "ip:port", into a *net.TCPAddr,
// keeping it as text when it is something else.
func peerAddr(s string) net.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return net.TCPAddrFromAddrPort(ap)
	}
	return textAddr(s)
}

type textAddr string

func (a textAddr) Network() string { return "tcp" }
func (a textAddr) String() string  { return string(a) }

// RemoteAddr is the public client's address, as the server saw it.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// LocalAddr is the tunnel the connection came in on; a Listener serving
// "http+https" tells the two apart by it.
func (c *Conn) LocalAddr() net.Addr { return c.local }

// URL is the public URL of the tunnel the connection came in on.
func (c *Conn) URL() string { return c.local.URL }

// Read, Write, Close and the deadlines are those of the proxy connection
// the public client's bytes travel on.
func (c *Conn) Read(p []byte) (int, error)         { return c.c.Read(p) }
func (c *Conn) Write(p []byte) (int, error)        { return c.c.Write(p) }
func (c *Conn) Close() error                       { return c.c.Close() }
func (c *Conn) SetDeadline(t time.Time) error      { return c.c.SetDeadline(t) }
func (c *Conn) SetReadDeadline(t time.Time) error  { return c.c.SetReadDeadline(t) }
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.c.SetWriteDeadline(t) }

// CloseWrite tells the server that nothing more will be written, if the
// underlying connection can say so.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.c.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Addr is a tunnel's public address.
type Addr struct {
	URL string // such as "http://demo.example.com:8080" or "tcp://example.com:34959"
}

// Network is the URL's scheme: "http", "https" or "tcp".
func (a Addr) Network() string {
	scheme, _, _ := strings.Cut(a.URL, "://")
	return scheme
}

// String is the tunnel URL.
func (a Addr) String() string { return a.URL }
