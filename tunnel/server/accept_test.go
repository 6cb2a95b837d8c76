package server

import (
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testhttp"
	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// A TCP tunnel whose listener fails for good (here: shut down under the
// server, so Accept fails with EINVAL) is not left bound but dead: the
// client gets the reason in a NewTunnel error and its session ends, so
// that it reconnects and asks for the tunnel again.
func TestTCPTunnelListenerFailureReachesClient(t *testing.T) {
	srv := newTestServer(t, nil)
	check := liveTunnel(t, srv, "bystander")
	c, _ := connect(t, srv, "alice-token", "", "")
	nt := c.tunnel(&wire.ReqTunnel{ReqId: "dies", Protocol: "tcp"})[0]
	srv.mu.Lock()
	tun := srv.tunnels[nt.Url]
	srv.mu.Unlock()
	raw, err := tun.ln.(*net.TCPListener).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	raw.Control(func(fd uintptr) { syscall.Shutdown(int(fd), syscall.SHUT_RD) })

	var got *wire.NewTunnel
	timeout := time.After(patience)
	for ended := false; !ended; {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				ended = true
			} else if n, isNT := m.(*wire.NewTunnel); isNT {
				got = n
			}
		case <-timeout:
			t.Fatal("session still open after its tcp listener failed")
		}
	}
	if got == nil || got.ReqId != "dies" || got.Url != nt.Url || !strings.Contains(got.Error, "The tunnel "+nt.Url+" failed") {
		t.Fatalf("client was told %+v", got)
	}
	testhttp.WaitFor(t, func() bool { srv.mu.Lock(); defer srv.mu.Unlock(); return srv.tunnels[nt.Url] == nil })
	check()
}

// A tunnel listener that fails for good stops the server, and Serve says
// why, instead of the server holding a port that accepts nothing.
func TestTunnelListenerFailureStopsServer(t *testing.T) {
	srv, err := New(Config{Domain: "example.test", TunnelAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", AllowAnonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(t.Context()) }()
	defer srv.Close()
	raw, err := srv.tunnelLn.(*net.TCPListener).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	raw.Control(func(fd uintptr) { syscall.Shutdown(int(fd), syscall.SHUT_RD) })
	select {
	case err := <-served:
		if err == nil || !strings.Contains(err.Error(), "tunnel listener failed") {
			t.Fatalf("Serve returned %v", err)
		}
	case <-time.After(patience):
		t.Fatal("server still running with a dead tunnel listener")
	}
	if _, err := net.DialTimeout("tcp", srv.HTTPAddr().String(), patience); err == nil {
		t.Fatal("public listener still open after the server stopped")
	}
}
