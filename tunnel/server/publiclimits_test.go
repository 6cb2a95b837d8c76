package server

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testhttp"
	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// TestPublicSlotsSharedPerAddress: one address opens 200 idle public
// connections against 64 slots in all. It gets its share
// (MaxPublicConnsPerAddr), and a visitor from another address is served.
func TestPublicSlotsSharedPerAddress(t *testing.T) {
	const opened = 200
	srv := newTestServer(t, func(c *Config) {
		c.MaxPublicConns, c.MaxPublicConnsPerAddr = 64, 16
		c.HeaderReadTimeout = time.Hour // the attack holds its connections
	})
	local := echoServer(t)
	c, _ := connect(t, srv, "alice-token", "", local.Listener.Addr().String())
	nt := c.tunnel(&wire.ReqTunnel{ReqId: "s", Protocol: "http", Subdomain: "share"})[0]

	var idle []net.Conn
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	for range opened {
		c, err := net.DialTimeout("tcp", srv.HTTPAddr().String(), patience)
		if err != nil {
			t.Fatalf("dial after %d: %v", len(idle), err)
		}
		idle = append(idle, c)
	}
	testhttp.WaitFor(t, func() bool { return srv.Stats().RefusedPublicAddr == opened-16 })
	if open := srv.Stats().PublicConns; open != 16 {
		t.Fatalf("one address holds %d public connections, want 16", open)
	}

	visitor := newHTTPClient(t)
	visitor.Transport.(*http.Transport).DialContext = (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext
	if code, body := publicGet(t, visitor, srv, nt.Url, "/", nil); code != 200 {
		t.Fatalf("visitor from another address: %d %q", code, body)
	}
}

// TestPublicReaderThatNeverReads: a client that sends a request (http) or
// data (tcp tunnel) and never reads the answer, a large one, is dropped
// after PublicWriteTimeout instead of holding its connection forever.
func TestPublicReaderThatNeverReads(t *testing.T) {
	srv := newTestServer(t, func(c *Config) { c.PublicWriteTimeout = 300 * time.Millisecond })
	// A local service with an endless answer.
	local := newLocal(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 32<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	c, _ := connect(t, srv, "alice-token", "", local)
	nts := c.tunnel(&wire.ReqTunnel{ReqId: "h", Protocol: "http", Subdomain: "flood"})
	nts = append(nts, c.tunnel(&wire.ReqTunnel{ReqId: "t", Protocol: "tcp"})...)
	tcpAddr := "127.0.0.1:" + nts[1].Url[strings.LastIndex(nts[1].Url, ":")+1:]

	for _, addr := range []string{srv.HTTPAddr().String(), tcpAddr} {
		conn, err := net.DialTimeout("tcp", addr, patience)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		// Small receive buffers so that the server's writes block soon.
		conn.(*net.TCPConn).SetReadBuffer(4 << 10)
		fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: flood.example.test\r\n\r\n")
	}
	testhttp.WaitFor(t, func() bool { st := srv.Stats(); return st.WriteTimeouts == 2 && st.PublicConns == 0 })
}
