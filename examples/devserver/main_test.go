package main

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/httpmw/httpmw/tunnel"
	"github.com/httpmw/httpmw/tunnel/server"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRunServesLocallyAndThroughATunnel runs the command's main path with
// -tunnel against our ngrokd-compatible server, then shuts it down.
func TestRunServesLocallyAndThroughATunnel(t *testing.T) {
	ngrokd := startNgrokd(t)
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "index.html"), []byte("<h1>public</h1>"), 0o644); err != nil {
		t.Fatal(err)
	}
	ready := make(chan urls, 1)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, options{
			root:    root,
			listen:  "127.0.0.1:0",
			tunnel:  tunnelTo(ngrokd),
			inspect: "127.0.0.1:0",
			ready:   func(u urls) { ready <- u },
		})
	}()
	var u urls
	select {
	case u = <-ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("devserver did not start")
	}
	if len(u.public) != 1 || !strings.HasPrefix(u.public[0], "http://demo.example.test") {
		t.Fatalf("public URLs %v, want http://demo.example.test...", u.public)
	}

	// The public client reaches the tunnel server's http listener with the
	// tunnel's Host, as a browser resolving demo.example.test would.
	public := publicClient(ngrokd)
	for _, c := range []struct {
		client *http.Client
		url    string
	}{{http.DefaultClient, u.local}, {public, u.public[0] + "/"}} {
		res, err := c.client.Get(c.url)
		if err != nil {
			t.Fatalf("GET %s: %v", c.url, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(body) != "<h1>public</h1>" {
			t.Fatalf("GET %s: %d %q", c.url, res.StatusCode, body)
		}
	}
	public.CloseIdleConnections()

	// Both requests are on the inspector's list; the second came in
	// through the tunnel, with its Host.
	for path, want := range map[string]string{"api/exchanges": `"id":2,`, "api/exchanges/2": "demo.example.test"} {
		res, err := http.Get(u.inspector + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Fatalf("inspector %s: %d %s, want %s", path, res.StatusCode, body, want)
		}
	}
	http.DefaultClient.CloseIdleConnections()

	stop()
	if err := <-done; err != nil {
		t.Fatalf("run after shutdown: %v", err)
	}
}

func TestRunRefusedByTheTunnelServer(t *testing.T) {
	ngrokd, err := server.New(server.Config{Domain: "example.test", TunnelAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Tokens: map[string]string{"good": "dev"}})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { ngrokd.Serve(context.Background()); close(served) }()
	defer func() { ngrokd.Close(); <-served }()

	err = run(context.Background(), options{
		root:   t.TempDir(),
		listen: "127.0.0.1:0",
		tunnel: tunnel.Config{
			Server:    ngrokd.TunnelAddr().String(),
			TLSConfig: &tls.Config{RootCAs: ngrokd.RootCAs(), ServerName: "localhost"},
			AuthToken: "wrong",
		},
	})
	var authErr *tunnel.AuthError
	if err == nil || !strings.Contains(err.Error(), "-tunnel") || !errors.As(err, &authErr) {
		t.Fatalf("run with a bad token: %v, want a -tunnel *tunnel.AuthError", err)
	}
}
