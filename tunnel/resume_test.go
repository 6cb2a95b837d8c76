package tunnel_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/httpmw/httpmw/tunnel"
	"github.com/httpmw/httpmw/tunnel/server"
)

// handshakes records every TLS handshake the client makes to the server.
type handshakes struct {
	mu   sync.Mutex
	seen []tls.ConnectionState
}

func (h *handshakes) record(cs tls.ConnectionState) error {
	h.mu.Lock()
	h.seen = append(h.seen, cs)
	h.mu.Unlock()
	return nil
}

// count returns how many handshakes were full ones with the hybrid
// exchange, resumed ones with X25519 alone, and anything else.
func (h *handshakes) count() (fullHybrid, resumedX25519, other int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, cs := range h.seen {
		switch {
		case !cs.DidResume && cs.CurveID == tls.X25519MLKEM768:
			fullHybrid++
		case cs.DidResume && cs.CurveID == tls.X25519:
			resumedX25519++
		default:
			other++
		}
	}
	return
}

// newConnectionGETs serves a tunnel through srv and makes n GETs, each on a
// new public connection, so each uses up a proxy connection.
func newConnectionGETs(t *testing.T, srv *server.Server, roots *tls.Config, n int) {
	t.Helper()
	cfg := clientConfig(srv, roots)
	cfg.DisableMux = true // one proxy connection per public connection
	l, err := tunnel.Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	serveHTTP(t, l, peer)
	client := publicClient(t, roots, nil)
	client.Transport.(*http.Transport).DisableKeepAlives = true
	for range n {
		mustGet(t, client, l.URL()+"/")
	}
}

// A session's first handshake uses Go's hybrid post-quantum exchange; its
// proxy connections resume that session with X25519 alone, which keeps the
// first handshake's protection at a third less CPU (see resume.go).
func TestProxyConnectionsResumeWithX25519(t *testing.T) {
	srv := startServer(t, nil, "", "")
	var h handshakes
	roots := trust(srv)
	roots.VerifyConnection = h.record
	newConnectionGETs(t, srv, roots, 20)

	full, resumed, other := h.count()
	if full != 1 || resumed < 20 || other != 0 {
		t.Fatalf("%d full hybrid, %d resumed with X25519, %d other handshakes; want 1 (the control connection), at least 20, 0", full, resumed, other)
	}
}

// Against a server that issues no session tickets nothing can resume: each
// proxy connection makes a full hybrid handshake, and none is wasted on
// trying X25519 first.
func TestProxyConnectionsWithoutTicketsStayHybrid(t *testing.T) {
	serverTLS, roots := devTLS(t)
	serverTLS.SessionTicketsDisabled = true
	srv := startServer(t, serverTLS, "", "")
	var h handshakes
	roots.VerifyConnection = h.record
	newConnectionGETs(t, srv, roots, 40)

	full, resumed, other := h.count()
	if full < 41 || resumed != 0 || other != 0 {
		t.Fatalf("%d full hybrid, %d resumed, %d other handshakes; want at least 41 full hybrid and nothing else", full, resumed, other)
	}
}

// A caller who sets CurvePreferences gets exactly that, on every connection.
func TestCurvePreferencesAreTheCallers(t *testing.T) {
	srv := startServer(t, nil, "", "")
	var h handshakes
	roots := trust(srv)
	roots.VerifyConnection = h.record
	roots.CurvePreferences = []tls.CurveID{tls.X25519MLKEM768}
	newConnectionGETs(t, srv, roots, 10)

	h.mu.Lock()
	defer h.mu.Unlock()
	for _, cs := range h.seen {
		if cs.CurveID != tls.X25519MLKEM768 {
			t.Fatalf("a handshake used %v, want X25519MLKEM768 only", cs.CurveID)
		}
	}
}

// helloCounter counts the ClientHellos that offer X25519 alone.
type helloCounter struct {
	mu          sync.Mutex
	x25519Alone int
}

func (h *helloCounter) hook(conf *tls.Config) {
	conf.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		if len(hello.SupportedCurves) == 1 && hello.SupportedCurves[0] == tls.X25519 {
			h.mu.Lock()
			h.x25519Alone++
			h.mu.Unlock()
		}
		return nil, nil
	}
}

func (h *helloCounter) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.x25519Alone
}

// A server that insists on the hybrid exchange refuses every X25519-only
// handshake. Proxy connections then fall back to the full configuration
// (so public connections work), and the session stops trying X25519 alone.
func TestProxyConnectionsFallBackWhenX25519AloneIsRefused(t *testing.T) {
	serverTLS, roots := devTLS(t)
	serverTLS.CurvePreferences = []tls.CurveID{tls.X25519MLKEM768}
	var hellos helloCounter
	hellos.hook(serverTLS)
	srv := startServer(t, serverTLS, "", "")
	cfg := clientConfig(srv, roots)
	cfg.DisableMux = true // one proxy connection per public connection
	l, err := tunnel.Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	serveHTTP(t, l, peer)
	client := publicClient(t, roots, nil)
	client.Transport.(*http.Transport).DisableKeepAlives = true
	client.Timeout = 20 * time.Second
	for range 20 {
		mustGet(t, client, l.URL()+"/")
	}
	if hellos.count() == 0 {
		t.Fatal("no proxy connection tried X25519 alone; the test proves nothing")
	}
	before := hellos.count()
	for range 10 {
		mustGet(t, client, l.URL()+"/")
	}
	if n := hellos.count() - before; n != 0 {
		t.Fatalf("%d more X25519-only handshakes after the server refused them", n)
	}
}

// DisableX25519Resume: proxy connections offer the full configuration,
// never X25519 alone.
func TestDisableX25519Resume(t *testing.T) {
	serverTLS, roots := devTLS(t)
	var hellos helloCounter
	hellos.hook(serverTLS)
	srv := startServer(t, serverTLS, "", "")
	cfg := clientConfig(srv, roots)
	cfg.DisableMux = true
	cfg.DisableX25519Resume = true
	l, err := tunnel.Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	serveHTTP(t, l, peer)
	client := publicClient(t, roots, nil)
	client.Transport.(*http.Transport).DisableKeepAlives = true
	for range 10 {
		mustGet(t, client, l.URL()+"/")
	}
	if n := hellos.count(); n != 0 {
		t.Fatalf("%d X25519-only handshakes with DisableX25519Resume", n)
	}
}
