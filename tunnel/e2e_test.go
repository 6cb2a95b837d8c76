package tunnel_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/httpmw/httpmw/tunnel"
	"github.com/httpmw/httpmw/tunnel/server"
)

// These tests run the client against httpmw's own ngrokd, tunnel/server,
// with real public clients: net/http, raw TCP and curl.

const token = "test-token"

// startServer starts a tunnel server on loopback; tlsConf nil lets it make
// its own development CA. Zero addresses pick free ports.
func startServer(t *testing.T, tlsConf *tls.Config, tunnelAddr, httpAddr string) *server.Server {
	t.Helper()
	return runServer(t, serverConfig(tlsConf, tunnelAddr, httpAddr))
}

// serverConfig is startServer's configuration, for tests that change it.
func serverConfig(tlsConf *tls.Config, tunnelAddr, httpAddr string) server.Config {
	if tunnelAddr == "" {
		tunnelAddr = "127.0.0.1:0"
	}
	if httpAddr == "" {
		httpAddr = "127.0.0.1:0"
	}
	return server.Config{
		Domain:          "example.test",
		TunnelAddr:      tunnelAddr,
		HTTPAddr:        httpAddr,
		HTTPSAddr:       "127.0.0.1:0",
		TCPAddr:         "127.0.0.1",
		Tokens:          map[string]string{token: "tester"},
		TLSConfig:       tlsConf,
		ShutdownTimeout: 100 * time.Millisecond,
	}
}

// runServer starts a tunnel server and closes it when the test ends.
func runServer(t *testing.T, cfg server.Config) *server.Server {
	t.Helper()
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { srv.Serve(context.Background()); close(done) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return srv
}

// devTLS makes a development CA and returns a server configuration with a
// certificate it issued and a client one that trusts it.
func devTLS(t *testing.T) (serverConf, clientConf *tls.Config) {
	t.Helper()
	ca, err := server.NewDevCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue("example.test")
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}}, &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost"}
}

// clientConfig connects to srv, trusting roots.
func clientConfig(srv *server.Server, roots *tls.Config) tunnel.Config {
	return tunnel.Config{
		Server:     srv.TunnelAddr().String(),
		TLSConfig:  roots,
		AuthToken:  token,
		BackoffMin: 10 * time.Millisecond,
		BackoffMax: 50 * time.Millisecond,
	}
}

func trust(srv *server.Server) *tls.Config {
	return &tls.Config{RootCAs: srv.RootCAs(), ServerName: "localhost"}
}

// publicClient is an HTTP client of the public internet: names under
// example.test resolve to loopback, https is verified against roots.
// Each connection's local address is sent to locals, when not nil.
func publicClient(t *testing.T, roots *tls.Config, locals chan<- string) *http.Client {
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots.RootCAs},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			c, err := (&net.Dialer{}).DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
			if err == nil && locals != nil {
				locals <- c.LocalAddr().String()
			}
			return c, err
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func serveHTTP(t *testing.T, l net.Listener, h http.Handler) {
	done := make(chan error, 1)
	go func() { done <- http.Serve(l, h) }()
	t.Cleanup(func() {
		l.Close()
		if err := <-done; !errors.Is(err, net.ErrClosed) {
			t.Errorf("http.Serve: %v", err)
		}
	})
}

var peer = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "%s %s", r.RemoteAddr, r.URL.Path)
})

func fetch(t *testing.T, c *http.Client, req *http.Request) (int, string) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

func mustGet(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	code, body := fetch(t, c, req)
	if code != 200 {
		t.Fatalf("GET %s: %d %q", u, code, body)
	}
	return body
}

func TestE2EHTTPAndHTTPSServePublicClients(t *testing.T) {
	srv := startServer(t, nil, "", "")
	roots := trust(srv)
	for _, proto := range []string{"http", "https"} {
		t.Run(proto, func(t *testing.T) {
			cfg := clientConfig(srv, roots)
			cfg.Protocol = proto
			cfg.Subdomain = "demo-" + proto
			l, err := tunnel.Listen(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			port := srv.HTTPAddr().(*net.TCPAddr).Port
			if proto == "https" {
				port = srv.HTTPSAddr().(*net.TCPAddr).Port
			}
			if want := fmt.Sprintf("%s://demo-%s.example.test:%d", proto, proto, port); l.URL() != want {
				t.Fatalf("URL = %q, want %q", l.URL(), want)
			}
			serveHTTP(t, l, peer)
			locals := make(chan string, 1)
			got := mustGet(t, publicClient(t, roots, locals), l.URL()+"/hi")
			// RemoteAddr is the public client's own address.
			if want := <-locals + " /hi"; got != want {
				t.Fatalf("handler saw %q, want %q", got, want)
			}
		})
	}
}

func TestE2ETCPEcho(t *testing.T) {
	srv := startServer(t, nil, "", "")
	cfg := clientConfig(srv, trust(srv))
	cfg.Protocol = "tcp"
	l, err := tunnel.Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				fmt.Fprintf(c, "%s says: ", c.RemoteAddr())
				io.Copy(c, c)
				c.Close()
			}()
		}
	}()
	u, err := url.Parse(l.URL())
	if err != nil || u.Scheme != "tcp" || u.Hostname() != "example.test" {
		t.Fatalf("tcp URL %q", l.URL())
	}
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", u.Port()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "over tcp")
	want := c.LocalAddr().String() + " says: over tcp"
	b := make([]byte, len(want))
	// Like ngrokd 1.7, the server closes both ways when one side ends, so
	// the test does not half-close.
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.ReadFull(c, b)
	if string(b) != want || err != nil {
		t.Fatalf("read %q, %v; want %q", b, err, want)
	}
}

func TestE2EServerRefusals(t *testing.T) {
	srv := startServer(t, nil, "", "")
	roots := trust(srv)

	cfg := clientConfig(srv, roots)
	cfg.AuthToken = "wrong"
	_, err := tunnel.Listen(context.Background(), cfg)
	var ae *tunnel.AuthError
	if !errors.As(err, &ae) || !strings.Contains(ae.Message, "unknown token") || !errors.Is(err, tunnel.ErrRefused) {
		t.Fatalf("bad token: %v, want *AuthError", err)
	}

	cfg = clientConfig(srv, roots)
	cfg.Subdomain = "taken"
	l, err := tunnel.Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// A new session whose first tunnel is refused gets the server's reason,
	// not just a closed connection.
	dup := clientConfig(srv, roots)
	dup.Subdomain = "taken"
	_, err = tunnel.Listen(context.Background(), dup)
	var first *tunnel.TunnelError
	if !errors.As(err, &first) || !strings.Contains(first.Message, "already registered") || !errors.Is(err, tunnel.ErrRefused) {
		t.Fatalf("duplicate subdomain as the first tunnel: %v, want *TunnelError", err)
	}
	// A second session asks for the same name. It holds a tunnel already,
	// so the server keeps the control connection after refusing.
	s, err := tunnel.Dial(context.Background(), clientConfig(srv, roots))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Listen(context.Background(), tunnel.Endpoint{Subdomain: "free"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Listen(context.Background(), tunnel.Endpoint{Subdomain: "taken"})
	var te *tunnel.TunnelError
	if !errors.As(err, &te) || !strings.Contains(te.Message, "already registered") {
		t.Fatalf("duplicate subdomain: %v, want *TunnelError", err)
	}
	if _, err := s.Listen(context.Background(), tunnel.Endpoint{Subdomain: "free2"}); err != nil {
		t.Fatalf("the session is unusable after a refusal: %v", err)
	}

	cfg = clientConfig(srv, nil) // system roots do not trust the dev CA
	if _, err := tunnel.Listen(context.Background(), cfg); err == nil {
		t.Fatal("an untrusted server was accepted")
	}
}

func TestE2EBasicAuthOnEveryRequest(t *testing.T) {
	srv := startServer(t, nil, "", "")
	roots := trust(srv)
	cfg := clientConfig(srv, roots)
	cfg.Subdomain = "private"
	cfg.HTTPAuth = "alice:s3cret"
	l, err := tunnel.Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	serveHTTP(t, l, peer)
	c := publicClient(t, roots, nil) // keep-alive: the same connection each time
	for i, creds := range []*url.Userinfo{url.UserPassword("alice", "s3cret"), nil, url.UserPassword("alice", "wrong"), url.UserPassword("alice", "s3cret")} {
		req, _ := http.NewRequest("GET", l.URL()+"/", nil)
		want := 401
		if creds != nil {
			p, _ := creds.Password()
			req.SetBasicAuth(creds.Username(), p)
			if p == "s3cret" {
				want = 200
			}
		}
		if code, body := fetch(t, c, req); code != want {
			t.Fatalf("request %d: %d %q, want %d", i, code, body, want)
		}
	}
}

func TestE2EManyNewConnectionsAtOnce(t *testing.T) {
	srv := startServer(t, nil, "", "")
	roots := trust(srv)
	cfg := clientConfig(srv, roots)
	cfg.Subdomain = "burst"
	l, err := tunnel.Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	serveHTTP(t, l, peer)
	c := publicClient(t, roots, nil)
	c.Transport.(*http.Transport).DisableKeepAlives = true
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.Get(fmt.Sprintf("%s/%d", l.URL(), i))
			if err != nil {
				errs <- err
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if !strings.HasSuffix(string(b), fmt.Sprintf(" /%d", i)) {
				errs <- fmt.Errorf("request %d got %q", i, b)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestE2EReconnectAfterServerRestart(t *testing.T) {
	serverTLS, roots := devTLS(t)

	first := startServer(t, serverTLS, "", "")
	tunnelAddr, httpAddr := first.TunnelAddr().String(), first.HTTPAddr().String()
	cfg := clientConfig(first, roots)
	cfg.Subdomain = "survivor"
	connected := make(chan struct{}, 8)
	reconnecting := make(chan error, 64)
	cfg.OnEvent = func(e tunnel.Event) {
		switch e.Kind {
		case tunnel.EventConnected:
			connected <- struct{}{}
		case tunnel.EventReconnecting:
			select {
			case reconnecting <- e.Err:
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
	url := l.URL()
	c := publicClient(t, roots, nil)
	mustGet(t, c, url+"/before")

	first.Close()
	if err := <-reconnecting; err == nil {
		t.Fatal("reconnecting without a cause")
	}
	startServer(t, serverTLS, tunnelAddr, httpAddr)
	select {
	case <-connected:
	case <-time.After(20 * time.Second):
		t.Fatal("no reconnect to the restarted server")
	}
	if l.URL() != url {
		t.Fatalf("URL changed across the restart: %q -> %q", url, l.URL())
	}
	c.Transport.(*http.Transport).CloseIdleConnections()
	if got := mustGet(t, c, url+"/after"); !strings.HasSuffix(got, " /after") {
		t.Fatalf("after restart: %q", got)
	}
}

// TestE2ECurl fetches through the tunnel with curl, as a user would.
func TestE2ECurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed (CI installs it): ", err)
	}
	srv := startServer(t, nil, "", "")
	cfg := clientConfig(srv, trust(srv))
	cfg.Protocol = "http+https"
	cfg.Subdomain = "curl"
	l, err := tunnel.Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	serveHTTP(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello curl") }))
	caFile := t.TempDir() + "/ca.pem"
	if err := writeFile(caFile, srv.CA().CertPEM()); err != nil {
		t.Fatal(err)
	}
	for _, u := range l.URLs() {
		pu, _ := url.Parse(u)
		out, err := exec.Command(curl, "-sS", "--max-time", "20", "--cacert", caFile,
			"--resolve", pu.Host+":127.0.0.1", u+"/").CombinedOutput()
		if err != nil || string(out) != "hello curl" {
			t.Fatalf("curl %s: %q %v", u, out, err)
		}
	}
}
