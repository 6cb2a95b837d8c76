package cluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testhttp"
	"github.com/httpmw/httpmw/tunnel"
)

// A TCP port held on one node is taken on all: the nodes bind different
// loopback addresses, so the second is refused by the cluster claim, or
// by the port being in use there already for forwarding to the holder.
func TestTCPPortTakenClusterWide(t *testing.T) {
	tc := newTestClusterWith(t, 2, func(i int, c *Config) {
		c.Server.TCPAddr = "127.0.0." + strconv.Itoa(1+2*i) // 127.0.0.1, 127.0.0.3
	})
	port := testhttp.FreeAddr(t)
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
	if err == nil || !errors.Is(err, tunnel.ErrRefused) ||
		!strings.Contains(err.Error(), "already registered") && !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("same tcp port on another node: %v; want a final refusal: taken", err)
	}
}

// A TCP tunnel held by one node answers on the same port of another node
// (each node on its own loopback address, as behind a TCP balancer): the
// connection is forwarded once, and the tunnel sees the client's address.
func TestTCPForwardedToHolder(t *testing.T) {
	tc := newTestClusterWith(t, 2, func(i int, c *Config) {
		c.Server.TCPAddr = "127.0.0." + strconv.Itoa(1+2*i) // 127.0.0.1, 127.0.0.3
	})
	cfg := tc.client("", 0)
	cfg.Servers = nil
	cfg.Endpoint = tunnel.Endpoint{Protocol: "tcp"}
	l, err := tunnel.Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
				line, _ := bufio.NewReader(c).ReadString('\n')
				fmt.Fprintf(c, "%s from %s", strings.TrimSpace(line), host)
			}()
		}
	}()
	defer func() { l.Close(); <-served }()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(l.URL(), "tcp://"))
	d := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	for _, ip := range []string{"127.0.0.1", "127.0.0.3"} {
		addr := net.JoinHostPort(ip, port)
		eventually(t, 10*time.Second, "tcp tunnel via "+addr, func() error {
			c, err := d.Dial("tcp", addr)
			if err != nil {
				return err
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprintf(c, "ping\n")
			b, err := io.ReadAll(c)
			if string(b) != "ping from 127.0.0.2" {
				return fmt.Errorf("got %q (%v)", b, err)
			}
			return nil
		})
	}
}
