package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/httpmw/httpmw/internal/testhttp"

	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newTestServer runs a server on loopback ports with two accounts, alice
// and bob, and returns it with its http base ("http://127.0.0.1:port").
func newTestServer(t testing.TB, edit func(*Config)) *Server {
	t.Helper()
	cfg := Config{
		Domain:     "example.test",
		TunnelAddr: "127.0.0.1:0",
		HTTPAddr:   "127.0.0.1:0",
		HTTPSAddr:  "127.0.0.1:0",
		TCPAddr:    "127.0.0.1",
		Tokens:     map[string]string{"alice-token": "alice", "bob-token": "bob"},
	}
	// The server's log is shown when the test fails.
	var logs testhttp.Buffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	if edit != nil {
		edit(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(context.Background()) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return srv
}

// echoServer is the local service behind tunnels: it answers with what it
// saw of the request.
func echoServer(t testing.TB) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s host=%s xff=%s proto=%s auth=%q body=%s", r.Method, r.URL.RequestURI(), r.Host,
			r.Header.Get("X-Forwarded-For"), r.Header.Get("X-Forwarded-Proto"), r.Header.Get("Authorization"), body)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// hostURL is the Host a public client sends for a tunnel URL, and the
// address it really connects to.
func publicGet(t testing.TB, client *http.Client, srv *Server, tunnelURL, path string, edit func(*http.Request)) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+srv.HTTPAddr().String()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = strings.TrimPrefix(tunnelURL, "http://")
	if edit != nil {
		edit(req)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", tunnelURL+path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func newHTTPClient(t testing.TB) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: patience}
}

func TestHTTPTunnelEndToEnd(t *testing.T) {
	srv := newTestServer(t, nil)
	local := echoServer(t)
	c, resp := connect(t, srv, "alice-token", "", local.Listener.Addr().String())
	if resp.Error != "" || len(resp.ClientId) != 32 {
		t.Fatalf("AuthResp = %+v", resp)
	}
	nts := c.tunnel(&wire.ReqTunnel{ReqId: "r1", Protocol: "http+https", Subdomain: "demo"})
	_, httpPort, _ := net.SplitHostPort(srv.HTTPAddr().String())
	_, httpsPort, _ := net.SplitHostPort(srv.HTTPSAddr().String())
	if len(nts) != 2 || nts[0].Url != "http://demo.example.test:"+httpPort || nts[1].Url != "https://demo.example.test:"+httpsPort || nts[0].ReqId != "r1" {
		t.Fatalf("NewTunnel = %+v %+v", nts[0], nts[1])
	}
	client := newHTTPClient(t)
	code, body := publicGet(t, client, srv, nts[0].Url, "/hello?x=1", nil)
	if code != 200 || !strings.HasPrefix(body, "GET /hello?x=1 host=demo.example.test:"+httpPort+" xff=127.0.0.1 proto=http") {
		t.Fatalf("got %d %q", code, body)
	}
	// The Host without its port routes too.
	code, body = publicGet(t, client, srv, "http://demo.example.test", "/p", nil)
	if code != 200 || !strings.Contains(body, "GET /p host=demo.example.test ") {
		t.Fatalf("portless host: %d %q", code, body)
	}
	code, body = publicGet(t, client, srv, "http://nope.example.test", "/", nil)
	if code != 404 || body != "Tunnel nope.example.test not found" {
		t.Fatalf("unknown host: %d %q", code, body)
	}
	st := srv.Stats()
	if st.Clients != 1 || len(st.Tunnels) != 2 || st.Tunnels[0].Requests != 2 || st.Tunnels[0].BytesIn == 0 || st.Tunnels[0].Account != "alice" {
		t.Fatalf("stats = %+v", st)
	}
}

func TestUnknownTokenRefused(t *testing.T) {
	srv := newTestServer(t, nil)
	_, resp := connect(t, srv, "wrong", "", "")
	if resp.Error == "" || resp.ClientId != "" {
		t.Fatalf("AuthResp = %+v, want an error", resp)
	}
	if strings.Contains(resp.Error, "wrong") {
		t.Fatalf("error echoes the token: %q", resp.Error)
	}
}

// patience bounds every wait of these tests for something that should
// happen at once: generous, so that a loaded machine (other tests, -race)
// only makes them slower, never wrong.
const patience = testhttp.Patience

func tlsClient(raw net.Conn, srv *Server) *tls.Conn {
	c := tls.Client(raw, &tls.Config{RootCAs: srv.RootCAs(), ServerName: "localhost"})
	c.SetDeadline(time.Now().Add(patience))
	return c
}
