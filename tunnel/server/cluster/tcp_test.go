package cluster

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/httpmw/httpmw/tunnel"
)

// A TCP port held on one node is taken on all: the nodes bind different
// loopback addresses, so only the cluster claim can refuse the second.
func TestTCPPortTakenClusterWide(t *testing.T) {
	tc := newTestClusterWith(t, 2, func(i int, c *Config) {
		c.Server.TCPAddr = "127.0.0." + strconv.Itoa(1+2*i) // 127.0.0.1, 127.0.0.3
	})
	port := freeAddr(t)
	_, p, _ := net.SplitHostPort(port)
	n, _ := strconv.Atoi(p)
	cfg := tc.client("", 0)
	cfg.Servers = nil
	cfg.Endpoint = tunnel.Endpoint{Protocol: "tcp", RemotePort: uint16(n)}
	l, err := tunnel.Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !strings.HasSuffix(l.URL(), ":"+p) {
		t.Fatalf("url %s; want port %s", l.URL(), p)
	}
	other := tc.client("", 1)
	other.Servers = nil
	other.Endpoint = cfg.Endpoint
	_, err = tunnel.Listen(context.Background(), other)
	if err == nil || !errors.Is(err, tunnel.ErrRefused) || !strings.Contains(err.Error(), "already registered") {
		t.Fatalf("same tcp port on another node: %v; want a final 'already registered'", err)
	}
}
