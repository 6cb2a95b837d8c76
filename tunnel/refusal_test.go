package tunnel_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/httpmw/httpmw/tunnel"
)

// These tests end the tunnel as a server does that refuses a reconnect for
// good, and check that the app learns why: Accept, and so http.Serve,
// returns the server's reason, while network failures are retried.

// gate is a TCP relay in front of a tunnel server: closed, it cuts every
// relayed connection and hangs up on new ones at once, as a network that
// drops; open, it relays to the current target.
type gate struct {
	ln net.Listener

	mu     sync.Mutex
	open   bool
	target string
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

func newGate(t *testing.T, target string) *gate {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{ln: ln, open: true, target: target, conns: map[net.Conn]struct{}{}}
	g.wg.Add(1)
	go g.accept()
	t.Cleanup(func() {
		ln.Close()
		g.set(false)
		g.wg.Wait()
	})
	return g
}

func (g *gate) addr() string { return g.ln.Addr().String() }

// set opens or closes the gate; closing cuts what it relays.
func (g *gate) set(open bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open = open
	if !open {
		for c := range g.conns {
			c.Close()
		}
	}
}

func (g *gate) retarget(addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.target = addr
}

func (g *gate) accept() {
	defer g.wg.Done()
	for {
		c, err := g.ln.Accept()
		if err != nil {
			return
		}
		g.mu.Lock()
		open, target := g.open, g.target
		g.mu.Unlock()
		if !open {
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", target)
		if err != nil {
			c.Close()
			continue
		}
		if !g.track(c, up) {
			continue
		}
		g.wg.Add(2)
		go g.pipe(c, up)
		go g.pipe(up, c)
	}
}

// track records a relayed pair, or closes it if the gate closed meanwhile.
func (g *gate) track(a, b net.Conn) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.open {
		a.Close()
		b.Close()
		return false
	}
	g.conns[a], g.conns[b] = struct{}{}, struct{}{}
	return true
}

func (g *gate) pipe(dst, src net.Conn) {
	defer g.wg.Done()
	io.Copy(dst, src)
	dst.Close()
	src.Close()
	g.mu.Lock()
	delete(g.conns, dst)
	delete(g.conns, src)
	g.mu.Unlock()
}

// waitErr waits for an error from errc, failing after a generous deadline.
func waitErr(t *testing.T, errc <-chan error, what string) error {
	t.Helper()
	select {
	case err := <-errc:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not return", what)
		return nil
	}
}

// serveUntilError runs http.Serve on l and reports what it returns.
func serveUntilError(l net.Listener) <-chan error {
	errc := make(chan error, 1)
	go func() { errc <- http.Serve(l, peer) }()
	return errc
}

// TestE2ERestartWithAnotherTokenEndsServe: the server comes back with
// another token while the client is connected; the reconnect is refused
// with "unknown token", which no retry cures, so http.Serve returns it.
func TestE2ERestartWithAnotherTokenEndsServe(t *testing.T) {
	serverTLS, roots := devTLS(t)
	first := startServer(t, serverTLS, "", "")
	cfg := clientConfig(first, roots)
	cfg.Subdomain = "rotated"
	var mu sync.Mutex
	reconnects := 0
	cfg.OnEvent = func(e tunnel.Event) {
		if e.Kind == tunnel.EventReconnecting {
			mu.Lock()
			reconnects++
			mu.Unlock()
		}
	}
	l, err := tunnel.Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	served := serveUntilError(l)

	tunnelAddr := first.TunnelAddr().String()
	first.Close()
	sc := serverConfig(serverTLS, tunnelAddr, "")
	sc.Tokens = map[string]string{"another-token": "tester"}
	runServer(t, sc)

	err = waitErr(t, served, "http.Serve")
	var ae *tunnel.AuthError
	if !errors.As(err, &ae) || !strings.Contains(ae.Message, "unknown token") || !errors.Is(err, tunnel.ErrRefused) {
		t.Fatalf("http.Serve returned %v, want the server's *AuthError, ErrRefused", err)
	}
	if errors.Is(err, net.ErrClosed) {
		t.Fatalf("%v reads as a plain Close", err)
	}
	if _, err := l.Accept(); !errors.As(err, &ae) {
		t.Fatalf("a later Accept: %v, want the refusal again", err)
	}
	if err := l.Session().Err(); !errors.As(err, &ae) {
		t.Fatalf("Session.Err = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	// The drop, and the attempts while the port was down, were retried;
	// the refusal was not: nothing more after it.
	if reconnects == 0 {
		t.Fatal("the network drop was not retried")
	}
}

// TestE2ENameTakenWhileAwayEndsThatListener: the network drops; while the
// client is away another client takes its subdomain. The reconnect is
// refused that name: a Listener of its own (Listen) ends, and so does
// http.Serve on it; on a shared Session only that tunnel's Listener ends
// and the others come back.
func TestE2ENameTakenWhileAwayEndsThatListener(t *testing.T) {
	srv := startServer(t, nil, "", "")
	roots := trust(srv)
	g := newGate(t, srv.TunnelAddr().String())
	viaGate := func() tunnel.Config {
		cfg := clientConfig(srv, roots)
		cfg.Server = g.addr()
		return cfg
	}

	own := viaGate()
	own.Subdomain = "mine"
	l, err := tunnel.Listen(context.Background(), own)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	served := serveUntilError(l)

	shared := viaGate()
	connected := make(chan struct{}, 8)
	shared.OnEvent = func(e tunnel.Event) {
		if e.Kind == tunnel.EventConnected {
			select {
			case connected <- struct{}{}:
			default:
			}
		}
	}
	s, err := tunnel.Dial(context.Background(), shared)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	<-connected
	lost, err := s.Listen(context.Background(), tunnel.Endpoint{Subdomain: "ours"})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := s.Listen(context.Background(), tunnel.Endpoint{Subdomain: "kept"})
	if err != nil {
		t.Fatal(err)
	}
	serveHTTP(t, kept, peer)
	lostAccept := make(chan error, 1)
	go func() { _, err := lost.Accept(); lostAccept <- err }()

	g.set(false)
	// Another client, on the direct path, takes both names as soon as the
	// server has seen the first client go.
	for _, name := range []string{"mine", "ours"} {
		cfg := clientConfig(srv, roots)
		cfg.Subdomain = name
		deadline := time.Now().Add(30 * time.Second)
		for {
			other, err := tunnel.Listen(context.Background(), cfg)
			if err == nil {
				defer other.Close()
				break
			}
			var te *tunnel.TunnelError
			if !errors.As(err, &te) || time.Now().After(deadline) {
				t.Fatalf("taking %s: %v", name, err)
			}
			time.Sleep(10 * time.Millisecond) // poll interval
		}
	}
	g.set(true)

	var te *tunnel.TunnelError
	err = waitErr(t, served, "http.Serve on the Listen listener")
	if !errors.As(err, &te) || !strings.Contains(te.Message, "already registered") || !errors.Is(err, tunnel.ErrRefused) {
		t.Fatalf("http.Serve returned %v, want the server's *TunnelError", err)
	}
	err = waitErr(t, lostAccept, "Accept on the shared session's refused listener")
	if !errors.As(err, &te) || !strings.Contains(te.Message, "ours") {
		t.Fatalf("Accept returned %v, want the server's *TunnelError", err)
	}
	// The shared session lives on, and its other tunnel is served again.
	c := publicClient(t, roots, nil)
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := c.Get(kept.URL() + "/back")
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == 200 && strings.HasSuffix(string(body), " /back") {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the kept tunnel did not come back: %v", err)
		}
		select {
		case <-connected:
		case <-time.After(time.Second):
		}
	}
	if s.Err() != nil {
		t.Fatalf("the shared session ended: %v", s.Err())
	}
}

// TestE2ERateLimitedReconnectKeepsTrying: a server that refuses for "too
// many failed attempts" refuses for a while, not for good; the client keeps
// reconnecting and serves again once a server lets it in. The refusing
// server is another one than the client's first: tunnel/server lets a
// blocked address back into a session it knows, so only a server that has
// never seen the client's session refuses its reconnect.
func TestE2ERateLimitedReconnectKeepsTrying(t *testing.T) {
	serverTLS, roots := devTLS(t)
	srv := runServer(t, serverConfig(serverTLS, "", ""))
	g := newGate(t, srv.TunnelAddr().String())
	cfg := clientConfig(srv, roots)
	cfg.Server = g.addr()
	cfg.Subdomain = "patient"
	refusals := make(chan error, 64)
	connected := make(chan struct{}, 8)
	cfg.OnEvent = func(e tunnel.Event) {
		var ae *tunnel.AuthError
		switch {
		case e.Kind == tunnel.EventConnected:
			connected <- struct{}{}
		case e.Kind == tunnel.EventReconnecting && errors.As(e.Err, &ae):
			select {
			case refusals <- e.Err:
			default:
			}
		}
	}
	l, err := tunnel.Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	<-connected
	serveHTTP(t, l, peer)

	// A wrong token from the same address gets it blocked on a second
	// server, and the client's reconnect goes there.
	sc := serverConfig(serverTLS, "", "")
	sc.MaxAuthFailures = 1
	sc.AuthFailureWindow = time.Hour
	blocking := runServer(t, sc)
	bad := clientConfig(blocking, roots)
	bad.AuthToken = "wrong"
	if _, err := tunnel.Listen(context.Background(), bad); err == nil {
		t.Fatal("a wrong token was accepted")
	}
	g.retarget(blocking.TunnelAddr().String())
	g.set(false) // cut the connection relayed to the first server
	g.set(true)
	err = waitErr(t, refusals, "a rate-limited reconnect")
	var ae *tunnel.AuthError
	if !errors.As(err, &ae) || !ae.Temporary() || errors.Is(err, tunnel.ErrRefused) {
		t.Fatalf("refusal %v: want a temporary *AuthError", err)
	}
	// The client is still trying: a server that lets it in gets it back.
	other := serverConfig(serverTLS, "", "")
	fresh := runServer(t, other)
	g.retarget(fresh.TunnelAddr().String())
	g.set(false) // cut a connection relayed to the old server, if any
	g.set(true)
	select {
	case <-connected:
	case <-time.After(30 * time.Second):
		t.Fatal("no reconnect after a rate limit")
	}
	if l.Session().Err() != nil {
		t.Fatalf("the session ended: %v", l.Session().Err())
	}
}

// TestWhichRefusalsAreFinal sorts the texts that httpmw's tunnel/server and
// ngrokd 1.7 send: a retry cures only rate limits and a busy or closing
// server.
func TestWhichRefusalsAreFinal(t *testing.T) {
	for msg, final := range map[string]bool{
		"authentication failed: unknown token":                                                    true,
		"Incompatible versions. Server 1.7, client 1. Download a new version at http://ngrok.com": true,
		"The tunnel http://demo.example.test:8080 is already registered.":                         true,
		"The tunnel http://demo.example.test is reserved for another account":                     true,
		"Not listening for https connections":                                                     true,
		`Unknown protocol "gopher"`:                                                               true,
		`Invalid subdomain "a_b"`:                                                                 true,
		"Port 22 is outside the allowed range 10000-20000":                                        true,
		"too many tunnels for this client (limit 8)":                                              true,
		"hostname example.org not allowed: it is not reserved for this account":                   true,
		"authentication failed: too many failed attempts, try again later":                        false,
		"could not find a free random name":                                                       false,
		"server: tunnel client disconnected":                                                      false,
		"Service Temporarily Unavailable":                                                         false,
		"too many sessions for this account":                                                      false,
		"too many tunnels for this account (limit 128); close one and retry":                      false,
		"too many tcp tunnels for this account (limit 16); close one and retry":                   false,
	} {
		ae, te := &tunnel.AuthError{Message: msg}, &tunnel.TunnelError{Protocol: "http", Message: msg}
		if errors.Is(ae, tunnel.ErrRefused) != final || errors.Is(te, tunnel.ErrRefused) != final || ae.Temporary() == final {
			t.Errorf("%q: final = %v, want %v", msg, !ae.Temporary(), final)
		}
	}
}
