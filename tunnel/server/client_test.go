package server

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// wireClient is a minimal ngrok 1.x client for these tests, written
// straight on the wire package so the server can be tested on its own and
// with frames the real clients would never send. The project's own client
// (package tunnel) and the stock ngrok 1.7 client are tested against this
// server elsewhere.
type wireClient struct {
	t      testing.TB
	end    tunnelEnd
	ctl    *tls.Conn
	id     string
	local  string // address dialled for each StartProxy
	msgs   chan wire.Message
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  []net.Conn
	closed bool

	asks   atomic.Int64 // ReqProxy messages received
	ignore atomic.Int64 // how many more ReqProxy to leave unanswered
}

// tunnelEnd is where a test client reaches a server's tunnel port: its
// address, the roots that verify it, and the local IP to dial from ("" for
// any), since limits count per address.
type tunnelEnd struct {
	addr  string
	roots *x509.CertPool
	from  string
}

func endOf(srv *Server) tunnelEnd {
	return tunnelEnd{addr: srv.TunnelAddr().String(), roots: srv.RootCAs()}
}

func (e tunnelEnd) dial() (*tls.Conn, error) {
	d := &net.Dialer{Timeout: patience}
	if e.from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(e.from)}
	}
	return tls.DialWithDialer(d, "tcp", e.addr, &tls.Config{RootCAs: e.roots, ServerName: "localhost"})
}

func dialTunnel(t testing.TB, srv *Server) *tls.Conn {
	t.Helper()
	c, err := endOf(srv).dial()
	if err != nil {
		t.Fatalf("dial tunnel: %v", err)
	}
	return c
}

// connect authenticates with token (and clientID to resume) and returns
// the client and the AuthResp. The client leaves the first ignoreAsks[0]
// ReqProxy messages unanswered.
func connect(t testing.TB, srv *Server, token, clientID, local string, ignoreAsks ...int64) (*wireClient, *wire.AuthResp) {
	t.Helper()
	return connectTo(t, endOf(srv), token, clientID, local, ignoreAsks...)
}

// connectTo is connect for a server reached through end.
func connectTo(t testing.TB, end tunnelEnd, token, clientID, local string, ignoreAsks ...int64) (*wireClient, *wire.AuthResp) {
	t.Helper()
	ctl, err := end.dial()
	if err != nil {
		t.Fatalf("dial tunnel: %v", err)
	}
	c := &wireClient{t: t, end: end, ctl: ctl, local: local, msgs: make(chan wire.Message, 64)}
	t.Cleanup(c.close)
	if err := wire.Write(c.ctl, &wire.Auth{Version: wire.Version, MmVersion: wire.MmVersion, User: token, ClientId: clientID, OS: "linux", Arch: "amd64"}); err != nil {
		t.Fatal(err)
	}
	c.ctl.SetReadDeadline(time.Now().Add(patience))
	m, err := wire.Read(c.ctl, 0)
	if err != nil {
		t.Fatalf("read AuthResp: %v", err)
	}
	c.ctl.SetReadDeadline(time.Time{})
	resp := m.(*wire.AuthResp)
	c.id = resp.ClientId
	if resp.Error != "" {
		return c, resp
	}
	if len(ignoreAsks) > 0 {
		c.ignore.Store(ignoreAsks[0])
	}
	c.wg.Add(1)
	go c.readLoop()
	return c, resp
}

func (c *wireClient) readLoop() {
	defer c.wg.Done()
	defer close(c.msgs)
	for {
		m, err := wire.Read(c.ctl, 0)
		if err != nil {
			return
		}
		if _, ok := m.(*wire.ReqProxy); ok {
			c.asks.Add(1)
			if c.ignore.Add(-1) >= 0 {
				continue // as if the dial had failed
			}
			if c.local != "" {
				c.wg.Add(1)
				go c.proxy()
			}
			continue
		}
		c.msgs <- m
	}
}

// proxy opens one proxy connection and serves it like the stock client.
func (c *wireClient) proxy() {
	defer c.wg.Done()
	conn, err := c.end.dial()
	if err != nil {
		return
	}
	if !c.track(conn) {
		conn.Close()
		return
	}
	if err := wire.Write(conn, &wire.RegProxy{ClientId: c.id}); err != nil {
		conn.Close()
		return
	}
	m, err := wire.Read(conn, 0)
	if err != nil {
		conn.Close()
		return
	}
	if _, ok := m.(*wire.StartProxy); !ok {
		conn.Close()
		return
	}
	local, err := net.Dial("tcp", c.local)
	if err != nil {
		io.WriteString(conn, "HTTP/1.0 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		conn.Close()
		return
	}
	c.track(local)
	splice(conn, local, nil, nil)
}

func (c *wireClient) track(conn net.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.conns = append(c.conns, conn)
	return true
}

// tunnel asks for a tunnel and returns the NewTunnel answers, one per
// protocol.
func (c *wireClient) tunnel(req *wire.ReqTunnel) []*wire.NewTunnel {
	c.t.Helper()
	if err := wire.Write(c.ctl, req); err != nil {
		c.t.Fatal(err)
	}
	var out []*wire.NewTunnel
	n := 1
	if req.Protocol != "" {
		n = len(splitProtos(req.Protocol))
	}
	for len(out) < n {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				return out
			}
			if nt, ok := m.(*wire.NewTunnel); ok {
				out = append(out, nt)
				if nt.Error != "" {
					return out
				}
			}
		case <-time.After(patience):
			c.t.Fatalf("no NewTunnel for %+v", req)
		}
	}
	return out
}

func (c *wireClient) close() {
	c.mu.Lock()
	c.closed = true
	conns := c.conns
	c.mu.Unlock()
	c.ctl.Close()
	for _, conn := range conns {
		conn.Close()
	}
	c.wg.Wait()
}

func splitProtos(p string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '+' {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return out
}
