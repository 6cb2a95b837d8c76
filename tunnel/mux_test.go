package tunnel_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/httpmw/httpmw/tunnel"
	"github.com/httpmw/httpmw/tunnel/server"
)

// Multiplexed proxy streams, end to end: httpmw's client and server.

// handshakeCount counts the client's TLS handshakes with the server.
func handshakeCount(roots *tls.Config) func() int {
	var mu sync.Mutex
	n := 0
	roots.VerifyConnection = func(tls.ConnectionState) error {
		mu.Lock()
		n++
		mu.Unlock()
		return nil
	}
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}

// newConnClient is a public client that opens a connection per request.
func newConnClient(t *testing.T, roots *tls.Config) *http.Client {
	c := publicClient(t, roots, nil)
	c.Transport.(*http.Transport).DisableKeepAlives = true
	c.Timeout = 30 * time.Second
	return c
}

// With both ends httpmw, public connections are streams over one
// connection: two handshakes (control and multiplexed) for any number of
// new public connections.
func TestMuxOneConnectionForAllPublicConnections(t *testing.T) {
	srv := startServer(t, nil, "", "")
	roots := trust(srv)
	handshakes := handshakeCount(roots)
	l, err := tunnel.Listen(context.Background(), clientConfig(srv, roots))
	if err != nil {
		t.Fatal(err)
	}
	serveHTTP(t, l, peer)
	client := newConnClient(t, roots)
	for range 30 {
		mustGet(t, client, l.URL()+"/x")
	}
	if n := handshakes(); n != 2 {
		t.Fatalf("%d TLS handshakes for 30 public connections; want 2 (control and multiplexed)", n)
	}
}

// Negotiation falls back to a proxy connection per public connection when
// either end turned multiplexing off.
func TestMuxFallsBackWhenEitherEndDisablesIt(t *testing.T) {
	for _, side := range []string{"server", "client"} {
		t.Run(side, func(t *testing.T) {
			scfg := serverConfig(nil, "", "")
			scfg.DisableMux = side == "server"
			srv := runServer(t, scfg)
			roots := trust(srv)
			handshakes := handshakeCount(roots)
			cfg := clientConfig(srv, roots)
			cfg.DisableMux = side == "client"
			cfg.ProxyPool = -1 // no pool: every handshake is a public connection's
			l, err := tunnel.Listen(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			serveHTTP(t, l, peer)
			client := newConnClient(t, roots)
			for range 10 {
				mustGet(t, client, l.URL()+"/x")
			}
			if n := handshakes(); n < 11 {
				t.Fatalf("%d TLS handshakes for 10 public connections; want a proxy connection each", n)
			}
		})
	}
}

// A public client that stops reading a large response holds back only its
// own stream: other public connections on the same session go on.
func TestMuxSlowReaderDoesNotStallOthers(t *testing.T) {
	srv := startServer(t, nil, "", "")
	roots := trust(srv)
	l, err := tunnel.Listen(context.Background(), clientConfig(srv, roots))
	if err != nil {
		t.Fatal(err)
	}
	chunk := strings.Repeat("y", 64<<10)
	bigWrites := make(chan struct{}, 1<<12)
	serveHTTP(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/big" {
			io.WriteString(w, "small")
			return
		}
		for range 1024 { // 64 MB, far more than every buffer on the way
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
			select {
			case bigWrites <- struct{}{}:
			default:
			}
		}
	}))
	// The slow reader: a raw connection that reads the head and stops.
	u, _ := url.Parse(l.URL())
	slow, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", u.Port()))
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	io.WriteString(slow, "GET /big HTTP/1.1\r\nHost: "+u.Host+"\r\n\r\n")
	// Wait until the big response has filled what it can and stalls: more
	// than a stream window written (1 MiB), then no write for a while.
	// (Waiting too little only makes the test weaker, never flaky.)
	for n := 0; n < 16; n++ {
		select {
		case <-bigWrites:
		case <-time.After(30 * time.Second):
			t.Fatal("the big response never started")
		}
	}
	for stalled := false; !stalled; {
		select {
		case <-bigWrites:
		case <-time.After(300 * time.Millisecond):
			stalled = true
		}
	}
	client := newConnClient(t, roots)
	for range 20 {
		if got := mustGet(t, client, l.URL()+"/small"); got != "small" {
			t.Fatalf("got %q", got)
		}
	}
}

// relay sits between the tunnel client and server so a test can cut every
// connection through it, as a crashed peer would, or freeze them (bytes
// are dropped, nothing is closed), as a dead network would.
type relay struct {
	ln     net.Listener
	mu     sync.Mutex
	conns  []net.Conn
	frozen bool
	wg     sync.WaitGroup
}

func newRelay(t *testing.T, target string) *relay {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			r.mu.Lock()
			r.conns = append(r.conns, c, s)
			r.mu.Unlock()
			r.wg.Add(2)
			go r.pipe(s, c)
			go r.pipe(c, s)
		}
	}()
	t.Cleanup(func() { ln.Close(); r.cut(); r.wg.Wait() })
	return r
}

func (r *relay) pipe(dst, src net.Conn) {
	defer r.wg.Done()
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		r.mu.Lock()
		frozen := r.frozen
		r.mu.Unlock()
		if frozen {
			continue
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}

// freeze drops every byte from now on, closing nothing.
func (r *relay) freeze() {
	r.mu.Lock()
	r.frozen = true
	r.mu.Unlock()
}

// cut closes every connection through the relay.
func (r *relay) cut() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
	r.conns = nil
}

// When the session dies mid-request, the public client gets a 502 or a
// closed connection at once, while the local handler is still busy: never
// a hang.
func TestMuxSessionDeathFailsRequestsInFlight(t *testing.T) {
	srv := startServer(t, nil, "", "")
	roots := trust(srv)
	rl := newRelay(t, srv.TunnelAddr().String())
	cfg := clientConfig(srv, roots)
	cfg.Server = rl.ln.Addr().String()
	l, err := tunnel.Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}, 1), make(chan struct{})
	defer close(release)
	serveHTTP(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			entered <- struct{}{}
			<-release
		}
		io.WriteString(w, "ok")
	}))
	client := newConnClient(t, roots)
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		res, err := client.Get(l.URL() + "/hang")
		if err != nil {
			done <- result{err: err}
			return
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		done <- result{code: res.StatusCode}
	}()
	<-entered
	rl.cut()
	r := <-done // the handler is still blocked: only the session's end can answer
	if r.err == nil && r.code != http.StatusBadGateway {
		t.Fatalf("public client got %d; want 502 or a closed connection", r.code)
	}
	// The session reconnects (through the relay, which still accepts) and
	// serves again.
	for {
		res, err := client.Get(l.URL() + "/after")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
	}
}

// A session that goes silent (a network that drops everything, closing
// nothing) is found by the keepalive: the public request in flight ends
// with a 502 or a closed connection while the handler is still busy.
func TestMuxSilentSessionIsDetected(t *testing.T) {
	scfg := serverConfig(nil, "", "")
	scfg.Mux = server.MuxLimits{KeepAliveInterval: 50 * time.Millisecond, KeepAliveTimeout: 500 * time.Millisecond}
	srv := runServer(t, scfg)
	roots := trust(srv)
	rl := newRelay(t, srv.TunnelAddr().String())
	cfg := clientConfig(srv, roots)
	cfg.Server = rl.ln.Addr().String()
	l, err := tunnel.Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}, 1), make(chan struct{})
	defer close(release)
	serveHTTP(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	}))
	client := newConnClient(t, roots)
	done := make(chan int, 1)
	go func() {
		res, err := client.Get(l.URL() + "/hang")
		if err != nil {
			done <- 0
			return
		}
		res.Body.Close()
		done <- res.StatusCode
	}()
	<-entered
	rl.freeze()
	if code := <-done; code != 0 && code != http.StatusBadGateway {
		t.Fatalf("public client got %d; want 502 or a closed connection", code)
	}
	l.Close()
}

// Half-close, close and reset of a public TCP connection map to its
// stream and back.
func TestMuxStreamLifecycle(t *testing.T) {
	srv := startServer(t, nil, "", "")
	cfg := clientConfig(srv, trust(srv))
	cfg.Protocol = "tcp"
	l, err := tunnel.Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	appErrs := make(chan error, 8)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				// Read until the public client half-closes, then answer.
				b, err := io.ReadAll(c)
				if err != nil {
					appErrs <- err
					return
				}
				if string(b) == "close" {
					return
				}
				io.WriteString(c, "got "+string(b))
				appErrs <- nil
			}()
		}
	}()
	u, _ := url.Parse(l.URL())
	dial := func() *net.TCPConn {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", u.Port()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(30 * time.Second))
		return c.(*net.TCPConn)
	}

	t.Run("half-close", func(t *testing.T) {
		c := dial()
		io.WriteString(c, "ping")
		c.CloseWrite() // the app sees EOF; the answer still comes back
		b, err := io.ReadAll(c)
		if string(b) != "got ping" || err != nil {
			t.Fatalf("read %q, %v; want %q then EOF", b, err, "got ping")
		}
		if err := <-appErrs; err != nil {
			t.Fatal(err)
		}
	})
	t.Run("close", func(t *testing.T) {
		c := dial()
		io.WriteString(c, "close")
		c.CloseWrite()
		b, err := io.ReadAll(c) // the app closes without a word: EOF
		if len(b) != 0 || err != nil {
			t.Fatalf("read %q, %v; want EOF", b, err)
		}
	})
	t.Run("reset", func(t *testing.T) {
		c := dial()
		io.WriteString(c, "partial")
		c.SetLinger(0)
		c.Close() // an RST: the app's read must end, not hang
		select {
		case <-appErrs: // EOF or an error: either way the stream ended
		case <-time.After(30 * time.Second):
			t.Fatal("the app's read did not end after the public client's reset")
		}
	})
	// Every stream is closed on the server once its connection ended.
	for {
		st := srv.Stats()
		open := int64(0)
		for _, tn := range st.Tunnels {
			open += tn.ActiveConns
		}
		if open == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
}
