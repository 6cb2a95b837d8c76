package tunnel

import (
	"io"
	"net"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// readWithin reads what arrives within d.
func readWithin(t *testing.T, c net.Conn, d time.Duration) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 64)
	n, _ := c.Read(buf)
	return string(buf[:n])
}

// Held writes leave together when the holder next reads; after release,
// writes go straight out, and Close sends what is still held.
func TestFlightConnHoldsWritesUntilRead(t *testing.T) {
	raw, peer := tcpPair(t)
	fc := newFlightConn(raw)
	fc.Write([]byte("finished+"))
	fc.Write([]byte("regproxy"))
	if got := readWithin(t, peer, 100*time.Millisecond); got != "" {
		t.Fatalf("peer got %q before the holder read", got)
	}
	peer.Write([]byte("x"))
	if _, err := io.ReadFull(fc, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	if got := readWithin(t, peer, time.Second); got != "finished+regproxy" {
		t.Fatalf("peer got %q, want both writes in one read", got)
	}
	fc.Write([]byte("held"))
	if err := fc.release(); err != nil {
		t.Fatal(err)
	}
	fc.Write([]byte("+direct"))
	if got := readWithin(t, peer, time.Second); got != "held" && got != "held+direct" {
		t.Fatalf("after release peer got %q", got)
	}

	raw2, peer2 := tcpPair(t)
	fc2 := newFlightConn(raw2)
	fc2.Write([]byte("close_notify"))
	fc2.Close()
	if got, _ := io.ReadAll(peer2); string(got) != "close_notify" {
		t.Fatalf("after Close peer got %q", got)
	}
}
