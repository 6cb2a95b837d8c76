package main

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// Every limit flag reaches the server's Config.
func TestLimitFlags(t *testing.T) {
	o, err := parseFlags([]string{
		"-maxTunnelsPerClient", "3", "-maxSessionsPerAccount", "4", "-maxTunnelsPerAccount", "5",
		"-maxTCPPortsPerAccount", "-1", "-maxPublicConns", "7", "-maxPublicConnsPerAddr", "8",
		"-maxUnauthConnsPerAddr", "9", "-maxAuthFailures", "10", "-handshakeTimeout", "2s",
		"-bodyReadTimeout", "11s", "-publicWriteTimeout", "12s", "-disableMux", "-dev", "-devDir", t.TempDir(),
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := config(o)
	if err != nil {
		t.Fatal(err)
	}
	got := []any{cfg.MaxTunnelsPerClient, cfg.MaxSessionsPerAccount, cfg.MaxTunnelsPerAccount,
		cfg.MaxTCPPortsPerAccount, cfg.MaxPublicConns, cfg.MaxPublicConnsPerAddr, cfg.MaxUnauthConnsPerAddr,
		cfg.MaxAuthFailures, cfg.HandshakeTimeout, cfg.BodyReadTimeout, cfg.PublicWriteTimeout, cfg.DisableMux}
	want := []any{3, 4, 5, -1, 7, 8, 9, 10, 2 * time.Second, 11 * time.Second, 12 * time.Second, true}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

// -maxUnauthConnsPerAddr holds against a running server: an address that
// opens more tunnel-port connections than that, and never handshakes, has
// the extra ones closed at once while its first ones wait.
func TestMaxUnauthConnsPerAddrFlag(t *testing.T) {
	srv, _ := start(t, "-dev", "-devDir", t.TempDir(), "-domain", "example.test", "-tunnelAddr", "127.0.0.1:0",
		"-httpAddr", "127.0.0.1:0", "-httpsAddr", "", "-token", "s3cret=alice", "-log-level", "ERROR",
		"-maxUnauthConnsPerAddr", "2", "-handshakeTimeout", "9s")
	var conns []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", srv.TunnelAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	conns[2].SetReadDeadline(time.Now().Add(4 * time.Second)) // closed at once; the handshake timeout is 9s
	if _, err := conns[2].Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
		t.Fatalf("third idle connection from one address: %v, want it closed", err)
	}
	conns[0].SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := conns[0].Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("first idle connection: %v, want it still open", err)
	}
}

func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }
