package cluster

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/httpmw/httpmw/tunnel/server"
)

// tcpForwarder makes every node answer on the TCP tunnel ports that other
// nodes hold: it listens on each such port (on Server.TCPAddr) and
// forwards each connection, once, to the holder over mutual TLS (a
// CONNECT that server.ServeForwarded answers), with the client's address.
// Ports follow the mirrored names; a port this node cannot bind is
// skipped and tried again at the next change.
type tcpForwarder struct {
	r    *registry
	tls  *tls.Config
	addr string // Server.TCPAddr

	mu     sync.Mutex
	lns    map[int]*mirrorPort
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
	slots  chan struct{} // bounds forwarded connections
}

// mirrorPort is a local listener for a port held by another node.
type mirrorPort struct {
	ln     net.Listener
	holder string // the holder's Advertise
}

func newTCPForwarder(r *registry, t *nodeTLS) *tcpForwarder {
	max := r.cfg.Server.MaxPublicConns
	if max <= 0 {
		max = 4096
	}
	return &tcpForwarder{r: r, tls: t.dial, addr: r.cfg.Server.TCPAddr,
		lns: map[int]*mirrorPort{}, conns: map[net.Conn]struct{}{}, slots: make(chan struct{}, max)}
}

// run reconciles the listeners with the mirrored names whenever they
// change, until ctx ends; then it closes them and their connections.
func (f *tcpForwarder) run(ctx context.Context) {
	defer f.close()
	for {
		f.reconcile()
		select {
		case <-ctx.Done():
			return
		case <-f.r.table.changed():
		}
	}
}

// reconcile opens listeners for ports other nodes hold and closes those
// no longer held elsewhere.
func (f *tcpForwarder) reconcile() {
	want := f.r.table.tcpElsewhere(f.r.cfg.Prefix+"names/tcp/", f.r.mine)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	for port, m := range f.lns {
		if holder, ok := want[port]; !ok || holder != m.holder {
			m.ln.Close()
			delete(f.lns, port)
		}
	}
	for port, holder := range want {
		if f.lns[port] != nil {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(f.addr, strconv.Itoa(port)))
		if err != nil {
			f.r.log.Debug("cluster: cannot mirror a tcp port held by another node", "port", port, "err", err)
			continue
		}
		m := &mirrorPort{ln: ln, holder: holder}
		f.lns[port] = m
		f.wg.Add(1)
		go f.accept(m, port)
	}
}

func (f *tcpForwarder) accept(m *mirrorPort, port int) {
	defer f.wg.Done()
	for {
		c, err := m.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		select {
		case f.slots <- struct{}{}:
		default:
			c.Close() // MaxPublicConns forwarded connections already
			continue
		}
		if !f.track(c) {
			<-f.slots
			c.Close()
			return
		}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer func() { <-f.slots }()
			defer f.untrack(c)
			f.forward(c, m.holder, port)
		}()
	}
}

// forward sends c to the holder of port and splices the two.
func (f *tcpForwarder) forward(c net.Conn, holder string, port int) {
	defer c.Close()
	timeout := f.r.cfg.ForwardDialTimeout
	d := &net.Dialer{Timeout: timeout}
	nc, err := tls.DialWithDialer(d, "tcp", holder, f.tls)
	if err != nil {
		f.r.log.Warn("cluster: tcp forward failed", "port", port, "addr", holder, "err", err)
		return
	}
	if !f.track(nc) {
		nc.Close()
		return
	}
	defer f.untrack(nc)
	defer nc.Close()
	// The holder answers once it has a proxy connection from its client,
	// which it waits for up to its ProxyWaitTimeout.
	nc.SetDeadline(time.Now().Add(timeout + 35*time.Second))
	fmt.Fprintf(nc, "CONNECT tunnel:%d HTTP/1.1\r\nHost: tunnel:%d\r\n%s: %s\r\n%s: tcp\r\n%s: %d\r\n\r\n", port, port,
		server.ForwardedClientHeader, c.RemoteAddr().String(), server.ForwardedProtoHeader, server.ForwardedPortHeader, port)
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil || resp.StatusCode != http.StatusOK {
		f.r.log.Warn("cluster: tcp forward refused", "port", port, "addr", holder, "err", err, "status", statusOf(resp))
		return
	}
	nc.SetDeadline(time.Time{})
	done := make(chan struct{})
	go func() {
		io.Copy(nc, c)
		nc.CloseWrite()
		close(done)
	}()
	io.Copy(c, br)
	c.Close()
	nc.Close()
	<-done
}

func statusOf(r *http.Response) string {
	if r == nil {
		return ""
	}
	return r.Status
}

func (f *tcpForwarder) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.conns[c] = struct{}{}
	return true
}

func (f *tcpForwarder) untrack(c net.Conn) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
}

// close stops every listener and connection and waits for their
// goroutines.
func (f *tcpForwarder) close() {
	f.mu.Lock()
	f.closed = true
	for port, m := range f.lns {
		m.ln.Close()
		delete(f.lns, port)
	}
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// tcpElsewhere lists the TCP ports that other nodes (not mine) hold, with
// their holders' addresses.
func (t *nameTable) tcpElsewhere(prefix string, mine func(value) bool) map[int]string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := map[int]string{}
	for k, v := range t.names {
		if mine(v) || !strings.HasPrefix(k, prefix) {
			continue
		}
		if port, err := strconv.Atoi(k[len(prefix):]); err == nil && v.Addr != "" {
			out[port] = v.Addr
		}
	}
	return out
}
