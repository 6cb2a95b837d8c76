package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/httpmw/httpmw/tunnel/server"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start runs the command with args and returns the server once it listens.
func start(t *testing.T, args ...string) (*server.Server, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *server.Server, 1)
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() { done <- run(ctx, args, &out, io.Discard, func(s *server.Server) { ready <- s }) }()
	select {
	case srv := <-ready:
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
		})
		return srv, out.String()
	case err := <-done:
		cancel()
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("not listening after 10s")
	}
	return nil, ""
}

func TestDevModeMakesCAOnceAndServesHTTPS(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-dev", "-devDir", dir, "-domain", "example.test", "-tunnelAddr", "127.0.0.1:0",
		"-httpAddr", "", "-httpsAddr", "127.0.0.1:0", "-token", "s3cret=alice", "-log-level", "ERROR"}
	srv, out := start(t, args...)
	caFile := filepath.Join(dir, "ca.pem")
	if !strings.Contains(out, "SSL_CERT_FILE="+caFile) || !strings.Contains(out, "http on (off)") {
		t.Fatalf("output:\n%s", out)
	}
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "ca-key.pem")); fi == nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("CA key missing or readable by others: %v", fi)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, srv.HTTPSAddr().String())
		},
	}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Get("https://demo.example.test/")
	if err != nil {
		t.Fatalf("https with the dev CA: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 404 || string(body) != "Tunnel demo.example.test not found" {
		t.Fatalf("got %d %q", res.StatusCode, body)
	}
	// The tunnel port verifies with the same CA.
	c, err := tls.Dial("tcp", srv.TunnelAddr().String(), &tls.Config{RootCAs: pool, ServerName: "example.test"})
	if err != nil {
		t.Fatalf("tunnel port with the dev CA: %v", err)
	}
	c.Close()

	// A second run keeps the CA.
	start(t, args...)
	again, _ := os.ReadFile(caFile)
	if !bytes.Equal(again, caPEM) {
		t.Fatal("second run replaced the CA")
	}
}

func TestFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-tunnelAddr", "127.0.0.1:0", "-httpAddr", "127.0.0.1:0", "-httpsAddr", "", "-token", "x=y"},                // no certificate
		{"-dev", "-devDir", t.TempDir(), "-tunnelAddr", "127.0.0.1:0", "-httpAddr", "127.0.0.1:0", "-httpsAddr", ""}, // no tokens
		{"-dev", "-token", "novalue"},
		{"-dev", "-tcpPorts", "9-"},
	} {
		err := run(context.Background(), args, io.Discard, io.Discard, nil)
		if err == nil {
			t.Fatalf("%v: no error", args)
		}
	}
}
