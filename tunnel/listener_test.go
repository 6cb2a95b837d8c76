package tunnel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// serve runs http.Serve(l, h) until the test ends and reports its error.
// expectEcho writes msg to c and expects it back within 10 s.
func expectEcho(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	io.WriteString(c, msg)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != msg {
		t.Fatalf("echo of %q: %q %v", msg, buf, err)
	}
}

func serve(t *testing.T, l net.Listener, h http.Handler) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- http.Serve(l, h) }()
	t.Cleanup(func() {
		l.Close()
		if err := <-done; !errors.Is(err, net.ErrClosed) {
			t.Errorf("http.Serve ended with %v, want net.ErrClosed", err)
		}
	})
	return done
}

// whoami answers with the request's RemoteAddr and Host.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "%s %s %s", r.RemoteAddr, r.Host, r.URL.Path)
})

func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %q %v", url, res.StatusCode, b, err)
	}
	return string(b)
}

func TestListenServesHTTPWithPublicPeerAddress(t *testing.T) {
	f := newFakeServer(t)
	cfg := f.config()
	cfg.Subdomain = "demo"
	l, err := Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := l.URL(), "http://demo.fake.test"; got != want {
		t.Fatalf("URL() = %q, want %q", got, want)
	}
	if got := l.Addr().String(); got != l.URL() || l.Addr().Network() != "http" {
		t.Fatalf("Addr() = %s %q", l.Addr().Network(), got)
	}
	serve(t, l, whoami)
	got := get(t, f.httpClient(l.URL()), "http://demo.fake.test/hello")
	if want := "203.0.113.7:4242 demo.fake.test /hello"; got != want {
		t.Fatalf("handler saw %q, want %q", got, want)
	}

	auth := <-f.auths
	if auth.Version != "2" || auth.MmVersion != "1.7" || auth.User != "secret-token" || auth.ClientId != "" {
		t.Fatalf("Auth = %+v", auth)
	}
	req := <-f.tunnels
	if req.Protocol != "http" || req.Subdomain != "demo" || len(req.ReqId) != 16 {
		t.Fatalf("ReqTunnel = %+v", req)
	}
}

func TestWarmPoolIsRegisteredUpFront(t *testing.T) {
	f := newFakeServer(t)
	f.noReqProxy = true // only the pool may open proxies
	cfg := f.config()
	cfg.ProxyPool = 6
	l, err := Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for range 6 {
		<-f.pooled
	}
	if n := f.regs.Load(); n != 6 {
		t.Fatalf("%d proxy connections registered, want 6", n)
	}
	// Six public connections at once need no ReqProxy round trip; the
	// fake would ask for more only after taking one.
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := l.Accept()
			if err == nil {
				c.Close()
			}
		}()
	}
	for range 6 {
		c, err := f.open(l.URL(), "192.0.2.1:1")
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	wg.Wait()
}

func TestProtocolsShareOneListener(t *testing.T) {
	f := newFakeServer(t)
	cfg := f.config()
	cfg.Protocol = "http+https"
	cfg.Subdomain = "both"
	l, err := Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"http://both.fake.test", "https://both.fake.test"}
	if got := l.URLs(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("URLs() = %q, want %q", got, want)
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	srv := &http.Server{
		Handler: whoami,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			mu.Lock()
			seen[c.(*Conn).URL()] = true
			mu.Unlock()
			return ctx
		},
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	for _, u := range want {
		get(t, f.httpClient(u), "http://both.fake.test/")
	}
	l.Close()
	<-done
	if !seen[want[0]] || !seen[want[1]] {
		t.Fatalf("connections came in on %v, want both URLs", seen)
	}
}

func TestSessionRoutesByURL(t *testing.T) {
	f := newFakeServer(t)
	s, err := Dial(context.Background(), f.config())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.Listen(context.Background(), Endpoint{Subdomain: "a"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Listen(context.Background(), Endpoint{Protocol: "tcp", RemotePort: 7})
	if err != nil {
		t.Fatal(err)
	}
	if b.URL() != "tcp://fake.test:30007" {
		t.Fatalf("tcp URL = %q", b.URL())
	}
	serve(t, a, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "from a") }))
	// b is a raw TCP echo.
	go func() {
		for {
			c, err := b.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	if got := get(t, f.httpClient(a.URL()), "http://a.fake.test/"); got != "from a" {
		t.Fatalf("a answered %q", got)
	}
	c, err := f.open(b.URL(), "198.51.100.2:9")
	if err != nil {
		t.Fatal(err)
	}
	expectEcho(t, c, "ping over tcp")
	c.Close()

	// Closing one listener leaves the other serving.
	b.Close()
	if _, err := b.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v", err)
	}
	get(t, f.httpClient(a.URL()), "http://a.fake.test/")
}

func TestServerRefusals(t *testing.T) {
	t.Run("auth", func(t *testing.T) {
		f := newFakeServer(t)
		f.authError = "bad token"
		_, err := Listen(context.Background(), f.config())
		var ae *AuthError
		if !errors.As(err, &ae) || ae.Message != "bad token" {
			t.Fatalf("Listen: %v, want *AuthError", err)
		}
	})
	t.Run("tunnel", func(t *testing.T) {
		f := newFakeServer(t)
		f.tunnelError = "The tunnel http://x.fake.test is already registered."
		cfg := f.config()
		cfg.Subdomain = "x"
		_, err := Listen(context.Background(), cfg)
		var te *TunnelError
		if !errors.As(err, &te) || te.Message != f.tunnelError || te.Protocol != "http" {
			t.Fatalf("Listen: %v, want *TunnelError", err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		f := newFakeServer(t)
		cfg := f.config()
		cfg.TLSConfig = nil // system roots do not know the fake's certificate
		_, err := Listen(context.Background(), cfg)
		var ue x509UnknownAuthority
		if err == nil || !errors.As(err, &ue) {
			t.Fatalf("Listen: %v, want an unknown-authority error", err)
		}
	})
	t.Run("no server", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		_, err := Listen(context.Background(), Config{Server: addr})
		if err == nil {
			t.Fatal("Listen to a closed port succeeded")
		}
	})
}

func TestAcceptEndsOnCloseAndContext(t *testing.T) {
	f := newFakeServer(t)
	t.Run("Close", func(t *testing.T) {
		l, err := Listen(context.Background(), f.config())
		if err != nil {
			t.Fatal(err)
		}
		errc := make(chan error)
		go func() { _, err := l.Accept(); errc <- err }()
		l.Close()
		if err := <-errc; !errors.Is(err, net.ErrClosed) {
			t.Fatalf("pending Accept: %v", err)
		}
		if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept after Close: %v", err)
		}
	})
	t.Run("ctx", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		l, err := Listen(ctx, f.config())
		if err != nil {
			t.Fatal(err)
		}
		errc := make(chan error)
		go func() { _, err := l.Accept(); errc <- err }()
		cancel()
		if err := <-errc; !errors.Is(err, net.ErrClosed) {
			t.Fatalf("pending Accept: %v", err)
		}
		l.Close()
	})
	t.Run("Close during backoff", func(t *testing.T) {
		g := newFakeServer(t)
		cfg := g.config()
		cfg.BackoffMin, cfg.BackoffMax = time.Hour, time.Hour
		reconnecting := make(chan struct{}, 1)
		cfg.OnEvent = func(e Event) {
			if e.Kind == EventReconnecting {
				reconnecting <- struct{}{}
			}
		}
		l, err := Listen(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		g.stop()
		<-reconnecting
		closed := make(chan struct{})
		go func() { l.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Fatal("Close did not interrupt an hour of backoff")
		}
	})
}
