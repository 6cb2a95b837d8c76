package server

import (
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testhttp"
)

// TestIdlePreAuthConnsFromOneAddress: one address opens 1,100 tunnel-port
// connections and sends nothing, more than the server's 1,024 handshake
// slots. It holds only its own share (MaxUnauthConnsPerAddr), a client
// from another address still authenticates, and the refusals cost a log
// line or two, not one each.
func TestIdlePreAuthConnsFromOneAddress(t *testing.T) {
	const opened = 1100
	var logs testhttp.Buffer
	srv := newTestServer(t, func(c *Config) {
		// The attack holds its connections for the whole test.
		c.AuthTimeout, c.HandshakeTimeout = time.Hour, time.Hour
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	var idle []net.Conn
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	for range opened {
		c, err := net.DialTimeout("tcp", srv.TunnelAddr().String(), patience)
		if err != nil {
			t.Fatalf("dial after %d: %v", len(idle), err)
		}
		idle = append(idle, c)
	}
	held := srv.cfg.MaxUnauthConnsPerAddr
	testhttp.WaitFor(t, func() bool { return srv.Stats().RefusedTunnelConns == opened-int64(held) })

	end := endOf(srv)
	end.from = "127.0.0.2"
	if _, resp := connectTo(t, end, "bob-token", "", ""); resp.Error != "" {
		t.Fatalf("client from another address: %s", resp.Error)
	}
	if n := strings.Count(logs.String(), "tunnel connections refused"); n < 1 || n > 2 {
		t.Fatalf("%d log lines for %d refusals, want one or two:\n%s", n, opened-held, logs.String())
	}
}

// TestSilentTunnelConnTimesOut: a connection that never starts its TLS
// handshake is closed after HandshakeTimeout, well before AuthTimeout.
func TestSilentTunnelConnTimesOut(t *testing.T) {
	srv := newTestServer(t, func(c *Config) { c.HandshakeTimeout = 200 * time.Millisecond; c.AuthTimeout = time.Hour })
	conn, err := net.Dial("tcp", srv.TunnelAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(patience))
	if _, err := conn.Read(make([]byte, 1)); isTimeout(err) {
		t.Fatal("server kept a silent connection open")
	}
	testhttp.WaitFor(t, func() bool { return srv.Stats().BadHandshakes == 1 })
}

// TestSilentControlTimesOut: a control connection that never pings is
// closed after PingTimeout.
func TestSilentControlTimesOut(t *testing.T) {
	srv := newTestServer(t, func(c *Config) { c.PingTimeout = 300 * time.Millisecond })
	c, _ := connect(t, srv, "alice-token", "", "")
	select {
	case <-drained(c.msgs):
	case <-time.After(patience):
		t.Fatal("control without pings still open")
	}
	testhttp.WaitFor(t, func() bool { return srv.Stats().Clients == 0 })
}

// drained returns a channel closed once msgs is closed, discarding what
// comes before: the client's read loop closes msgs when the server ends
// the connection.
func drained[T any](msgs <-chan T) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		for range msgs {
		}
		close(done)
	}()
	return done
}
